import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NxTaskOutcome, NxTaskOptions } from '../../runner/nx-task';
import type { WarmLaunch, WarmNx as WarmNxType } from '../../runner/nx-warm';
import { createWorkspace, repoRoot, TestWorkspace } from '../rig';

// The built modules: a resident process runs dist/runner/nx-warm-child.js beside them.
const { WarmNx } = require(path.join(repoRoot(), 'dist/runner/nx-warm')) as { WarmNx: typeof WarmNxType };
const { runNxTask } = require(path.join(repoRoot(), 'dist/runner/nx-task')) as {
  runNxTask: (o: NxTaskOptions) => Promise<NxTaskOutcome>;
};

const target = (command: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  executor: 'nx:run-commands',
  options: { command },
  ...extra,
});

/** Resident nx processes (runner/nx-warm.ts) with the real nx on a real workspace. */
describe('resident nx processes', () => {
  let ws: TestWorkspace;
  let jobs: string;
  let pool: WarmNxType;
  const launches: Array<WarmLaunch | undefined> = [];

  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': JSON.stringify({ name: 'warm-fixture', private: true }),
        'nx.json': JSON.stringify({}),
        '.gitignore': 'node_modules\n.nx\nout\n',
        'libs/a/project.json': JSON.stringify({
          name: 'a',
          root: 'libs/a',
          targets: {
            // Cached on its source: a resident process must see an edit made after it started.
            show: target(
              "node -e \"console.log('VALUE=' + require('fs').readFileSync('libs/a/src/v.txt', 'utf8').trim())\"",
              { cache: true, inputs: ['{projectRoot}/src/**/*'], outputs: [] },
            ),
            env: target('node -e "console.log(\'ENV=\' + process.env.WARM_TEST_VALUE)"'),
            fail: target('node -e "console.error(\'failing on purpose\'); process.exit(3)"'),
            noeol: target('node -e "process.stdout.write(\'no newline at the end\')"'),
          },
        }),
        'libs/a/src/v.txt': 'one\n',
      },
    });
    jobs = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-warm-jobs-'));
    pool = new WarmNx(ws.root, jobs, () => ws.env(), 1);
    pool.fill();
  });

  afterAll(() => {
    pool?.close();
    ws?.dispose();
    fs.rmSync(jobs, { recursive: true, force: true });
  });

  /** Runs a task, waiting (bounded) for a resident process to be ready first. */
  async function run(
    taskId: string,
    env: Record<string, string> = {},
  ): Promise<{ outcome: NxTaskOutcome; lines: string[]; launch: WarmLaunch | undefined }> {
    const lines: string[] = [];
    let launch: WarmLaunch | undefined;
    for (let waited = 0; waited < 20_000; waited += 50) {
      launch = pool.launch(['run', taskId], ws.env(env));
      if (launch) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(launch, 'a resident process became ready').toBeDefined();
    const given = launch;
    const outcome = await runNxTask({
      workdir: ws.root,
      taskId,
      env: ws.env(env),
      onLine: (_s, l) => lines.push(l),
      launch: () => given,
      timeoutMs: 60_000,
    });
    launches.push(launch);
    return { outcome, lines, launch };
  }

  it('runs task after task in one process, with no end marker in the lines', async () => {
    const first = await run('a:show');
    expect(first.outcome).toEqual({ exitCode: 0, signal: null });
    expect(first.lines).toContain('VALUE=one');
    expect(first.launch!.reused).toBe(0);

    const second = await run('a:env');
    const third = await run('a:noeol');
    expect(second.outcome).toEqual({ exitCode: 0, signal: null });
    expect(third.outcome).toEqual({ exitCode: 0, signal: null });
    // Same process, not a new one: its pid and its task count.
    expect(third.launch!.child.pid).toBe(first.launch!.child.pid);
    expect(third.launch!.reused).toBe(2);
    // The marker never reaches the task's lines, even after output without a final newline.
    expect(third.lines.join('\n')).toContain('no newline at the end');
    for (const l of [...first.lines, ...second.lines, ...third.lines]) expect(l).not.toContain('\u001e');
  });

  it("a process is given only tasks with the environment of its first (Nx keeps each task's environment for the length of a command)", async () => {
    const pid = launches.at(-1)!.child.pid;
    // Another environment (as a GPU task's device list): this process is not offered; being the
    // only idle one, it leaves to make room for a fresh process...
    const old = launches.at(-1)!.child;
    expect(pool.launch(['run', 'a:env'], ws.env({ WARM_TEST_VALUE: 'other' }))).toBeUndefined();
    await new Promise((r) => (old.exitCode !== null || old.signalCode !== null ? r(null) : old.once('exit', r)));
    // ...so the agent starts a fresh nx, which sees its own value.
    const lines: string[] = [];
    const cold = await runNxTask({
      workdir: ws.root,
      taskId: 'a:env',
      env: ws.env({ WARM_TEST_VALUE: 'other' }),
      onLine: (_s, l) => lines.push(l),
      launch: () => undefined,
    });
    expect(cold).toEqual({ exitCode: 0, signal: null });
    expect(lines).toContain('ENV=other');
    // The next task runs in the fresh process.
    const again = await run('a:env');
    expect(again.launch!.child.pid).not.toBe(pid);
    expect(again.launch!.reused).toBe(0);
    expect(again.lines).toContain('ENV=undefined');
  });

  it("after the checkout's files changed, a process runs nothing: the task runs in a fresh nx and sees the change", async () => {
    const pid = launches.at(-1)!.child.pid;
    ws.write('libs/a/src/v.txt', 'two\n');
    const changed = await run('a:show');
    expect(changed.launch!.child.pid).toBe(pid);
    expect(changed.outcome).toEqual({ exitCode: 0, signal: null });
    expect(changed.lines).toContain('VALUE=two');
    expect(changed.lines.join('\n')).not.toMatch(/local cache|existing outputs match the cache/);
    for (const l of changed.lines) expect(l).not.toContain('\u001e');
    // The stale process left; its replacement starts from the files as they are now.
    await new Promise((r) =>
      changed.launch!.child.exitCode !== null || changed.launch!.child.signalCode !== null
        ? r(null)
        : changed.launch!.child.once('exit', r),
    );
    const next = await run('a:show');
    expect(next.launch!.child.pid).not.toBe(pid);
    expect(next.lines.join('\n')).toMatch(/VALUE=two/);
    expect(next.lines.join('\n')).toMatch(/local cache|existing outputs match the cache/);
  });

  it("a process reuses its first task's project graph only while the files are unchanged: a project added between tasks is seen", async () => {
    // Two tasks in one process: the second reuses the graph (same files), and runs correctly.
    const first = await run('a:env');
    const second = await run('a:noeol');
    expect(second.launch!.child.pid).toBe(first.launch!.child.pid);
    expect(second.outcome).toEqual({ exitCode: 0, signal: null });
    // A new project (a project.json git sees): a graph of the old files would not know it.
    ws.write(
      'libs/b/project.json',
      JSON.stringify({ name: 'b', root: 'libs/b', targets: { hello: target('node -e "console.log(\'B=hello\')"') } }),
    );
    const b = await run('b:hello');
    expect(b.outcome, b.lines.join('\n')).toEqual({ exitCode: 0, signal: null });
    expect(b.lines).toContain('B=hello');
    fs.rmSync(path.join(ws.root, 'libs/b'), { recursive: true, force: true });
    // The stale process left; the next task runs in its replacement, on the files as they are now.
    await new Promise((r) =>
      b.launch!.child.exitCode !== null || b.launch!.child.signalCode !== null
        ? r(null)
        : b.launch!.child.once('exit', r),
    );
    expect((await run('a:env')).outcome).toEqual({ exitCode: 0, signal: null });
  });

  it('a failed task ends its process with the task status; the next task gets a new one', async () => {
    const before = launches.at(-1)!.child.pid;
    const failed = await run('a:fail');
    expect(failed.outcome).toMatchObject({ exitCode: 1 });
    expect(failed.lines.join('\n')).toContain('failing on purpose');
    expect(failed.launch!.child.pid).toBe(before);
    const next = await run('a:env', { WARM_TEST_VALUE: 'after' });
    expect(next.outcome).toEqual({ exitCode: 0, signal: null });
    expect(next.lines).toContain('ENV=after');
    expect(next.launch!.child.pid).not.toBe(before);
    expect(next.launch!.reused).toBe(0);
  });

  it('a timeout stops a resident process like any nx: the outcome says so and the process is gone', async () => {
    ws.write(
      'libs/b/project.json',
      JSON.stringify({ name: 'b', root: 'libs/b', targets: { hang: target('node -e "setTimeout(() => {}, 60000)"') } }),
    );
    let launch: WarmLaunch | undefined;
    for (let waited = 0; waited < 20_000 && !launch; waited += 50) {
      launch = pool.launch(['run', 'b:hang'], ws.env());
      if (!launch) await new Promise((r) => setTimeout(r, 50));
    }
    const given = launch;
    const outcome = await runNxTask({
      workdir: ws.root,
      taskId: 'b:hang',
      env: ws.env(),
      onLine: () => undefined,
      launch: () => given,
      timeoutMs: 4_000,
      killGraceMs: 1_000,
    });
    expect(outcome).toMatchObject({ stopped: 'timeout' });
    expect(given!.child.exitCode !== null || given!.child.signalCode !== null).toBe(true);
  });
});

describe("withInProcessPlugins (the environment of the coordinator's own nx commands)", () => {
  const { withInProcessPlugins } = require(path.join(repoRoot(), 'dist/runner/nx-task')) as {
    withInProcessPlugins: (e: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  };
  it('loads plugins in-process when Nx runs without a daemon, unless the user chose', () => {
    expect(withInProcessPlugins({ NX_DAEMON: 'false' }).NX_ISOLATE_PLUGINS).toBe('false');
    expect(withInProcessPlugins({ CI: 'true' }).NX_ISOLATE_PLUGINS).toBe('false');
    expect(withInProcessPlugins({ CI: 'true', NX_DAEMON: 'true' }).NX_ISOLATE_PLUGINS).toBeUndefined();
    expect(withInProcessPlugins({}).NX_ISOLATE_PLUGINS).toBeUndefined();
    expect(withInProcessPlugins({ CI: 'false' }).NX_ISOLATE_PLUGINS).toBeUndefined();
    expect(withInProcessPlugins({ NX_DAEMON: 'false', NX_ISOLATE_PLUGINS: 'true' }).NX_ISOLATE_PLUGINS).toBe('true');
  });
});
