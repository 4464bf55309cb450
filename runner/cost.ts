import type { Redis } from 'ioredis';
import type { AgentInfo, AttemptSummary, TaskSummary } from './job';
import { liveAgents } from './live-agents';
import { requirementKey, type Requirement } from './requirement';
import { agentTakes } from './satisfies';

/**
 * Cost-aware routing. Agents declare a price per hour (`--cost-per-hour`, or the highest of the
 * `--label-prices` defaults of their labels); it travels in their heartbeat and in each result.
 *
 * The mechanism is a price-ordered claim delay: an agent leaves a queue's jobs to cheaper live
 * agents that can run them (same trust level and repository, requirement satisfied, CPU-work
 * policy allowing) until the queue's oldest waiting job has waited `--cheaper-wait`. The cheapest
 * capable agent therefore takes every job it has a free slot for; the dearer ones take over only
 * when jobs would otherwise wait past the bound. Agents of one price never wait for each other.
 */

const PREFIX = 'fleet-bull';

/** `gpu:h100=4.5` → ['gpu:h100', 4.5]; a problem names the item. */
export function parseLabelPrices(
  items: string[],
): { ok: true; prices: Map<string, number> } | { ok: false; message: string } {
  const prices = new Map<string, number>();
  for (const item of items) {
    const m = /^([a-z0-9][a-z0-9:._/-]*)=(\d+(?:\.\d+)?)$/.exec(item.trim().toLowerCase());
    if (!m) return { ok: false, message: `"${item}" is not <label>=<price per hour> (e.g. gpu:h100=4.5)` };
    prices.set(m[1], Number(m[2]));
  }
  return { ok: true, prices };
}

/** The agent's price: its own `--cost-per-hour`, else the highest label default it carries, else 0. */
export function agentPrice(
  costPerHour: number | undefined,
  labelPrices: ReadonlyMap<string, number>,
  labels: string[],
): number {
  if (costPerHour !== undefined) return costPerHour;
  let price = 0;
  for (const l of labels) price = Math.max(price, labelPrices.get(l) ?? 0);
  return price;
}

/** How long the oldest job waiting in a queue has waited (ms), or 0 when none waits. */
export async function oldestWaitMs(redis: Redis, queue: string, now = Date.now()): Promise<number> {
  const base = `${PREFIX}:${queue}`;
  // BullMQ: `wait` is pushed on the left, taken from the right; `prioritized` is a score-ordered set.
  const [tail, head] = await Promise.all([
    redis.lindex(`${base}:wait`, '-1'),
    redis.zrange(`${base}:prioritized`, '0', '0'),
  ]);
  const ids = [tail, ...head].filter((x): x is string => Boolean(x));
  if (ids.length === 0) return 0;
  const stamps = await Promise.all(ids.map((id) => redis.hget(`${base}:${id}`, 'timestamp')));
  let oldest = now;
  for (const s of stamps) if (s && Number(s) > 0) oldest = Math.min(oldest, Number(s));
  return Math.max(0, now - oldest);
}

export interface CheaperFirstOptions {
  redis: Redis;
  agentId: string;
  trust: string;
  /** The repository this agent serves ('' for its default one). */
  repo: string;
  price: number;
  /** `--cheaper-wait`: how long a job waits for a cheaper capable agent before this one takes it. */
  waitMs: number;
}

/** What an agent asks before it takes from a queue: may it, or should it leave the job to a cheaper agent? */
export class CheaperFirst {
  private agents: { at: number; list: AgentInfo[] } = { at: 0, list: [] };

  constructor(private readonly o: CheaperFirstOptions) {}

  private async live(): Promise<AgentInfo[]> {
    if (Date.now() - this.agents.at > 500) this.agents = { at: Date.now(), list: await liveAgents(this.o.redis) };
    return this.agents.list;
  }

  /** The live agents cheaper than this one that could take the requirement's jobs. */
  async cheaper(requirement: Requirement): Promise<AgentInfo[]> {
    if (this.o.price <= 0) return [];
    return (await this.live()).filter(
      (a) =>
        a.id !== this.o.agentId &&
        (a.trust ?? 'trusted') === this.o.trust &&
        (a.repo ?? '') === this.o.repo &&
        typeof a.costPerHour === 'number' &&
        a.costPerHour < this.o.price &&
        agentTakes(a, requirement),
    );
  }

  /** Whether to take from `queue` now: no cheaper capable agent is live, or its oldest job waited past the bound. */
  async mayTake(queue: string, requirement: Requirement): Promise<boolean> {
    if ((await this.cheaper(requirement)).length === 0) return true;
    return (await oldestWaitMs(this.o.redis, queue)) >= this.o.waitMs;
  }
}

/** The cost figures of a task or a run (`--summary-json` `cost`). Prices are per hour, in the unit agents declare. */
export interface CostFigures {
  /** Seconds agents spent on the attempts (started to ended). */
  agentSeconds: number;
  /** Σ seconds × the agent's price / 3600. */
  cost: number;
  /** Σ seconds × GPUs assigned. */
  gpuSeconds: number;
  /** What the same seconds would have cost on the most expensive live agent able to run each task. */
  mostExpensiveCost: number;
}

export interface RunCost extends CostFigures {
  budget?: number;
  /** Per agent that ran attempts: its figures, price and attempts. */
  agents: Record<
    string,
    { agentSeconds: number; cost: number; gpuSeconds: number; costPerHour: number; attempts: number }
  >;
}

const round = (n: number, digits = 6): number => Math.round(n * 10 ** digits) / 10 ** digits;
const secs = (h: AttemptSummary): number => Math.max(0, h.endedAt - h.startedAt) / 1000;

