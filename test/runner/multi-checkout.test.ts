import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_REGISTRY, redisConnection } from '../../runner';
import type { TestWorkspace } from '../rig';
import { Cluster } from './support/cluster';
import { agentClone } from './support/dte-fixture';
import { waitUntil } from './support/processes';
import { taskWorkspace, type ProjectSpec } from './support/task-fixture';

/**
 * Several checkouts of one repository on an agent (runner/checkout-pool.ts), with real git,
 * redis-server, cache server and a `fleet agent` process: two runs at different commits taking
 * turns on a one-slot agent switch no commit between their tasks. Switches are counted from the
 * agent's own `checkout switch` log lines, never from wall-clock times.
 */
const A = Array.from({ length: 4 }, (_, i) => `a${i}`);
const B = Array.from({ length: 4 }, (_, i) => `b${i}`);
const C = ['c0', 'c1'];
// The control's runs: projects of their own, so none of its tasks is a cache hit of the first test's.
const D = A.map((p) => `d${p}`);
const E = B.map((p) => `e${p}`);
const build = (names: string[]): Record<string, ProjectSpec> =>
  Object.fromEntries(names.map((p) => [p, { targets: { build: {} } }]));

interface SwitchEvent {
  msg: 'checkout switch';
  checkout: number;
  dir: string;
  runId: string;
  commit: string;
  created?: boolean;
  from?: string;
  startedAt: number;
  endedAt: number;
  error?: string;
}
interface TaskEvent {
  msg: 'task finished';
  runId: string;
  taskId: string;
  checkout: number;
  enteredAt: number;
  endedAt: number;
}

let cluster: Cluster;
let fixture: ReturnType<typeof taskWorkspace>;
const clones: TestWorkspace[] = [];

beforeAll(async () => {
  fixture = taskWorkspace({ ...build(A), ...build(B), ...build(C), ...build(D), ...build(E) });
  cluster = await new Cluster(fixture.bare).start();
});

afterEach(async () => {
  await cluster?.stopAgents();
});

afterAll(async () => {
  await cluster?.stop();
  for (const c of clones) c.dispose();
  fixture?.remove();
});

/** A clone of the origin with one more commit (pushed to its own branch, so agents can fetch it). */
function cloneAtNewCommit(label: string): { ws: TestWorkspace; commit: string } {
  const ws = agentClone(fixture.bare);
  clones.push(ws);
  fs.writeFileSync(path.join(ws.root, 'libs', 'a0', 'src', 'main.txt'), `source of a0, ${label}\n`);
  ws.git(['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-am', label]);
  ws.git(['push', '-q', 'origin', `HEAD:refs/heads/${label}`]);
  return { ws, commit: ws.git(['rev-parse', 'HEAD']).trim() };
}

function events<T>(msg: string): T[] {
  return cluster
    .agentLogs()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as T);
}

/** How many times consecutive tasks (in the order they entered their checkouts) belong to different runs. */
function runChanges(tasks: TaskEvent[]): number {
  const order = [...tasks].sort((x, y) => x.enteredAt - y.enteredAt).map((t) => t.runId);
  return order.filter((r, i) => i > 0 && r !== order[i - 1]).length;
}

/** No switch of a checkout overlaps a task that was in it (times of one agent process, one clock). */
function expectNoSwitchUnderATask(switches: SwitchEvent[], tasks: TaskEvent[]): void {
  for (const s of switches)
    for (const t of tasks.filter((x) => x.checkout === s.checkout))
      expect(s.endedAt <= t.enteredAt || s.startedAt >= t.endedAt, `${JSON.stringify(s)} during ${t.taskId}`).toBe(
        true,
      );
}

/**
 * Run A (projects `pa` at the fixture's commit) holds the agent's one slot behind the gate while
 * run B (projects `pb` at another commit) is queued; then the gate opens and both finish.
 * Returns both runs' ids.
 */
async function twoRunsTakingTurns(gate: string, b: TestWorkspace, pa = A, pb = B): Promise<{ a: string; b: string }> {
  const redis = redisConnection(cluster.redis.url, 'multi-checkout-test');
  const runsQueued = async (): Promise<number> =>
    new Set(Object.values(await redis.hgetall(QUEUE_REGISTRY)).map((v) => (JSON.parse(v) as { run?: string }).run))
      .size;
  const runA = cluster.run(fixture.ws, ['run-many', '-t', 'build', '-p', ...pa], 300_000);
  const started = (): number => (cluster.agentLogs().match(/"task started"/g) ?? []).length;
  expect(await waitUntil(() => started() >= 1, 120_000), cluster.agentLogs()).toBe(true);
  const queuedBefore = await runsQueued();
  const runB = cluster.run(b, ['run-many', '-t', 'build', '-p', ...pb], 300_000);
  for (let i = 0; i < 1200 && (await runsQueued()) <= queuedBefore; i++) await new Promise((r) => setTimeout(r, 100));
  // Its jobs are added right after its queue is registered.
  await new Promise((r) => setTimeout(r, 1000));
  fs.writeFileSync(gate, '');
  const [ra, rb] = await Promise.all([runA, runB]);
  redis.disconnect();
  expect(ra.code, ra.output).toBe(0);
  expect(rb.code, rb.output).toBe(0);
  const tasks = events<TaskEvent>('task finished');
  const runOf = (ids: string[]): string => tasks.find((t) => ids.includes(t.taskId.split(':')[0]))!.runId;
  return { a: runOf(pa), b: runOf(pb) };
}

