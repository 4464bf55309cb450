import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import type { RunSummary, StoredTaskRun } from '../../analytics';
import { redisConnection, runKeys } from '../../runner';
import { Cluster } from '../runner/support/cluster';
import { BUILD_DEPS, dteWorkspace } from '../runner/support/dte-fixture';
import { withStore } from './support/store';

// `fleet run` and the run history store, with a real redis-server, the cache server and two
// real agents (one cluster for the file): the distributed run recorded per attempt, the store's
// flaky tasks retried by --retry-flaky, and `fleet flaky` checked against Nx's own task history.
let cluster: Cluster;
let ws: TestWorkspace;
let bare: string;
const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dist-history-'));

interface Summary {
  runId: string;
  status: string;
  tasks: Array<{
    taskId: string;
    status: string;
    agent?: string;
    attempts: number;
    hash?: string;
    flaky?: boolean;
    history: Array<{ agent: string; status: string; hash?: string; queuedAt?: number; startedAt: number }>;
  }>;
}

async function fleetRun(nxArgs: string[]): Promise<{ code: number | null; output: string; summary: Summary }> {
  const r = await cluster.run(ws, nxArgs, 150_000, { PID_DIR: pidDir });
  return { code: r.code, output: r.output, summary: r.summary as unknown as Summary };
}

