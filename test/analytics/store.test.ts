import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  distributedRunRecord,
  flakyTasks,
  loadSqlite,
  openRunStore,
  resolveHistorySettings,
  RECORD_FORMAT,
  type RunRecord,
} from '../../analytics';
import { canonicalJson } from '../../analytics/content-blob';
import { SCHEMA_VERSION } from '../../analytics/store-schema';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sqlite() {
  const s = loadSqlite();
  if (!s.ok) throw new Error(s.message);
  return s.Database;
}

function run(runId: string, hash: string, files: Array<[string, string]>): RunRecord {
  return {
    format: RECORD_FORMAT,
    runId,
    namespace: 'local',
    command: 'nx run a:build',
    argv: ['run', 'a:build'],
    branch: 'main',
    commit: 'c0ffee',
    machine: 'm',
    startTime: 1000,
    endTime: 2000,
    tasks: [
      {
        taskId: 'a:build',
        project: 'a',
        target: 'build',
        configuration: null,
        hash,
        status: 'success',
        cache: 'miss',
        startTime: 1100,
        endTime: 1900,
        exitCode: 0,
        outputBytes: 3,
        hashDetails: { command: '1', nodes: { 'a:files': '2' } },
        manifest: { files, environment: [], runtime: [], external: [], depOutputs: [] },
      },
    ],
  };
}

