import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobQueues, QUEUE_REGISTRY, redisConnection, signJob, type JobPayload } from '../../runner';
import { linkNodeModules, type TestWorkspace } from '../rig';
import { Cluster, KEYS, type RunResult } from './support/cluster';
import { agentClone } from './support/dte-fixture';
import { startFleet, waitUntil } from './support/processes';
import { taskWorkspace, type ProjectSpec } from './support/task-fixture';

/**
 * Several repositories on one agent pool, and fairness between concurrent runs, with real
 * redis-server, cache server and `fleet agent` processes.
 */
const BIG = Array.from({ length: 30 }, (_, i) => `f${i}`);
const SMALL = Array.from({ length: 5 }, (_, i) => `g${i}`);
const REPO_A = Array.from({ length: 6 }, (_, i) => `a${i}`);
const REPO_B = Array.from({ length: 6 }, (_, i) => `b${i}`);
const build = (names: string[]): Record<string, ProjectSpec> =>
  Object.fromEntries(names.map((p) => [p, { targets: { build: {} } }]));

type Task = NonNullable<RunResult['summary']>['tasks'][number] & {
  queuedAt: number;
  startedAt: number;
  message?: string;
};

let cluster: Cluster;
let fixture: ReturnType<typeof taskWorkspace>;
let fixtureB: ReturnType<typeof taskWorkspace>;
let ws: TestWorkspace;

beforeAll(async () => {
  fixture = taskWorkspace({ ...build(BIG), ...build(SMALL), ...build(REPO_A) });
  fixtureB = taskWorkspace(build(REPO_B));
  ws = fixture.ws;
  cluster = await new Cluster(fixture.bare).start();
});

afterEach(async () => {
  await cluster?.stopAgents();
});

afterAll(async () => {
  await cluster?.stop();
  fixture?.remove();
  fixtureB?.remove();
});