/**
 * The coordinator's side: the most expensive capable price per requirement (seen in heartbeats
 * during the run), the spend so far for `--budget`, and the figures of the summary.
 */
export class CostLedger {
  private readonly dearest = new Map<string, number>();
  private readonly prices = new Map<string, number>();

  constructor(private readonly budget?: number) {}

  /** Learns the live agents' prices (every second, from the heartbeats the coordinator reads anyway). */
  observe(agents: AgentInfo[], requirements: Requirement[]): void {
    for (const a of agents) if (typeof a.costPerHour === 'number') this.prices.set(a.id, a.costPerHour);
    for (const r of requirements) {
      const key = requirementKey(r);
      for (const a of agents)
        if (typeof a.costPerHour === 'number' && agentTakes(a, r))
          this.dearest.set(key, Math.max(this.dearest.get(key) ?? 0, a.costPerHour));
    }
  }

  /** The dearest capable price seen for the requirement. */
  dearestPrice(r: Requirement): number {
    return this.dearest.get(requirementKey(r)) ?? 0;
  }

  private price(h: AttemptSummary): number {
    return h.costPerHour ?? this.prices.get(h.agent) ?? 0;
  }

  /** The spend so far: finished attempts, and running ones by their elapsed time on their agent's price. */
  spent(tasks: TaskSummary[], now = Date.now()): number {
    let total = 0;
    for (const t of tasks) {
      for (const h of t.history ?? []) total += (secs(h) * this.price(h)) / 3600;
      if (t.status === 'running' && t.startedAt && t.agent)
        total += ((Math.max(0, now - t.startedAt) / 1000) * (this.prices.get(t.agent) ?? 0)) / 3600;
    }
    return total;
  }

  /**
   * Whether a task may still be queued under `--budget`: the spend so far plus its estimate (its
   * typical duration on the dearest capable agent, 0 when unknown) stays within the budget.
   */
  allows(spent: number, r: Requirement, typicalMs: number | undefined): boolean {
    if (this.budget === undefined) return true;
    return spent + this.estimate(r, typicalMs) <= this.budget;
  }

  /** A task's estimated cost: its typical duration on the dearest capable agent (0 when unknown). */
  estimate(r: Requirement, typicalMs: number | undefined): number {
    return ((typicalMs ?? 0) / 3_600_000) * this.dearestPrice(r);
  }

  get limit(): number | undefined {
    return this.budget;
  }

  /** The task's figures from its attempts. */
  taskCost(t: TaskSummary): CostFigures {
    const dear = this.dearestPrice(t.requirement);
    let agentSeconds = 0;
    let cost = 0;
    let gpuSeconds = 0;
    let mostExpensiveCost = 0;
    for (const h of t.history ?? []) {
      const s = secs(h);
      agentSeconds += s;
      cost += (s * this.price(h)) / 3600;
      gpuSeconds += s * (h.gpus?.length ?? 0);
      mostExpensiveCost += (s * Math.max(dear, this.price(h))) / 3600;
    }
    return {
      agentSeconds: round(agentSeconds, 3),
      cost: round(cost),
      gpuSeconds: round(gpuSeconds, 3),
      mostExpensiveCost: round(mostExpensiveCost),
    };
  }

  /** The run's figures: per task (set on each summary) and in all, per agent; rounded once, at the end. */
  runCost(tasks: TaskSummary[]): RunCost {
    const out: RunCost = { agentSeconds: 0, cost: 0, gpuSeconds: 0, mostExpensiveCost: 0, agents: {} };
    if (this.budget !== undefined) out.budget = this.budget;
    const dear = { total: 0 };
    for (const t of tasks) {
      t.cost = this.taskCost(t);
      const top = this.dearestPrice(t.requirement);
      for (const h of t.history ?? []) {
        const a = (out.agents[h.agent] ??= {
          agentSeconds: 0,
          cost: 0,
          gpuSeconds: 0,
          costPerHour: this.price(h),
          attempts: 0,
        });
        const s = secs(h);
        a.agentSeconds += s;
        a.cost += (s * this.price(h)) / 3600;
        a.gpuSeconds += s * (h.gpus?.length ?? 0);
        a.attempts++;
        dear.total += (s * Math.max(top, this.price(h))) / 3600;
      }
    }
    for (const a of Object.values(out.agents)) {
      out.agentSeconds += a.agentSeconds;
      out.cost += a.cost;
      out.gpuSeconds += a.gpuSeconds;
      Object.assign(a, {
        agentSeconds: round(a.agentSeconds, 3),
        cost: round(a.cost),
        gpuSeconds: round(a.gpuSeconds, 3),
      });
    }
    out.agentSeconds = round(out.agentSeconds, 3);
    out.cost = round(out.cost);
    out.gpuSeconds = round(out.gpuSeconds, 3);
    out.mostExpensiveCost = round(dear.total);
    return out;
  }
}

/** The final summary's cost lines (progress output). */
export function costLines(c: RunCost): string[] {
  const money = (n: number): string => n.toFixed(4);
  const lines = [
    `cost: ${money(c.cost)} for ${c.agentSeconds.toFixed(1)} agent-seconds (${c.gpuSeconds.toFixed(1)} GPU-seconds); on the most expensive capable agents: ${money(c.mostExpensiveCost)}${c.budget !== undefined ? `; budget ${money(c.budget)}` : ''}`,
  ];
  for (const [id, a] of Object.entries(c.agents).sort(([x], [y]) => (x < y ? -1 : 1)))
    lines.push(
      `  ${id}: ${a.attempts} attempt(s), ${a.agentSeconds.toFixed(1)} agent-seconds at ${a.costPerHour}/h = ${money(a.cost)}`,
    );
  return lines;
}