describe('run store', () => {
  it('a missing driver is data, not an exception', () => {
    const r = loadSqlite('/nonexistent/better-sqlite3');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('HISTORY_SQLITE_UNAVAILABLE');
  });

  it('WAL, versioned schema, self-ignoring folder; manifests stored once per content', () => {
    const file = path.join(dir, 'a', 'history.db');
    const opened = openRunStore({ Database: sqlite(), file });
    if (!opened.ok) throw new Error(opened.message);
    const s = opened.store;
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(fs.readFileSync(path.join(dir, 'a', '.gitignore'), 'utf8')).toBe('*\n');
    const files: Array<[string, string]> = [
      ['a/x.ts', '11'],
      ['a/y.ts', '12'],
    ];
    expect(s.record(run('r1', 'h1', files)).inserted).toBe(true);
    expect(s.record(run('r1', 'h1', files)).inserted).toBe(false);
    s.record(run('r2', 'h2', files));
    s.record(run('r3', 'h3', [['a/x.ts', '99']]));
    const ids = ['r1', 'r2', 'r3'].map((id) => s.runTasks(id)[0].manifestId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(s.manifest(ids[0]!)?.files).toEqual(files);
    expect(s.manifestsByHash(['h1', 'nope'])).toEqual(new Map([['h1', ids[0]]]));
    expect(s.listRuns().map((r) => r.runId)).toEqual(['r3', 'r2', 'r1']);
    s.close();
  });

  it('deferred tasks are written without manifest and hashDetails; completeTasks adds them once, keeps what is there', () => {
    const file = path.join(dir, 'deferred', 'history.db');
    const opened = openRunStore({ Database: sqlite(), file });
    if (!opened.ok) throw new Error(opened.message);
    const s = opened.store;
    const r = run('d1', 'hd1', [['a/x.ts', '1']]);
    s.record(r, new Map(), new Set(['a:build']));
    expect(s.runTasks('d1')[0]).toMatchObject({ taskId: 'a:build', hash: 'hd1', manifestId: null });
    expect(s.hashDetails('d1', 'a:build')).toBeNull();
    const t = r.tasks[0];
    const complete = (manifest: typeof t.manifest, runId = 'd1') =>
      s.completeTasks(runId, [{ ...t, inputsKey: 'k1', manifestId: null, manifest }]);
    expect(complete(t.manifest)).toBe(1);
    const id = s.runTasks('d1')[0].manifestId;
    expect(s.manifest(id!)).toEqual(t.manifest);
    expect(s.hashDetails('d1', 'a:build')).toEqual(t.hashDetails);
    expect(s.manifestsByInputsKey(['k1']).get('k1')).toBe(id);
    // Twice (a resumed completer): the stored values stay.
    complete({ ...t.manifest!, files: [['a/x.ts', '2']] });
    expect(s.runTasks('d1')[0].manifestId).toBe(id);
    expect(complete(t.manifest, 'no-such-run')).toBe(0);
    s.close();
  });

  it('a store of schema 1 is migrated to the current one, also when only read (fleet runs on an old store)', () => {
    const file = path.join(dir, 'v1.db');
    const Database = sqlite();
    const w = openRunStore({ Database, file });
    if (!w.ok) throw new Error(w.message);
    w.store.record(run('old', 'h9', [['a/x.ts', '1']]));
    // Back to schema 1's layout: what an nx-fleet before distributed recording wrote.
    w.store.db.exec(`ALTER TABLE runs DROP COLUMN kind; ALTER TABLE task_runs DROP COLUMN queued_ms;
      ALTER TABLE task_runs DROP COLUMN flaky; DROP INDEX task_runs_inputs;
      ALTER TABLE task_runs DROP COLUMN inputs_key; ALTER TABLE runs DROP COLUMN deps_id; UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
    w.store.close();
    const r = openRunStore({ Database, file, readonly: true });
    if (!r.ok) throw new Error(r.message);
    expect(r.store.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(SCHEMA_VERSION),
    });
    expect(r.store.run('old')?.kind).toBe('nx');
    expect(r.store.runTasks('old')[0]).toMatchObject({ taskId: 'a:build', queuedTime: null, flaky: false });
    r.store.close();
  });

  it('a distributed run is one task run per attempt, with agent, queue time, cache source and flaky', () => {
    const file = path.join(dir, 'dist.db');
    const opened = openRunStore({ Database: sqlite(), file });
    if (!opened.ok) throw new Error(opened.message);
    const record = distributedRunRecord(
      {
        runId: 'r-d1',
        commit: 'abc',
        tasks: [
          {
            taskId: 'a:test:ci',
            status: 'success',
            agent: 'a2',
            queuedAt: 100,
            hash: 'h1',
            flaky: true,
            history: [
              {
                attempt: 1,
                agent: 'a1',
                status: 'failure',
                exitCode: 1,
                startedAt: 110,
                endedAt: 150,
                hash: 'h1',
                code: 'FLEET_TASK_EXIT',
                queuedAt: 100,
                nxStatus: 'failure',
              },
              {
                attempt: 2,
                agent: 'a2',
                status: 'success',
                exitCode: 0,
                startedAt: 170,
                endedAt: 200,
                hash: 'h1',
                queuedAt: 160,
                nxStatus: 'success',
              },
            ],
          },
          {
            taskId: 'b:build',
            status: 'success',
            agent: 'a1',
            queuedAt: 100,
            hash: 'h2',
            history: [
              {
                attempt: 1,
                agent: 'a1',
                status: 'failure',
                exitCode: null,
                startedAt: 101,
                endedAt: 130,
                hash: 'h2',
                code: 'FLEET_TASK_TIMEOUT',
                queuedAt: 100,
              },
              {
                attempt: 2,
                agent: 'a1',
                status: 'success',
                exitCode: 0,
                startedAt: 140,
                endedAt: 141,
                hash: 'h2',
                queuedAt: 135,
                nxStatus: 'remote-cache',
              },
            ],
          },
          { taskId: 'c:build', status: 'cancelled', hash: undefined, history: [] },
        ],
      },
      {
        workspaceRoot: dir,
        nxArgs: ['run-many', '-t', 'test'],
        startTime: 90,
        endTime: 210,
        env: { FLEET_AGENT_NAME: 'coord' },
        infrastructure: (code) => code === 'FLEET_TASK_TIMEOUT',
      },
    );
    opened.store.record(record);
    const s = opened.store;
    expect(s.run('r-d1')).toMatchObject({
      kind: 'fleet-run',
      command: 'fleet run run-many -t test',
      machine: 'coord',
      tasks: 5,
    });
    const rows = s
      .runTasks('r-d1')
      .map((t) => [
        t.taskId,
        t.configuration,
        t.attempt,
        t.agent,
        t.status,
        t.cache,
        t.queuedTime,
        t.startTime,
        t.flaky,
      ]);
    expect(rows).toEqual([
      ['c:build', null, 1, null, 'skipped', 'skipped', null, null, false],
      ['b:build', null, 1, 'a1', 'stopped', 'miss', 100, 101, false],
      ['a:test:ci', 'ci', 1, 'a1', 'failure', 'miss', 100, 110, false],
      ['b:build', null, 2, 'a1', 'success', 'remote', 135, 140, false],
      ['a:test:ci', 'ci', 2, 'a2', 'success', 'miss', 160, 170, true],
    ]);
    // The store's own flaky rule sees the same: the agent's timeout is not the task's failure.
    expect(flakyTasks(s, { days: 1, now: 1000 }).map((t) => [t.taskId, t.rate])).toEqual([['a:test:ci', 1]]);
    s.close();
  });

  it('canonicalJson writes what JSON.stringify with sorted keys writes (content addresses stay the same), generated cases', () => {
    const reference = (value: unknown): string =>
      JSON.stringify(value, (_k, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(
              Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
            )
          : v,
      );
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keys = ['a', 'B', 'é', 'z', 'a b', '"q"', '10', '9', 'ä\u0000', '\ud83d\ude00', ''];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.3) return [null, 1.5, -0, NaN, 'x\n"', true, undefined, 1e21, 'ü'][Math.floor(rand() * 9)];
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1));
      return Object.fromEntries(keys.filter(() => rand() < 0.4).map((k) => [k, gen(depth + 1)]));
    };
    let cases = 0;
    for (; cases < 2000; cases++) {
      const v = { root: gen(0), at: new Date(1796232744210), nested: [gen(1)] };
      expect(canonicalJson(v)).toBe(reference(v));
    }
    console.log(`canonicalJson == sorted JSON.stringify: ${cases} generated cases checked`);
  });

  it('hashDetails that differ only in an env value share their stored base; each reads back whole', () => {
    const file = path.join(dir, 'details.db');
    const opened = openRunStore({ Database: sqlite(), file });
    if (!opened.ok) throw new Error(opened.message);
    const s = opened.store;
    const blobs = (): number => (s.db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n;
    const details = (salt: string) => ({
      command: '77',
      nodes: { 'a:ProjectConfiguration': '1', 'a:libs/a/**/*': '2', 'env:SALT': salt, 'runtime:node -v': '3' },
      implicitDeps: {},
      runtime: {},
    });
    const withDetails = (runId: string, hash: string, salt: string): RunRecord => {
      const r = run(runId, hash, [['a/x.ts', '1']]);
      r.tasks[0].hashDetails = details(salt);
      return r;
    };
    s.record(withDetails('d1', 'h1', 's1'));
    const after1 = blobs();
    s.record(withDetails('d2', 'h2', 's2'));
    // One new blob (the per-hash values; the base and the manifest are shared).
    expect(blobs()).toBe(after1 + 1);
    expect(s.hashDetails('d1', 'a:build')).toEqual(details('s1'));
    expect(s.hashDetails('d2', 'a:build')).toEqual(details('s2'));
    // A posted record whose hashDetails are not Nx's shape is kept whole.
    const odd = run('d3', 'h3', [['a/x.ts', '1']]);
    odd.tasks[0].hashDetails = { command: '1' } as never;
    s.record(odd);
    expect(s.hashDetails('d3', 'a:build')).toEqual({ command: '1' });
    s.close();
  });

  it('a store with a newer schema is refused with HISTORY_SCHEMA_NEWER', () => {
    const file = path.join(dir, 'b.db');
    const Database = sqlite();
    const raw = new Database(file);
    raw.exec(
      `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION + 1}')`,
    );
    raw.close();
    const opened = openRunStore({ Database, file });
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.code).toBe('HISTORY_SCHEMA_NEWER');
  });

  it('a file that is not a database is HISTORY_STORE_CORRUPT', () => {
    const file = path.join(dir, 'c.db');
    fs.writeFileSync(file, 'x'.repeat(4096));
    const opened = openRunStore({ Database: sqlite(), file });
    expect(!opened.ok && opened.code).toBe('HISTORY_STORE_CORRUPT');
  });
});

