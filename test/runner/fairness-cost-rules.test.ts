import { describe, expect, it } from 'vitest';
import {
  agentPrice,
  canonicalRequirement,
  CostLedger,
  FairOrder,
  parseLabelPrices,
  parseRegistryEntry,
  parseRepoSpecs,
  payloadProblem,
  registryValue,
  type AgentInfo,
  type RegistryEntry,
  type TaskSummary,
} from '../../runner';

/** A small deterministic generator (the cases are the same on every run). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const cpu = canonicalRequirement();
const gpu = canonicalRequirement({ labels: ['gpu'], gpus: 1 });

describe('FairOrder: runs of one priority take turns', () => {
  it('over generated sets of runs: while runs have jobs, no run is served twice before every other one once', () => {
    let cases = 0;
    let services = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const runs = Array.from({ length: 2 + Math.floor(r() * 5) }, (_, i) => `r-${Math.floor(r() * 1e6)}-${i}`);
      const jobs = new Map(runs.map((id) => [id, 1 + Math.floor(r() * 20)]));
      const entries: RegistryEntry[] = runs.map((run) => ({
        name: `fleet-any.${run}`,
        requirement: cpu,
        meta: { run },
      }));
      const order = new FairOrder();
      const served: string[] = [];
      // An agent takes from the first queue in its order that has a job.
      for (;;) {
        const e = order.order(entries).find((x) => (jobs.get(x.meta.run!) ?? 0) > 0);
        if (!e) break;
        jobs.set(e.meta.run!, jobs.get(e.meta.run!)! - 1);
        order.served(e);
        served.push(e.meta.run!);
      }
      // Between two services of one run, every run that still had jobs then was served.
      const left = new Map(runs.map((id) => [id, served.filter((x) => x === id).length]));
      const seen = new Map<string, number>();
      served.forEach((run, i) => {
        const prev = seen.get(run);
        if (prev !== undefined)
          for (const other of runs) {
            if (other === run) continue;
            const before = served.slice(0, prev + 1).filter((x) => x === other).length;
            if (before < left.get(other)!)
              expect(served.slice(prev + 1, i), `seed ${seed}: ${other} skipped`).toContain(other);
          }
        seen.set(run, i);
      });
      services += served.length;
      cases++;
    }
    console.log(`FairOrder: ${cases} generated run sets, ${services} services checked`);
  });

  it('GPU queues first, then higher priority, then the rotation', () => {
    const e = (name: string, run: string, priority = 0, r = cpu): RegistryEntry => ({
      name,
      requirement: r,
      meta: { run, priority },
    });
    const order = new FairOrder();
    const list = [e('a', 'r1'), e('b', 'r2'), e('c', 'r3', 5), e('g', 'r4', 0, gpu)];
    expect(order.order(list).map((x) => x.name)).toEqual(['g', 'c', 'a', 'b']);
    order.served(list[0]);
    expect(order.order(list).map((x) => x.name)).toEqual(['g', 'c', 'b', 'a']);
  });
});

describe('FairOrder: a run that arrives late', () => {
  it('over generated arrivals: a late run is served first for at most the credit, then the runs take turns', () => {
    let cases = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const credit = 1 + Math.floor(r() * 10);
      const head = Math.floor(r() * 30);
      const lateJobs = 1 + Math.floor(r() * 30);
      const early: RegistryEntry = { name: 'fleet-any.r-early', requirement: cpu, meta: { run: 'r-early' } };
      const late: RegistryEntry = { name: 'fleet-any.r-late', requirement: cpu, meta: { run: 'r-late' } };
      const order = new FairOrder(credit);
      // The early run alone for `head` services; then the late one arrives (the early one has jobs throughout).
      for (let i = 0; i < head; i++) {
        const e = order.order([early])[0];
        order.served(e);
      }
      const served: string[] = [];
      let left = lateJobs;
      while (served.length < lateJobs * 2 + credit) {
        const e = order.order([early, late]).find((x) => x === early || left > 0)!;
        if (e === late) left--;
        order.served(e);
        served.push(e.meta.run!);
      }
      // The late run's head start: as many services as it lags, at most the credit.
      const streak = Math.min(head, credit, lateJobs);
      expect(served.slice(0, streak), `seed ${seed}`).toEqual(Array(streak).fill('r-late'));
      // Then, while it has jobs, never one run twice in a row.
      const lastLate = served.lastIndexOf('r-late');
      for (let i = Math.max(1, streak); i <= lastLate; i++)
        expect(served[i], `seed ${seed} at ${i}: ${served.join(' ')}`).not.toBe(served[i - 1]);
      cases++;
    }
    expect(cases).toBe(300);
  });
});

describe('registry entries are data from Redis', () => {
  it('a round trip keeps requirement and run fields; anything malformed is skipped, never thrown', () => {
    const v = registryValue(gpu, { run: 'r-1', priority: 3, repo: 'web' });
    expect(parseRegistryEntry('q', v)).toEqual({
      name: 'q',
      requirement: gpu,
      meta: { run: 'r-1', priority: 3, repo: 'web' },
    });
    // Older coordinators registered the requirement alone.
    expect(parseRegistryEntry('q', JSON.stringify(cpu))).toEqual({ name: 'q', requirement: cpu, meta: {} });
    const bad = ['', 'nope', '[]', 'null', '{"labels":"gpu"}', '{"gpus":-1}', '{"gpus":"2"}', '{"labels":[1]}'];
    for (const b of bad) expect(parseRegistryEntry('q', b), b).toBeUndefined();
    // Fields of the wrong shape are dropped, not trusted.
    expect(parseRegistryEntry('q', '{"run":"../x","repo":"Bad Repo","priority":1.5}')!.meta).toEqual({});
  });

  it('a job names a repository by id only', () => {
    const payload = {
      v: 2,
      trust: 'trusted',
      runId: 'r-1',
      taskId: 'a:build',
      commit: 'a'.repeat(40),
      project: 'a',
      target: 'build',
      requirement: cpu,
      attempt: 1,
    };
    expect(payloadProblem({ ...payload, repo: 'web' })).toBeUndefined();
    for (const repo of ['https://evil.example/x.git', '../web', 'Web', '', 7])
      expect(payloadProblem({ ...payload, repo }), String(repo)).toBe('bad repo');
  });
});

describe('settings of prices and repositories', () => {
  it('label prices and the agent price', () => {
    const p = parseLabelPrices(['gpu:h100=4.5', 'gpu:l4=0.8']);
    expect(p.ok).toBe(true);
    const prices = (p as { prices: Map<string, number> }).prices;
    expect(agentPrice(undefined, prices, ['gpu', 'gpu:h100', 'gpu:l4'])).toBe(4.5);
    expect(agentPrice(2, prices, ['gpu:h100'])).toBe(2);
    expect(agentPrice(undefined, prices, ['arch:x64'])).toBe(0);
    for (const bad of ['gpu', 'gpu=', '=1', 'gpu=-1', 'gpu=x']) expect(parseLabelPrices([bad]).ok, bad).toBe(false);
  });

  it('--repo id=url: ids checked, duplicates and option-like URLs refused', () => {
    expect(parseRepoSpecs(['web=https://git.example/web.git', 'ml=/srv/ml.git'])).toEqual({
      ok: true,
      repos: [
        { id: 'web', url: 'https://git.example/web.git' },
        { id: 'ml', url: '/srv/ml.git' },
      ],
    });
    for (const bad of [['web'], ['=x'], ['Web=x'], ['a=x', 'a=y'], ['a=--upload-pack=evil']])
      expect(parseRepoSpecs(bad).ok, bad.join(' ')).toBe(false);
  });
});

describe('CostLedger', () => {
  const agents = [
    { id: 'cheap', costPerHour: 1, capabilities: { labels: [], gpus: [], cpus: 4, memoryGb: 8 } },
    { id: 'dear', costPerHour: 10, capabilities: { labels: [], gpus: [], cpus: 4, memoryGb: 8 } },
  ] as unknown as AgentInfo[];
  const task = (agent: string, seconds: number, price: number, gpus: number[] = []): TaskSummary => ({
    taskId: `t-${agent}-${seconds}`,
    status: 'success',
    attempts: 1,
    requirement: cpu,
    history: [
      {
        attempt: 1,
        agent,
        status: 'success',
        exitCode: 0,
        startedAt: 0,
        endedAt: seconds * 1000,
        costPerHour: price,
        gpus,
      },
    ],
  });

  it('figures per task, per agent and in all; the most expensive capable class; the budget estimate', () => {
    const l = new CostLedger(1);
    l.observe(agents, [cpu]);
    const tasks = [task('cheap', 36, 1), task('cheap', 72, 1), task('dear', 36, 10, [0, 1])];
    const c = l.runCost(tasks);
    expect(c.cost).toBeCloseTo(0.01 + 0.02 + 0.1, 9);
    expect(c.agentSeconds).toBe(144);
    expect(c.gpuSeconds).toBe(72);
    expect(c.mostExpensiveCost).toBeCloseTo((144 * 10) / 3600, 9);
    expect(c.agents.cheap).toMatchObject({ attempts: 2, agentSeconds: 108, costPerHour: 1 });
    expect(tasks[2].cost).toMatchObject({ agentSeconds: 36, gpuSeconds: 72, cost: 0.1 });
    expect(l.estimate(cpu, 360_000)).toBeCloseTo(1, 9);
    expect(l.allows(0.5, cpu, 180_000)).toBe(true);
    expect(l.allows(0.5, cpu, 360_000)).toBe(false);
    expect(new CostLedger().allows(1e9, cpu, 1e9)).toBe(true);
  });
});