/** An agent folder holding checkouts `<id>` of the given origins, dependencies linked (what an install gives). */
function poolFolder(repos: Record<string, string>): string {
  const root = cluster.tempDir('fleet-pool-');
  for (const [id, bare] of Object.entries(repos)) {
    const r = spawnSync('git', ['clone', '-q', bare, path.join(root, id)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    linkNodeModules(path.join(root, id));
  }
  return root;
}

const tasksOf = (r: RunResult): Task[] => (r.summary?.tasks ?? []) as Task[];

describe('several repositories on one agent pool', () => {
  it("two repositories' runs share two agents and both finish green; an unknown repository is refused", async () => {
    const repoArgs = ['--repo', `a=${fixture.bare}`, '--repo', `b=${fixtureB.bare}`];
    await cluster.startAgents([
      { id: 'pool-1', slots: 2, workdir: poolFolder({ a: fixture.bare, b: fixtureB.bare }), args: repoArgs },
      { id: 'pool-2', slots: 2, workdir: poolFolder({ a: fixture.bare, b: fixtureB.bare }), args: repoArgs },
    ]);
    const [ra, rb] = await Promise.all([
      cluster.run(ws, ['run-many', '-t', 'build', '-p', ...REPO_A], 200_000, { FLEET_REPO: 'a' }),
      cluster.run(fixtureB.ws, ['run-many', '-t', 'build', '-p', ...REPO_B], 200_000, { FLEET_REPO: 'b' }),
    ]);
    expect(ra.code, ra.output).toBe(0);
    expect(rb.code, rb.output).toBe(0);
    const a = tasksOf(ra);
    const b = tasksOf(rb);
    expect(a).toHaveLength(6);
    expect(b).toHaveLength(6);
    for (const t of a) expect(t.agent, t.taskId).toMatch(/^pool-[12]@a$/);
    for (const t of b) expect(t.agent, t.taskId).toMatch(/^pool-[12]@b$/);
    // Both processes served: the pool is shared, not split by repository.
    const processes = new Set([...a, ...b].map((t) => t.agent!.split('@')[0]));
    expect([...processes].sort()).toEqual(['pool-1', 'pool-2']);
    // Each repository's tasks ran in its own checkout, in the agents' own log lines.
    for (const line of cluster
      .agentLogs()
      .split('\n')
      .filter((l) => l.includes('"task started"'))) {
      const e = JSON.parse(line) as { repo: string; taskId: string };
      expect(e.taskId.startsWith(e.repo), line).toBe(true);
    }

    // A run naming a repository no agent maps: no agent takes it, it fails naming the repository.
    const unknown = await cluster.run(ws, ['run-many', '-t', 'build', '-p', 'a0'], 120_000, {
      FLEET_REPO: 'nope',
      FLEET_AGENT_WAIT: '2',
    });
    expect(unknown.code).not.toBe(0);
    expect(tasksOf(unknown)[0]).toMatchObject({ status: 'unschedulable' });
    expect(tasksOf(unknown)[0].message).toMatch(/serving repository "nope"/);

    // A signed job naming another repository, put (as any Redis writer could) in repository a's queue: refused.
    const queues = new JobQueues({ redisUrl: cluster.redis.url, run: { runId: 'forged-1', repo: 'a' } });
    const payload: JobPayload = {
      v: 2,
      trust: 'trusted',
      runId: 'forged-1',
      taskId: 'a0:build',
      commit: 'f'.repeat(40),
      project: 'a0',
      target: 'build',
      requirement: { labels: [], gpus: 0, gpuMemoryGb: 0, memoryGb: 0, cpus: 0 },
      attempt: 1,
      repo: 'evil',
    };
    await queues.enqueue(signJob(payload, KEYS.privateKey));
    const refused = await waitUntil(() => /"code":"FLEET_UNKNOWN_REPO"/.test(cluster.agentLogs()), 30_000);
    expect(refused, cluster.agentLogs()).toBe(true);
    // The log line comes first, the event right after it.
    let events: Array<[string, string[]]> = [];
    for (let i = 0; i < 100 && events.length === 0; i++) {
      events = await queues.client.xrange('fleet:run:forged-1:events', '-', '+');
      if (events.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(events.map(([, f]) => JSON.parse(f[1]) as { type: string; code: string })).toContainEqual(
      expect.objectContaining({ type: 'refused', code: 'FLEET_UNKNOWN_REPO' }),
    );
    expect(cluster.agentLogs()).not.toMatch(/"task started","runId":"forged-1"/);
    await queues.retire();
    await queues.close();
  });

  it('an agent whose checkout of a repository has another origin refuses to start (FLEET_REPO_MISMATCH)', async () => {
    const root = poolFolder({ a: fixture.bare });
    const p = startFleet(['agent', '--repo', `a=${fixtureB.bare}`, '--workdir', root], {
      cwd: root,
      env: ws.env({ FLEET_REDIS_URL: cluster.redis.url, FLEET_CACHE_URL: cluster.cache.url, ...KEYS.agentEnv }),
    });
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.output()).toMatch(/repository a: .* origin is .* not .*\[FLEET_REPO_MISMATCH\]/);
  });
});

describe('fairness between concurrent runs', () => {
  it('a 5-task run queued while a 30-task run is in flight interleaves with it instead of waiting', async () => {
    // Every task waits for the gate: the large run holds both agents until the small one is queued too.
    const gate = path.join(cluster.tempDir('fleet-gate-'), 'open');
    await cluster.startAgents([
      { id: 'fair-1', slots: 1, env: { GATE_FILE: gate } },
      { id: 'fair-2', slots: 1, env: { GATE_FILE: gate } },
    ]);
    const small = agentClone(fixture.bare);
    const redis = redisConnection(cluster.redis.url, 'fairness-test');
    const runsQueued = async (): Promise<number> =>
      new Set(Object.values(await redis.hgetall(QUEUE_REGISTRY)).map((v) => (JSON.parse(v) as { run?: string }).run))
        .size;
    const big = cluster.run(ws, ['run-many', '-t', 'build', '-p', ...BIG], 300_000);
    const started = (): number => (cluster.agentLogs().match(/"task started"/g) ?? []).length;
    expect(await waitUntil(() => started() >= 2, 120_000), cluster.agentLogs()).toBe(true);
    const queuedBefore = await runsQueued();
    const smallRun = cluster.run(small, ['run-many', '-t', 'build', '-p', ...SMALL], 300_000);
    for (let i = 0; i < 1200 && (await runsQueued()) <= queuedBefore; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await runsQueued()).toBe(queuedBefore + 1);
    // Its jobs are added right after its queue is registered.
    await new Promise((r) => setTimeout(r, 1000));
    fs.writeFileSync(gate, '');
    const [rs, rb] = await Promise.all([smallRun, big]);
    redis.disconnect();
    small.dispose();
    expect(rs.code, rs.output).toBe(0);
    expect(rb.code, rb.output).toBe(0);
    const s = tasksOf(rs);
    const b = tasksOf(rb);
    const from = Math.min(...s.map((t) => t.queuedAt));
    const until = Math.max(...s.map((t) => t.startedAt));
    const between = b.filter((t) => t.startedAt > from && t.startedAt < until).length;
    const after = b.filter((t) => t.startedAt > until).length;
    const before = b.filter((t) => t.startedAt <= from).length;
    console.log(
      `fairness: of the large run's ${b.length} tasks, ${before} started before the small run was queued, ${between} while its ${s.length} started, ${after} after`,
    );
    // Without rotation the small run would wait behind the 28 queued tasks of the large one.
    expect(before).toBe(2);
    expect(after).toBeGreaterThanOrEqual(BIG.length - 2 - (SMALL.length + 2));
    expect(between).toBeLessThanOrEqual(SMALL.length + 2);
  });
});
