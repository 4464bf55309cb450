import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';

/** Three TS libraries: b imports a, c stands alone. Each gets nx-fleet's inferred `typecheck`. */
function lib(name: string, dep?: string): Record<string, string> {
  return {
    [`libs/${name}/package.json`]: JSON.stringify({ name: `@w/${name}`, version: '0.0.0', main: 'src/index.ts' }),
    [`libs/${name}/tsconfig.json`]: JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
    [`libs/${name}/src/index.ts`]: dep
      ? `import { v as d } from '@w/${dep}';\nexport const v = d + 1;\n`
      : 'export const v = 1;\n',
  };
}

const FILES = {
  'package.json': JSON.stringify({ name: 'w', private: true, workspaces: ['libs/*'] }),
  'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true, skipLibCheck: true },
  }),
  ...lib('a'),
  ...lib('b', 'a'),
  ...lib('c'),
};

const BIG = 2000;

/** A running `fleet watch`: its output so far, and a way to wait for a line. */
class Watch {
  out = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(ws: TestWorkspace, args: string[]) {
    this.child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli', 'main.js'), 'watch', ...args], {
      cwd: ws.root,
      env: ws.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.out += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.out += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Waits until the output after `from` matches; returns that part of the output. */
  async waitFor(re: RegExp, from: number, timeoutMs = 120_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    // A global pattern's lastIndex would carry over from call to call.
    const once = new RegExp(re.source, re.flags.replace('g', ''));
    while (Date.now() < end) {
      const part = this.out.slice(from);
      if (once.test(part)) return part;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${re} in:\n${this.out.slice(from)}`);
  }
}

/** The tasks Nx itself reports it ran (`✔  nx run p:t` / `> nx run p:t`), sorted, each once. */
function tasksNxRan(output: string): string[] {
  return [...new Set([...output.matchAll(/nx run (\S+:\S+)/g)].map((m) => m[1]))].sort();
}

const BATCH_LINE = /fleet watch: batch \d+: .*\n/g;

/** Every process below `pid` (by parent pid, from /proc), with its process group. */
function descendants(pid: number): { pid: number; pgid: number }[] {
  const parentOf = new Map(allProcesses().map((p) => [p.pid, p]));
  const out: { pid: number; pgid: number }[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length; i++)
    for (const [p, { ppid, pgid }] of parentOf) if (ppid === queue[i]) (out.push({ pid: p, pgid }), queue.push(p));
  return out;
}

function allProcesses(): { pid: number; ppid: number; pgid: number }[] {
  const out: { pid: number; ppid: number; pgid: number }[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(e), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Alive = exists and is not a zombie waiting for a parent that no longer exists to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until no output has come for 3 s (the batch in progress and any queued one are done). */
async function idle(w: Watch): Promise<void> {
  let seen = -1;
  while (seen !== w.out.length) {
    seen = w.out.length;
    await new Promise((r) => setTimeout(r, 3000));
  }
}

describe('fleet watch with real Nx', () => {
  let ws: TestWorkspace;
  let w: Watch;
  beforeAll(async () => {
    ws = createWorkspace({ files: FILES });
    // The branch a later test switches to: BIG new files in c.
    ws.git(['checkout', '-q', '-b', 'big']);
    for (let i = 0; i < BIG; i++) ws.write(`libs/c/src/gen/f${i}.ts`, `export const f${i} = ${i};\n`);
    ws.commit('big');
    ws.git(['checkout', '-q', 'main']);
    w = new Watch(ws, ['-t', 'typecheck']);
    await w.waitFor(/fleet watch: watching /, 0, 60_000);
  }, 90_000);
  afterAll(async () => {
    if (w.child.exitCode === null) w.child.kill('SIGKILL');
    ws.dispose();
  });

  it('an edit of a runs exactly a and its dependent b; an edit of c exactly c (from Nx output)', async () => {
    let from = w.out.length;
    ws.write('libs/a/src/index.ts', 'export const v = 2;\n');
    let part = await w.waitFor(BATCH_LINE, from);
    expect(tasksNxRan(part)).toEqual(['@w/a:typecheck', '@w/b:typecheck']);
    expect(part).toMatch(/batch 1: 1 changed file -> 2 tasks \(@w\/a:typecheck @w\/b:typecheck\) -> ok/);

    from = w.out.length;
    ws.write('libs/c/src/index.ts', 'export const v = 3;\n');
    part = await w.waitFor(BATCH_LINE, from);
    expect(tasksNxRan(part)).toEqual(['@w/c:typecheck']);
    expect(part).toMatch(/batch 2: 1 changed file -> 1 task \(@w\/c:typecheck\) -> ok/);
  }, 240_000);

  it('files created and deleted mid-change do not break the watch; outputs and .nx/ are not watched', async () => {
    const from = w.out.length;
    // Created and deleted at once: the watcher may report the adds, the unlinks, both or nothing
    // (on a loaded machine it stats a new file after it is gone), so no batch is awaited here.
    for (let i = 0; i < 50; i++) ws.write(`libs/b/src/tmp${i}.ts`, `export const t = ${i};\n`);
    for (let i = 0; i < 50; i++) ws.remove(`libs/b/src/tmp${i}.ts`);
    // Outputs and tool state: never a batch.
    ws.write('libs/a/dist/index.js', 'x');
    ws.write('.nx/cache/x', 'x');
    // Created, seen (a batch runs b), then deleted: a batch of files gone before the graph is built.
    for (let i = 0; i < 50; i++) ws.write(`libs/b/src/seen${i}.ts`, `export const s = ${i};\n`);
    await w.waitFor(/fleet watch: batch \d+: \d+ changed files? -> 1 task \(@w\/b:typecheck\)/, from);
    await idle(w);
    const gone = w.out.length;
    for (let i = 0; i < 50; i++) ws.remove(`libs/b/src/seen${i}.ts`);
    await w.waitFor(BATCH_LINE, gone);
    await idle(w);
    // Whatever a batch of vanished files gave, the watcher still works: the next edit runs b.
    const next = w.out.length;
    ws.write('libs/b/src/index.ts', "import { v as d } from '@w/a';\nexport const v = d + 2;\n");
    const part = await w.waitFor(/fleet watch: batch \d+: 1 changed file.*\n/, next);
    expect(tasksNxRan(part)).toEqual(['@w/b:typecheck']);
    expect(w.out.slice(from)).not.toMatch(/dist\/index\.js|\.nx\/cache/);
    expect(w.child.exitCode).toBeNull();
  }, 240_000);

  it(`a branch switch touching ${BIG} files is one batch`, async () => {
    await idle(w);
    const from = w.out.length;
    ws.git(['checkout', '-q', 'big']);
    const part = await w.waitFor(BATCH_LINE, from);
    // No second batch comes after the first.
    await new Promise((r) => setTimeout(r, 2000));
    const lines = w.out.slice(from).match(BATCH_LINE) ?? [];
    expect(lines, w.out.slice(from)).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`: ${BIG} changed files -> 1 task \\(@w/c:typecheck\\) -> ok`));
    expect(tasksNxRan(part)).toEqual(['@w/c:typecheck']);
    console.log(`branch switch: 1 batch of ${BIG} files: ${(lines[0] ?? '').trim()}`);
  }, 240_000);

  it('SIGINT during a run stops nx and every process it started, and fleet exits 0', async () => {
    const from = w.out.length;
    ws.write('libs/a/src/index.ts', 'export const v = 5;\n');
    await w.waitFor(/Running target typecheck/, from);
    await new Promise((r) => setTimeout(r, 300));
    const below = descendants(w.child.pid!);
    expect(below.length, 'nx is running below fleet watch').toBeGreaterThan(0);
    w.child.kill('SIGINT');
    const code = await w.exited;
    expect(code).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    const left = below.filter((p) => alive(p.pid));
    expect(left, `processes left: ${JSON.stringify(left)}`).toEqual([]);
    // The groups fleet started (nx runs detached, in a group of its own): none may be left.
    const groups = new Set(below.filter((p) => below.some((q) => q.pid === p.pgid)).map((p) => p.pgid));
    expect(groups.size, 'nx runs in a process group of its own').toBeGreaterThan(0);
    // Any process of those groups, also one started after the snapshot (zombies not reaped yet do not count).
    const inGroups = allProcesses().filter((p) => groups.has(p.pgid) && alive(p.pid));
    expect(inGroups, `processes left in nx's group: ${JSON.stringify(inGroups)}`).toEqual([]);
    expect(w.out.slice(from)).toMatch(/fleet watch: stopped\n/);
    console.log(`SIGINT: ${below.length} processes below fleet watch, ${left.length} left`);
  }, 240_000);

  it('a full inotify table (a user namespace with 20 watches) gives FLEET_WATCH_LIMIT and how to raise it', () => {
    const probe = spawnSync('unshare', ['-Ur', 'true']);
    if (probe.status !== 0) {
      console.log('unshare -Ur not permitted here: inotify limit case not run');
      return;
    }
    const bin = path.join(repoRoot(), 'dist', 'cli', 'main.js');
    const r = spawnSync(
      'unshare',
      [
        '-Ur',
        'sh',
        '-c',
        `echo 20 > /proc/sys/user/max_inotify_watches && exec "${process.execPath}" "${bin}" watch -t typecheck`,
      ],
      { cwd: ws.root, env: ws.env(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/limit on inotify watches is reached/);
    expect(r.stderr).toMatch(/fs\.inotify\.max_user_watches=\d+/);
    expect(r.stderr).toMatch(/\[FLEET_WATCH_LIMIT\]/);
  }, 90_000);
});
