import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CostFigures, RunCost } from '../../runner';
import type { TestWorkspace } from '../rig';
import { Cluster, type RunResult } from './support/cluster';
import { outFile, taskWorkspace, type ProjectSpec } from './support/task-fixture';

/**
 * Cost-aware routing end to end: real redis-server, cache server and `fleet agent` processes with
 * prices. The cost figures of the summary are checked against the agents' own `task finished`
 * log lines (startedAt, endedAt, costPerHour), not against the coordinator's arithmetic.
 */
const C = Array.from({ length: 50 }, (_, i) => `c${i}`);
const D = Array.from({ length: 16 }, (_, i) => `d${i}`);
const E = Array.from({ length: 6 }, (_, i) => `e${i}`);
const PROJECTS: Record<string, ProjectSpec> = {
  ...Object.fromEntries([...C, ...D].map((p) => [p, { targets: { build: {} } }])),
  // A chain: each task is queued only when the one before has ended, so --budget sees the spend.
  ...Object.fromEntries(
    E.map((p, i) => [
      p,
      i === 0
        ? { targets: { build: {} } }
        : {
            deps: [E[i - 1]],
            targets: { build: { dependsOn: ['^build'], reads: [outFile(E[i - 1], 'build')] } },
          },
    ]),
  ),
};

type Task = NonNullable<RunResult['summary']>['tasks'][number] & {
  queuedAt?: number;
  startedAt?: number;
  endedAt?: number;
  message?: string;
  code?: string;
  cost: CostFigures;
};

interface Summary {
  runId: string;
  status: string;
  code?: string;
  message?: string;
  cost: RunCost;
  tasks: Task[];
}

let cluster: Cluster;
let fixture: ReturnType<typeof taskWorkspace>;
let ws: TestWorkspace;

beforeAll(async () => {
  fixture = taskWorkspace(PROJECTS);
  ws = fixture.ws;
  cluster = await new Cluster(fixture.bare).start();
});

afterEach(async () => {
  await cluster?.stopAgents();
});

afterAll(async () => {
  await cluster?.stop();
  fixture?.remove();
});

interface Finished {
  agent: string;
  taskId: string;
  seconds: number;
  price: number;
}

/** Every `task finished` line of the run in the agents' own logs. */
function finishedInLogs(runId: string): Finished[] {
  const out: Finished[] = [];
  for (const [agent, p] of cluster.agents) {
    for (const line of p.output().split('\n')) {
      if (!line.includes('"task finished"')) continue;
      const e = JSON.parse(line) as {
        runId: string;
        taskId: string;
        startedAt: number;
        endedAt: number;
        costPerHour: number;
      };
      if (e.runId !== runId) continue;
      out.push({ agent, taskId: e.taskId, seconds: (e.endedAt - e.startedAt) / 1000, price: e.costPerHour });
    }
  }
  return out;
}

/** The summary's cost figures equal agent-seconds × price from the agents' logs, per task, per agent, in all. */
function checkCostAgainstLogs(s: Summary): number {
  const runId = s.runId;
  const logged = finishedInLogs(runId);
  let checked = 0;
  for (const t of s.tasks.filter((x) => x.status === 'success')) {
    const mine = logged.filter((l) => l.taskId === t.taskId);
    expect(mine, t.taskId).toHaveLength(1);
    expect(t.cost.agentSeconds, t.taskId).toBeCloseTo(mine[0].seconds, 3);
    expect(t.cost.cost, t.taskId).toBeCloseTo((mine[0].seconds * mine[0].price) / 3600, 5);
    checked++;
  }
  let total = 0;
  for (const [agent, a] of Object.entries(s.cost.agents)) {
    const mine = logged.filter((l) => l.agent === agent);
    const cost = mine.reduce((n, l) => n + (l.seconds * l.price) / 3600, 0);
    expect(a.attempts, agent).toBe(mine.length);
    expect(a.cost, agent).toBeCloseTo(cost, 5);
    total += cost;
  }
  expect(s.cost.cost).toBeCloseTo(total, 5);
  return checked;
}

const agentOf = (s: Summary, id: string): string | undefined => s.tasks.find((t) => t.taskId === id)?.agent;