const worktrees = (dir: string): string[] =>
  spawnSync('git', ['worktree', 'list', '--porcelain'], { cwd: dir, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));

describe('several checkouts of a repository on one agent', () => {
  it('two runs at different commits take turns without a commit switch; a third commit switches the least recently used idle checkout, never a third one; stop removes the worktrees', async () => {
    const gate = path.join(cluster.tempDir('fleet-gate-'), 'open');
    const workdir = agentClone(fixture.bare);
    clones.push(workdir);
    await cluster.startAgents([
      { id: 'mc-1', slots: 1, workdir: workdir.root, env: { GATE_FILE: gate }, args: ['--checkouts', '2'] },
    ]);
    const second = cloneAtNewCommit('second');
    const runs = await twoRunsTakingTurns(gate, second.ws);
    let tasks = events<TaskEvent>('task finished');
    let switches = events<SwitchEvent>('checkout switch');
    expect(tasks).toHaveLength(A.length + B.length);
    // The runs took turns on the agent (at least A → B → A)...
    expect(runChanges(tasks), JSON.stringify(tasks)).toBeGreaterThanOrEqual(2);
    // ...and each run's commit was put in a checkout once: the clone for A, a new worktree for B.
    expect(switches.map((s) => [s.runId, s.checkout, s.created ?? false, s.error])).toEqual([
      [runs.a, 0, false, undefined],
      [runs.b, 1, true, undefined],
    ]);
    expect(switches[1].commit).toBe(second.commit);
    for (const t of tasks) expect([t.taskId, t.checkout]).toEqual([t.taskId, t.runId === runs.a ? 0 : 1]);
    expectNoSwitchUnderATask(switches, tasks);
    expect(worktrees(workdir.root)).toEqual([workdir.root, switches[1].dir]);

    // A third commit: --checkouts 2 are there; the one used least recently (the checkout whose latest
    // task entered first) is switched, and a third one is never made.
    const latest = (i: number): number => Math.max(...tasks.filter((t) => t.checkout === i).map((t) => t.enteredAt));
    const lru = latest(0) < latest(1) ? 0 : 1;
    const third = cloneAtNewCommit('third');
    const rc = await cluster.run(third.ws, ['run-many', '-t', 'build', '-p', ...C], 300_000);
    expect(rc.code, rc.output).toBe(0);
    tasks = events<TaskEvent>('task finished');
    switches = events<SwitchEvent>('checkout switch');
    expect(switches).toHaveLength(3);
    const last = switches[2];
    expect([last.checkout, last.created, last.from, last.commit]).toEqual([
      lru,
      undefined,
      lru === 1 ? second.commit : switches[0].commit,
      third.commit,
    ]);
    expect(Math.max(...tasks.map((t) => t.checkout))).toBe(1);
    expectNoSwitchUnderATask(switches, tasks);

    // Stopping the agent removes its worktrees: git forgets them, their folders are gone.
    await cluster.stopAgents();
    expect(worktrees(workdir.root)).toEqual([workdir.root]);
    expect(fs.existsSync(switches[1].dir)).toBe(false);
    // The clone's own dependencies (a link to the test's node_modules) are untouched.
    expect(fs.existsSync(path.join(workdir.root, 'node_modules', 'nx', 'package.json'))).toBe(true);
  });

  it('control: with --checkouts 1 the same two runs switch the one checkout at every change of run', async () => {
    const gate = path.join(cluster.tempDir('fleet-gate-'), 'open');
    const workdir = agentClone(fixture.bare);
    clones.push(workdir);
    await cluster.startAgents([
      { id: 'mc-one', slots: 1, workdir: workdir.root, env: { GATE_FILE: gate }, args: ['--checkouts', '1'] },
    ]);
    const second = cloneAtNewCommit('second-one');
    await twoRunsTakingTurns(gate, second.ws, D, E);
    const tasks = events<TaskEvent>('task finished');
    const switches = events<SwitchEvent>('checkout switch');
    const changes = runChanges(tasks);
    expect(changes, JSON.stringify([tasks, switches], null, 1)).toBeGreaterThanOrEqual(2);
    // The first placement, and one switch per change of run (none of them a new worktree).
    expect(switches.filter((s) => s.created)).toEqual([]);
    expect(switches.length, JSON.stringify(switches)).toBe(changes + 1);
    expect(new Set(tasks.map((t) => t.checkout))).toEqual(new Set([0]));
    expectNoSwitchUnderATask(switches, tasks);
    expect(worktrees(workdir.root)).toEqual([workdir.root]);
  });
});