function fleetJson<T>(args: string[]): T {
  const r = ws.fleet([...args, '--json'], { env: { PID_DIR: pidDir } });
  if (r.code !== 0) throw new Error(`fleet ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const runTasks = (runId: string) => fleetJson<{ run: RunSummary; tasks: StoredTaskRun[] }>(['runs', runId]);

beforeAll(async () => {
  ({ ws, bare } = dteWorkspace({ fleetPlugin: true }));
  cluster = await new Cluster(bare).start();
  await cluster.startAgents([
    { id: 'a1', slots: 1, env: { PID_DIR: pidDir } },
    { id: 'a2', slots: 1, env: { PID_DIR: pidDir } },
  ]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  ws?.dispose();
  for (const d of [bare, pidDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('fleet run records into the run history store', () => {
  it('every task of a distributed run: its agent, attempt, queued <= started <= ended, hash and cache source', async () => {
    const first = await fleetRun(['run-many', '-t', 'build']);
    expect(first.code, first.output).toBe(0);
    const { run, tasks } = runTasks(first.summary.runId);
    expect(run).toMatchObject({ kind: 'fleet-run', command: 'fleet run run-many -t build', tasks: 6, failed: 0 });
    expect(tasks.map((t) => t.taskId).sort()).toEqual(Object.keys(BUILD_DEPS).map((p) => `${p}:build`));
    for (const t of tasks) {
      const s = first.summary.tasks.find((x) => x.taskId === t.taskId)!;
      expect(t).toMatchObject({
        agent: s.agent,
        attempt: 1,
        hash: s.hash,
        status: 'success',
        cache: 'miss',
        flaky: false,
      });
      expect(['a1', 'a2']).toContain(t.agent);
      expect(t.queuedTime).toBe(s.history[0].queuedAt);
      expect(t.queuedTime!).toBeLessThanOrEqual(t.startTime!);
      expect(t.startTime!).toBeLessThanOrEqual(t.endTime!);
      // The replay on this machine (the hook) recorded the same hashes with their file inputs:
      // the distributed run's task runs share those manifests.
      expect(t.manifestId, t.taskId).toMatch(/^m[0-9a-f]{32}$/);
    }
    // The dependency order holds in the recorded times: a task starts after its dependencies end.
    const at = new Map(tasks.map((t) => [t.project, t]));
    for (const [p, deps] of Object.entries(BUILD_DEPS))
      for (const d of deps) expect(at.get(p)!.startTime!).toBeGreaterThanOrEqual(at.get(d)!.endTime!);
    // The run keeps the coordinator's task graph (its critical path needs no project graph later).
    const recordedDeps = withStore(ws.path('.nx/fleet/history.db'), (s) => s.runDeps(first.summary.runId));
    expect(recordedDeps).toEqual(
      Object.fromEntries(
        Object.entries(BUILD_DEPS).map(([p, ds]) => [`${p}:build`, ds.map((d) => `${d}:build`).sort()]),
      ),
    );

    // The same run again: nothing changed, so each agent's nx took every task from a cache.
    const again = await fleetRun(['run-many', '-t', 'build']);
    expect(again.code, again.output).toBe(0);
    const cached = runTasks(again.summary.runId).tasks;
    expect(cached.length).toBe(6);
    for (const t of cached) expect(['local', 'remote'], `${t.taskId} on ${t.agent}`).toContain(t.cache);
    const listed = fleetJson<{ runs: RunSummary[] }>(['runs']).runs;
    expect(listed.filter((r) => r.kind === 'fleet-run').map((r) => r.runId)).toEqual([
      again.summary.runId,
      first.summary.runId,
    ]);
  }, 400_000);

  it('a task that failed then passed with the same hash in local history gets its --retry-flaky attempt; Nx flags it too', async () => {
    // Locally with real nx: fails the first time (no marker yet), passes the second, same inputs.
    expect(ws.nx(['run', 'flaky:check'], { env: { PID_DIR: pidDir } }).code).toBe(1);
    expect(ws.nx(['run', 'flaky:check'], { env: { PID_DIR: pidDir } }).code).toBe(0);
    const local = fleetJson<{
      nxTaskHistory: { available: boolean; reason?: string };
      tasks: Array<{
        taskId: string;
        rate: number;
        runs: number;
        reruns: number;
        hashes: string[];
        nx: boolean | null;
      }>;
    }>(['flaky']);
    expect(local.nxTaskHistory).toEqual({ available: true });
    expect(local.tasks).toMatchObject([{ taskId: 'flaky:check', rate: 1, runs: 2, reruns: 1, nx: true }]);
    expect(local.tasks[0].hashes).toHaveLength(1);
    expect(ws.fleet(['flaky']).stdout).toMatch(/flaky:check .*100\.0% .*Nx flags it too/);

    // New inputs (a new hash nobody has cached), the marker gone: the first attempt fails again.
    ws.write('libs/flaky/input.txt', 'new inputs');
    ws.commit('flaky input');
    ws.git(['push', '-q', 'origin', 'HEAD:main']);
    fs.rmSync(path.join(pidDir, 'flaky-marker'), { force: true });
    const r = redisConnection(cluster.redis.url, 'test-dist-history');
    try {
      // Redis knows nothing of it: only the store can be why it is retried.
      expect(await r.hget(runKeys.flaky, 'flaky:check')).toBeNull();
    } finally {
      r.disconnect();
    }
    const run = await fleetRun(['run', 'flaky:check']);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('known flaky from the run history store: flaky:check');
    const t = run.summary.tasks[0];
    expect(t).toMatchObject({ status: 'success', attempts: 2, flaky: true });
    const rows = runTasks(run.summary.runId).tasks;
    expect(rows.map((x) => [x.attempt, x.status, x.hash, x.agent, x.flaky])).toEqual([
      [1, 'failure', t.hash, t.history[0].agent, false],
      [2, 'success', t.hash, t.history[1].agent, true],
    ]);
    expect(rows[0].agent).not.toBe(rows[1].agent);
    // The store's flaky query now counts the distributed flake as well: 2 flaky successes of 2.
    const after = fleetJson<{ tasks: Array<{ taskId: string; rate: number; flakyHashes: number }> }>(['flaky']);
    expect(after.tasks).toMatchObject([{ taskId: 'flaky:check', rate: 1, flakyHashes: 2 }]);
  }, 300_000);

  it('with --retry-flaky 0 the store is not a reason to retry', async () => {
    ws.write('libs/flaky/input.txt', 'newer inputs');
    ws.commit('flaky input again');
    ws.git(['push', '-q', 'origin', 'HEAD:main']);
    fs.rmSync(path.join(pidDir, 'flaky-marker'), { force: true });
    const run = await fleetRun(['--retry-flaky', '0', 'run', 'flaky:check']);
    expect(run.code).toBe(1);
    expect(run.summary.tasks[0]).toMatchObject({ status: 'failure', attempts: 1 });
    expect(runTasks(run.summary.runId).tasks.map((x) => x.status)).toEqual(['failure']);
  }, 200_000);
});