describe('cost-aware routing with agents as separate processes', () => {
  it('the cheap agent takes >= 90% of 50 tasks; the cost figures match the agents’ logs', async () => {
    // The expensive agent starts first and polls from the start: only the claim delay holds it back.
    await cluster.startAgents([{ id: 'dear', slots: 2, args: ['--cost-per-hour', '10', '--cheaper-wait', '120s'] }]);
    await cluster.startAgents([{ id: 'cheap', slots: 2, args: ['--cost-per-hour', '1'] }]);
    const r = await cluster.run(ws, ['run-many', '-t', 'build', '-p', ...C], 300_000);
    expect(r.code, r.output).toBe(0);
    const s = r.summary as unknown as Summary;
    expect(s.tasks).toHaveLength(50);
    const cheap = s.tasks.filter((t) => t.agent === 'cheap').length;
    console.log(`cost routing: ${cheap}/50 tasks on the cheap agent (bound 120 s)`);
    expect(cheap).toBeGreaterThanOrEqual(45);
    // Whatever the dear agent took, it took after the bound.
    for (const t of s.tasks.filter((x) => x.agent === 'dear'))
      expect(t.startedAt! - t.queuedAt!, t.taskId).toBeGreaterThanOrEqual(120_000);
    const checked = checkCostAgainstLogs(s);
    console.log(
      `cost figures: ${checked} tasks and ${Object.keys(s.cost.agents).length} agents checked against their logs`,
    );
    // On the most expensive capable agent (price 10) the same seconds cost 10 × the agent-seconds.
    expect(s.cost.mostExpensiveCost).toBeCloseTo((s.cost.agentSeconds * 10) / 3600, 4);
    expect(s.cost.gpuSeconds).toBe(0);
    expect(r.output).toMatch(/\[fleet\] cost: [\d.]+ for [\d.]+ agent-seconds/);
  });

  it('past --cheaper-wait the expensive agent takes over, and only jobs that waited that long', async () => {
    await cluster.startAgents([
      { id: 'dear', slots: 2, args: ['--cost-per-hour', '10', '--cheaper-wait', '1s'] },
      { id: 'cheap', slots: 1, args: ['--cost-per-hour', '1'] },
    ]);
    const r = await cluster.run(ws, ['run-many', '-t', 'build', '-p', ...D], 300_000);
    expect(r.code, r.output).toBe(0);
    const s = r.summary as unknown as Summary;
    const dear = s.tasks.filter((t) => t.agent === 'dear');
    console.log(`bound 1 s: ${dear.length}/${s.tasks.length} tasks on the expensive agent`);
    expect(dear.length).toBeGreaterThan(0);
    expect(s.tasks.some((t) => t.agent === 'cheap')).toBe(true);
    for (const t of dear) expect(t.startedAt! - t.queuedAt!, t.taskId).toBeGreaterThanOrEqual(1000);
    checkCostAgainstLogs(s);
  });

  it('--budget: no task is queued once the spend would pass it; the run fails with FLEET_BUDGET_EXCEEDED', async () => {
    // 36000 per hour: ten units per agent-second, so the chain's six tasks pass the budget of 1.2
    // however fast they run (it takes 0.12 agent-seconds in all; one nx task takes about 0.1 s).
    await cluster.startAgents([{ id: 'meter', slots: 1, args: ['--cost-per-hour', '36000'] }]);
    const budget = 1.2;
    const r = await cluster.run(ws, ['run-many', '-t', 'build', '-p', ...E], 200_000, { FLEET_BUDGET: String(budget) });
    const s = r.summary as unknown as Summary;
    expect(r.code, r.output).not.toBe(0);
    expect(s.code, r.output).toBe('FLEET_BUDGET_EXCEEDED');
    expect(r.output).toMatch(/would exceed its budget of 1\.2.*\[FLEET_BUDGET_EXCEEDED\]/);
    const ran = s.tasks.filter((t) => t.status === 'success');
    const stopped = s.tasks.filter((t) => t.status === 'cancelled');
    expect(ran.length).toBeGreaterThan(0);
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) {
      expect(t.code, t.taskId).toBe('FLEET_BUDGET_EXCEEDED');
      expect(t.message, t.taskId).toMatch(/would exceed its budget of 1\.2/);
    }
    // Each task was queued while the spend before it was within the budget: all but the last one's.
    const last = ran.sort((a, b) => a.startedAt! - b.startedAt!).at(-1)!;
    expect(s.cost.cost - last.cost.cost).toBeLessThanOrEqual(budget);
    expect(s.cost.cost).toBeGreaterThan(budget);
    expect(s.cost.budget).toBe(budget);
    checkCostAgainstLogs(s);
    expect(agentOf(s, 'e0:build')).toBe('meter');
  });
});