describe('history settings (on the settings layer, every problem at once)', () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-history-settings-'));
  const withNxJson = (options: unknown): string => {
    const root = fs.mkdtempSync(path.join(ws, 'ws-'));
    fs.writeFileSync(path.join(root, 'nx.json'), JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options }] }));
    return root;
  };

  it('strict booleans for FLEET_HISTORY', () => {
    const cases: Array<[string, boolean | null]> = [
      ['1', true],
      ['TRUE', true],
      ['yes', true],
      ['on', true],
      ['0', false],
      ['false', false],
      ['No', false],
      ['off', false],
      ['2', null],
      ['enabled', null],
    ];
    for (const [text, want] of cases) {
      const r = resolveHistorySettings({ FLEET_HISTORY: text }, ws);
      expect(r.ok ? r.settings.enabled : null, text).toBe(want);
    }
    console.log(`strict boolean: ${cases.length} cases`);
  });

  it('defaults, and all problems reported together with their sources', () => {
    const ok = resolveHistorySettings({}, ws);
    expect(ok).toEqual({
      ok: true,
      settings: { enabled: true, defer: true, dbPath: path.join(ws, '.nx/fleet/history.db'), remote: null },
    });
    const bad = resolveHistorySettings({ FLEET_HISTORY: 'perhaps', FLEET_HISTORY_URL: 'ftp://x' }, ws);
    expect(bad.ok).toBe(false);
    const problems = bad.ok ? [] : bad.problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/FLEET_HISTORY.*"perhaps"/);
    expect(problems[1]).toMatch(/FLEET_HISTORY_URL.*ftp:/);
    const lone = resolveHistorySettings({ FLEET_HISTORY_TOKEN: 't' }, ws);
    expect(!lone.ok && lone.problems.join()).toMatch(/FLEET_HISTORY_TOKEN.*set without FLEET_HISTORY_URL/);
  });

  it('defer is off by default on CI (the job may end right after the command), on elsewhere; set, it wins', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-hist-ci-'));
    const defer = (env: NodeJS.ProcessEnv) => {
      const r = resolveHistorySettings(env, ws);
      return r.ok ? r.settings.defer : r.problems;
    };
    const cases: [NodeJS.ProcessEnv, boolean][] = [
      [{}, true],
      [{ CI: '' }, true],
      [{ CI: 'false' }, true],
      [{ CI: '0' }, true],
      [{ CI: 'true' }, false],
      [{ CI: '1' }, false],
      [{ CI: 'woodpecker' }, false],
      [{ CI: 'true', FLEET_HISTORY_DEFER: '1' }, true],
      [{ FLEET_HISTORY_DEFER: '0' }, false],
    ];
    for (const [env, want] of cases) expect([env, defer(env)]).toEqual([env, want]);
  });

  it('precedence: --db flag > FLEET_HISTORY_DB > nx.json history section > default; the token from a file', () => {
    const root = withNxJson({
      history: { enabled: false, defer: false, db: 'from-nx.db', url: 'http://central:8420/' },
    });
    const fromNx = resolveHistorySettings({}, root);
    expect(fromNx).toEqual({
      ok: true,
      settings: {
        enabled: false,
        defer: false,
        dbPath: path.join(root, 'from-nx.db'),
        remote: { url: 'http://central:8420', token: null },
      },
    });
    const fromEnv = resolveHistorySettings(
      { FLEET_HISTORY: 'on', FLEET_HISTORY_DEFER: '1', FLEET_HISTORY_DB: 'env.db' },
      root,
    );
    expect(fromEnv.ok && [fromEnv.settings.enabled, fromEnv.settings.defer, fromEnv.settings.dbPath]).toEqual([
      true,
      true,
      path.join(root, 'env.db'),
    ]);
    const fromFlag = resolveHistorySettings({ FLEET_HISTORY_DB: 'env.db' }, root, { db: 'flag.db' });
    expect(fromFlag.ok && fromFlag.settings.dbPath).toBe(path.join(root, 'flag.db'));
    const tokenFile = path.join(root, 'token');
    fs.writeFileSync(tokenFile, 'flc_secret\n');
    const withToken = resolveHistorySettings({ FLEET_HISTORY_TOKEN_FILE: tokenFile }, root);
    expect(withToken.ok && withToken.settings.remote).toEqual({ url: 'http://central:8420', token: 'flc_secret' });
    const badNx = resolveHistorySettings({}, withNxJson({ history: { enabled: 'sometimes' } }));
    expect(!badNx.ok && badNx.problems.join()).toMatch(/plugins\[0\]\.options\.history\.enabled/);
  });
});
