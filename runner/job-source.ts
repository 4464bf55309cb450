import type { Redis } from 'ioredis';
import type { Capabilities } from './hardware';
import { queueRegistry, QueueConsumer, type ClaimedJob, type QueueSettings } from './queue';
import { FAIR_CREDIT, FairOrder, parseRegistryEntry, type RegistryEntry } from './fairness';
import { needsGpus, type Requirement } from './requirement';
import { assignGpus, satisfies } from './satisfies';

/** Whether an agent with GPUs takes CPU-only jobs: `when-idle` only while no GPU job waits for it. */
export type CpuWorkPolicy = 'never' | 'when-idle' | 'always';

export interface JobSourceOptions {
  agentId: string;
  connection: Redis;
  capabilities: Capabilities;
  /** Jobs run at once, GPU or not. */
  slots: number;
  settings: QueueSettings;
  cpuWorkOnGpuAgents?: CpuWorkPolicy;
  /**
   * Slots and GPUs shared with the agent's other repositories (one agent process serving several,
   * runner/repositories.ts): the limits hold for the process, not per repository. Default: its own.
   */
  pool?: SlotPool;
  /** The repository id it serves: only queues registered for it ('' or absent: the default checkout). */
  repo?: string;
  /** Asked before taking from a queue; false leaves the queue's jobs to others for now (runner/cost.ts). */
  mayTake?(queue: string, requirement: Requirement): Promise<boolean>;
}

/** Running jobs and busy GPUs of one agent process. */
export interface SlotPool {
  running: number;
  busyGpus: Set<number>;
}

/** A job taken with the slot and GPUs reserved for it. */
export interface Claim {
  job: ClaimedJob;
  requirement: Requirement;
  gpus: number[];
  token: string;
}

const PREFIX = 'fleet-bull';

/** A queue the agent serves: its registry entry, its BullMQ worker, and the claims it holds of it. */
interface Consumer extends RegistryEntry {
  consumer: QueueConsumer;
  claims: number;
}

/**
 * Decides which queue an agent takes its next job from: only queues whose requirement the agent
 * satisfies, never more jobs than slots, never a GPU job without free GPUs to assign to it.
 */
export class JobSource {
  private readonly consumers = new Map<string, Consumer>();
  private readonly pool: SlotPool;
  private readonly order: FairOrder;
  private tokens = 0;
  /** Queue → time until which this agent takes nothing from it (it just handed a job back). */
  private readonly held = new Map<string, number>();

  constructor(private readonly o: JobSourceOptions) {
    this.pool = o.pool ?? { running: 0, busyGpus: new Set() };
    // A late run's head start (runner/fairness.ts): a few rounds of this agent's slots.
    this.order = new FairOrder(Math.max(FAIR_CREDIT, 2 * o.slots));
  }

  /**
   * Subscribes to queues of its trust level and repository created since the last call whose
   * requirement this agent satisfies; leaves queues that left the registry (their run ended).
   */
  async refresh(): Promise<string[]> {
    const registry = await this.o.connection.hgetall(queueRegistry(this.o.settings.trust));
    for (const [name, json] of Object.entries(registry)) {
      if (this.consumers.has(name)) continue;
      const entry = parseRegistryEntry(name, json);
      if (!entry || (entry.meta.repo ?? '') !== (this.o.repo ?? '')) continue;
      const { requirement } = entry;
      if (!satisfies(this.o.capabilities, requirement).ok) continue;
      if (!needsGpus(requirement) && this.o.capabilities.gpus.length > 0 && this.o.cpuWorkOnGpuAgents === 'never')
        continue;
      this.consumers.set(name, {
        ...entry,
        consumer: new QueueConsumer(name, this.o.connection, this.o.settings),
        claims: 0,
      });
    }
    for (const [name, c] of this.consumers) {
      if (Object.hasOwn(registry, name) || c.claims > 0 || !c.meta.run) continue;
      this.consumers.delete(name);
      void c.consumer.close();
    }
    return this.queues();
  }

  queues(): string[] {
    return [...this.consumers.keys()].sort();
  }

  get free(): number {
    return this.o.slots - this.pool.running;
  }

  private async waiting(name: string): Promise<number> {
    const [list, prioritized] = await Promise.all([
      this.o.connection.llen(`${PREFIX}:${name}:wait`),
      this.o.connection.zcard(`${PREFIX}:${name}:prioritized`),
    ]);
    return list + prioritized;
  }

  /**
   * GPU queues first (the expensive hardware goes to the work that needs it), then higher run
   * priority, then the runs of one priority, least served first (runner/fairness.ts).
   */
  private ordered(): Consumer[] {
    return this.order.order([...this.consumers.values()]);
  }

  /** Takes one job if a slot (and GPUs) are free and a satisfiable queue has one. */
  async take(): Promise<Claim | undefined> {
    if (this.pool.running >= this.o.slots) return undefined;
    let gpuWorkWaiting = false;
    for (const c of this.ordered()) {
      const { name, consumer, requirement } = c;
      if ((this.held.get(name) ?? 0) > Date.now()) continue;
      const gpuJob = needsGpus(requirement);
      if (!gpuJob && gpuWorkWaiting && this.o.cpuWorkOnGpuAgents !== 'always') continue;
      const gpus = assignGpus(this.o.capabilities.gpus, this.pool.busyGpus, requirement);
      if (!gpus) {
        if (gpuJob && (await this.waiting(name)) > 0) gpuWorkWaiting = true;
        continue;
      }
      if (this.o.mayTake && !(await this.o.mayTake(name, requirement))) continue;
      const token = `${this.o.agentId}-${++this.tokens}`;
      // Counted before the await: another repository's source shares the pool.
      this.pool.running++;
      for (const g of gpus) this.pool.busyGpus.add(g);
      const job = await consumer.take(token).catch(() => undefined);
      if (!job) {
        this.pool.running--;
        for (const g of gpus) this.pool.busyGpus.delete(g);
        continue;
      }
      c.claims++;
      this.order.served(c);
      return { job, requirement, gpus, token };
    }
    return undefined;
  }

  /** Takes nothing from `queue` for `ms`: a job handed back to another agent is left to it. */
  hold(queue: string, ms: number): void {
    this.held.set(queue, Date.now() + ms);
  }

  /** Frees the claim's slot and GPUs (after complete/fail). */
  release(claim: Claim): void {
    this.pool.running--;
    for (const g of claim.gpus) this.pool.busyGpus.delete(g);
    const c = this.consumers.get(claim.job.queue);
    if (c) c.claims--;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => c.consumer.close()));
  }
}
