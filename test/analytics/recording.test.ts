import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../rig';
import { generateWorkspace, type GeneratedWorkspace } from './support/generated-workspace';
import { withStore } from './support/store';
import { loadSqlite } from '../../analytics';

let gen: GeneratedWorkspace;
let db: string;
const ALL = ['run-many', '-t', 'build', 'test', 'lint'];

/** No completer alive (one that lingers would take the next command's work at once). */
function noCompleter(): void {
  const lock = gen.ws.path('.nx/fleet/completing/.lock');
  const alive = (): boolean => {
    try {
      process.kill(Number(fs.readFileSync(lock, 'utf8')), 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 400 && alive(); i++) spawnSync('sleep', ['0.05']);
  expect(alive()).toBe(false);
}

beforeAll(() => {
  // Completers of this file's commands leave as soon as they are done (the linger test says otherwise).
  process.env.FLEET_HISTORY_COMPLETER_LINGER_MS = '0';
  gen = generateWorkspace(6, 20);
  db = gen.ws.path('.nx/fleet/history.db');
});
afterAll(() => gen?.ws.dispose());

function runCount(file = db): number {
  return withStore(file, (s) => s.listRuns({ limit: 1000 }).length);
}

function nxAsync(args: string[], env: Record<string, string> = {}): Promise<number> {
  const nxBin = path.join(repoRoot(), 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nxBin, ...args], {
      cwd: gen.ws.root,
      env: gen.ws.env(env),
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

describe('recording through postTasksExecution (real nx)', () => {
  it('records every task with a per-file manifest equal to `nx show target inputs` (every task)', () => {
    const out = gen.ws.nx(ALL);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/HISTORY_/);
    const checked = withStore(db, (s) => {
      const [run] = s.listRuns({ limit: 1 });
      expect(run.command).toBe(`nx ${ALL.join(' ')}`);
      expect(run.branch).toBe('main');
      expect(run.commit).toBe(gen.ws.git(['rev-parse', 'HEAD']).trim());
      const tasks = s.runTasks(run.runId);
      expect(tasks.map((t) => t.taskId).sort()).toEqual([...gen.tasks].sort());
      let n = 0;
      for (const t of tasks) {
        expect(t.cache).toBe('miss');
        expect(t.hash).toMatch(/^\d+$/);
        expect(t.manifestId, t.taskId).toBeTruthy();
        const manifest = s.manifest(t.manifestId!)!;
        const shown = JSON.parse(gen.ws.nxOk(['show', 'target', 'inputs', t.taskId, '--json'])) as {
          files: string[];
          environment?: string[];
          runtime?: string[];
        };
        expect(
          manifest.files.map(([f]) => f),
          t.taskId,
        ).toEqual([...shown.files].sort());
        expect(manifest.environment).toEqual([...(shown.environment ?? [])].sort());
        expect(manifest.runtime).toEqual([...(shown.runtime ?? [])].sort());
        for (const [f, h] of manifest.files) expect(h, f).toMatch(/^\d+$/);
        expect(s.hashDetails(run.runId, t.taskId)?.nodes).toBeTruthy();
        n++;
      }
      return n;
    });
    console.log(`manifest == nx show target inputs: ${checked} tasks checked`);
    expect(checked).toBe(gen.tasks.length);
  });

  it('a run of cache hits shares the stored manifests (content-addressed, nothing new stored)', () => {
    const blobsBefore = withStore(
      db,
      (s) => (s.db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n,
    );
    gen.ws.nxOk(ALL);
    withStore(db, (s) => {
      const [latest, previous] = s.listRuns({ limit: 2 });
      const a = new Map(s.runTasks(latest.runId).map((t) => [t.taskId, t]));
      for (const t of s.runTasks(previous.runId)) {
        expect(a.get(t.taskId)?.cache).toBe('local');
        expect(a.get(t.taskId)?.manifestId).toBe(t.manifestId);
      }
      expect((s.db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(blobsBefore);
    });
  });

  it('a new hash from an environment value alone reuses the manifest by inputs key; a changed file computes it again', () => {
    const trace = gen.ws.path('trace-inputs-key.jsonl');
    // The last command's manifests computed: by its hook, and by its completer (read once done).
    const outcome = (): { manifestsComputed: number; tasks: number } => {
      withStore(db, () => undefined);
      const lines = fs
        .readFileSync(trace, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { code: string; runId: string; manifestsComputed: number; tasks: number });
      const hook = lines.filter((o) => o.code === 'RECORDED').pop()!;
      const completer = lines.find((o) => o.code === 'COMPLETED' && o.runId === hook.runId);
      return { tasks: hook.tasks, manifestsComputed: hook.manifestsComputed + (completer?.manifestsComputed ?? 0) };
    };
    const latest = () =>
      withStore(db, (s) => {
        const [previous, before] = s.listRuns({ limit: 2 });
        const old = new Map(s.runTasks(before.runId).map((t) => [t.taskId, t]));
        return s.runTasks(previous.runId).map((t) => ({ t, old: old.get(t.taskId)!, m: s.manifest(t.manifestId!)! }));
      });
    gen.ws.nxOk(ALL, { env: { GEN_MODE: 'inputs-key', FLEET_HISTORY_TRACE: trace } });
    const envOnly = latest();
    const rehashed = envOnly.filter(({ t, old }) => t.hash !== old.hash);
    expect(rehashed.length).toBeGreaterThan(0);
    expect(outcome().manifestsComputed).toBe(0);
    let checked = 0;
    for (const { t, old, m } of rehashed) {
      expect(t.manifestId, t.taskId).toBe(old.manifestId);
      const shown = JSON.parse(gen.ws.nxOk(['show', 'target', 'inputs', t.taskId, '--json'])) as { files: string[] };
      expect(m.files.map(([f]) => f)).toEqual([...shown.files].sort());
      checked++;
    }
    const file = gen.files.find((f) => f.startsWith('libs/p0/'))!;
    gen.ws.write(file, gen.ws.read(file) + '// inputs key\n');
    try {
      gen.ws.nxOk(ALL, { env: { GEN_MODE: 'inputs-key', FLEET_HISTORY_TRACE: trace } });
      expect(outcome().manifestsComputed).toBeGreaterThan(0);
      const p0 = latest().find(({ t }) => t.taskId === 'p0:build')!;
      expect(p0.t.manifestId).not.toBe(p0.old.manifestId);
      expect(new Map(p0.m.files).get(file)).not.toBe(
        new Map(envOnly.find(({ t }) => t.taskId === 'p0:build')!.m.files).get(file),
      );
    } finally {
      gen.ws.git(['checkout', '-q', '--', '.']);
    }
    console.log(`manifests reused by inputs key, equal to nx show target inputs: ${checked} tasks checked`);
  });

  it('a run with new hashes is durable when nx exits even if its completer is killed at once; a reader finishes it', () => {
    const builds = gen.tasks.filter((t) => t.endsWith(':build'));
    const dir = gen.ws.path('.nx/fleet/completing');
    // A new GEN_MODE value gives every build a new hash: the hook defers their manifests and
    // hashDetails. The completer is held (test seam) so that it can be killed before it works.
    noCompleter();
    gen.ws.nxOk(['run-many', '-t', 'build'], {
      env: { GEN_MODE: 'killed', FLEET_HISTORY_DEFER: '1', FLEET_HISTORY_COMPLETER_DELAY_MS: '60000' },
    });
    let pid = 0;
    for (let i = 0; i < 200 && !pid; i++) {
      pid = Number(fs.existsSync(path.join(dir, '.lock')) ? fs.readFileSync(path.join(dir, '.lock'), 'utf8') : 0);
      if (!pid) spawnSync('sleep', ['0.05']);
    }
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    // Read straight from SQLite (a RunStore would complete the run first): the run and every
    // task row are there, without the deferred parts, and the work file is kept.
    const sqlite = loadSqlite();
    if (!sqlite.ok) throw new Error(sqlite.message);
    const raw = new sqlite.Database(db, { readonly: true });
    const runId = (raw.prepare('SELECT run_id FROM runs ORDER BY id DESC LIMIT 1').get() as { run_id: string }).run_id;
    const rows = raw
      .prepare(
        `SELECT t.task_id, tr.manifest_id, tr.details_id FROM task_runs tr JOIN tasks t ON t.id = tr.task
        JOIN runs r ON r.id = tr.run WHERE r.run_id = ?`,
      )
      .all(runId) as Array<{ task_id: string; manifest_id: string | null; details_id: string | null }>;
    raw.close();
    expect(rows.map((r) => r.task_id).sort()).toEqual([...builds].sort());
    expect(rows.filter((r) => r.manifest_id || r.details_id)).toEqual([]);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.json'))).toEqual([`${runId}.json`]);
    // The next reader finds work without a completer, starts one and waits for it.
    const checked = withStore(db, (s) => {
      let n = 0;
      for (const t of s.runTasks(runId)) {
        expect(t.manifestId, t.taskId).toBeTruthy();
        const shown = JSON.parse(gen.ws.nxOk(['show', 'target', 'inputs', t.taskId, '--json'])) as { files: string[] };
        expect(s.manifest(t.manifestId!)!.files.map(([f]) => f)).toEqual([...shown.files].sort());
        expect(s.hashDetails(runId, t.taskId)?.nodes['env:GEN_MODE']).toBeTruthy();
        n++;
      }
      return n;
    });
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.json'))).toEqual([]);
    console.log(`killed completer: run durable, then completed by a reader: ${checked} tasks checked`);
    expect(checked).toBe(builds.length);
  });

  it("an input file changed after the command ended is never recorded as the run's: those tasks get no manifest", () => {
    // The last project's: nothing depends on it, so only its own tasks read it (the rest keep theirs).
    const file = `libs/${gen.projects[gen.projects.length - 1]}/src/f1.ts`;
    const trace = gen.ws.path('trace-stale.jsonl');
    gen.ws.write(file, gen.ws.read(file) + '// before the run\n');
    noCompleter();
    try {
      gen.ws.nxOk(['run-many', '-t', 'build'], {
        env: {
          GEN_MODE: 'stale',
          FLEET_HISTORY_DEFER: '1',
          FLEET_HISTORY_COMPLETER_DELAY_MS: '1500',
          FLEET_HISTORY_TRACE: trace,
        },
      });
      // Edited while the completer waits: its expansion would see this content, not the run's.
      gen.ws.write(file, gen.ws.read(file) + '// after the run\n');
      let stale = 0;
      const checked = withStore(db, (s) => {
        const [run] = s.listRuns({ limit: 1 });
        let n = 0;
        for (const t of s.runTasks(run.runId)) {
          const shown = JSON.parse(gen.ws.nxOk(['show', 'target', 'inputs', t.taskId, '--json'])) as {
            files: string[];
          };
          const reads = shown.files.includes(file);
          expect(t.manifestId === null, t.taskId).toBe(reads);
          if (reads) stale++;
          n++;
        }
        return n;
      });
      const completed = fs
        .readFileSync(trace, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { code: string; manifestsStale?: number })
        .filter((o) => o.code === 'COMPLETED');
      expect(completed.map((o) => o.manifestsStale)).toEqual([stale]);
      expect(stale).toBeGreaterThan(0);
      expect(stale).toBeLessThan(checked);
      console.log(`edited after the command: ${stale} of ${checked} tasks recorded without a manifest`);
    } finally {
      gen.ws.git(['checkout', '-q', '--', '.']);
    }
  });

  it('a completer lingers for the next command: its run is completed by the same process, no new one started', () => {
    const trace = gen.ws.path('trace-linger.jsonl');
    noCompleter();
    const env = { FLEET_HISTORY_TRACE: trace, FLEET_HISTORY_DEFER: '1', FLEET_HISTORY_COMPLETER_LINGER_MS: '15000' };
    gen.ws.nxOk(['run-many', '-t', 'build'], { env: { ...env, GEN_MODE: 'linger-1' } });
    gen.ws.nxOk(['run-many', '-t', 'build'], { env: { ...env, GEN_MODE: 'linger-2' } });
    const lines = (): Array<{ code: string; pid?: number; runId: string; phases?: Record<string, number> }> =>
      fs
        .readFileSync(trace, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    withStore(db, (s) => {
      for (const run of s.listRuns({ limit: 2 }))
        for (const t of s.runTasks(run.runId)) expect(t.manifestId, t.taskId).toBeTruthy();
    });
    const hooks = lines().filter((o) => o.code === 'RECORDED');
    const completed = lines().filter((o) => o.code === 'COMPLETED');
    expect(hooks.map((h) => Object.keys(h.phases!).includes('completerRunning'))).toEqual([false, true]);
    expect(completed.map((c) => c.runId)).toEqual(hooks.map((h) => h.runId));
    expect(new Set(completed.map((c) => c.pid)).size).toBe(1);
    process.kill(completed[0].pid!, 'SIGTERM');
    noCompleter();
  });

  it('FLEET_HISTORY_DEFER=0: the hook writes manifests itself, nothing is left to a completer', () => {
    const trace = gen.ws.path('trace-sync.jsonl');
    gen.ws.nxOk(['run-many', '-t', 'build'], {
      env: { GEN_MODE: 'sync', FLEET_HISTORY_DEFER: '0', FLEET_HISTORY_TRACE: trace },
    });
    expect(fs.readdirSync(gen.ws.path('.nx/fleet/completing')).filter((n) => n.endsWith('.json'))).toEqual([]);
    const [line] = fs
      .readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line).toMatchObject({ code: 'RECORDED' });
    expect(line.deferred).toBeUndefined();
    withStore(db, (s) => {
      const [run] = s.listRuns({ limit: 1 });
      for (const t of s.runTasks(run.runId)) expect(t.manifestId, t.taskId).toBeTruthy();
    });
  });

  it('two nx commands finishing at once both record', async () => {
    const before = runCount();
    const codes = await Promise.all([nxAsync(ALL), nxAsync(['run-many', '-t', 'lint'])]);
    expect(codes).toEqual([0, 0]);
    expect(runCount()).toBe(before + 2);
  });

  it('a missing SQLite module: the command succeeds and says once that history is off', () => {
    const before = runCount();
    const r = gen.ws.nx(['run-many', '-t', 'lint'], {
      env: { FLEET_HISTORY_SQLITE_MODULE: '/nonexistent/better-sqlite3' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`.match(/HISTORY_SQLITE_UNAVAILABLE/g)).toHaveLength(1);
    expect(runCount()).toBe(before);
    // Plugin loading and the graph still work without the driver.
    const g = gen.ws.nx(['show', 'projects', '--json'], { env: { FLEET_HISTORY_SQLITE_MODULE: '/nonexistent/x' } });
    expect(JSON.parse(g.stdout)).toHaveLength(gen.projects.length);
  });

  it('FLEET_HISTORY=0 records nothing, quietly; a value that is not a boolean is one diagnostic', () => {
    const before = runCount();
    const off = gen.ws.nx(['run-many', '-t', 'lint'], { env: { FLEET_HISTORY: 'off' } });
    expect(off.code).toBe(0);
    expect(off.stderr).not.toMatch(/history/i);
    const bad = gen.ws.nx(['run-many', '-t', 'lint'], { env: { FLEET_HISTORY: 'maybe' } });
    expect(bad.code).toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(
      /FLEET_HISTORY: expected true or false, got "maybe".*1\/true\/yes\/on.*\[HISTORY_BAD_OPTIONS\]/,
    );
    expect(runCount()).toBe(before);
  });

  it('a corrupt store never fails the command', () => {
    const bad = gen.ws.path('corrupt/history.db');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, 'this is not a database'.repeat(500));
    const r = gen.ws.nx(['run-many', '-t', 'lint'], { env: { FLEET_HISTORY_DB: bad } });
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`.match(/HISTORY_STORE_CORRUPT/g)).toHaveLength(1);
  });

  it('a locked store never fails the command; the run is kept aside and written by the next one', () => {
    const locked = gen.ws.path('locked/history.db');
    const waiting = (dir: string): string[] => {
      const at = path.join(path.dirname(locked), dir);
      return fs.existsSync(at) ? fs.readdirSync(at).filter((f) => f.endsWith('.json')) : [];
    };
    fs.mkdirSync(path.dirname(locked), { recursive: true });
    expect(gen.ws.nx(['run-many', '-t', 'lint'], { env: { FLEET_HISTORY_DB: locked } }).code).toBe(0);
    expect(runCount(locked)).toBe(1); // and its completer is done
    // Another process holds the write lock for 20 s (longer than the hook waits).
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D=require('better-sqlite3');const db=new D(${JSON.stringify(locked)});db.exec('BEGIN EXCLUSIVE');console.log('locked');setTimeout(()=>{},20000)`,
      ],
      { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      spawnSync('sleep', ['1']);
      const r = gen.ws.nx(['run-many', '-t', 'lint'], { env: { FLEET_HISTORY_DB: locked } });
      expect(r.code, r.stderr).toBe(0);
      // Kept aside: in pending/ (hashes known), or as its completer's work file (new hashes, the
      // first run's completer being held up by the same lock).
      expect([...waiting('pending'), ...waiting('completing')]).toHaveLength(1);
    } finally {
      holder.kill();
    }
    spawnSync('sleep', ['0.5']);
    expect(gen.ws.nx(['run-many', '-t', 'lint'], { env: { FLEET_HISTORY_DB: locked } }).code).toBe(0);
    expect(runCount(locked)).toBe(3);
    expect([...waiting('pending'), ...waiting('completing')]).toEqual([]);
  });
});
