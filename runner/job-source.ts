import type { Redis } from 'ioredis';
import type { Capabilities } from './hardware';
import { queueRegistry, QueueConsumer, type ClaimedJob, type QueueSettings } from './queue';
import { canonicalRequirement, needsGpus, type Requirement } from './requirement';
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
}

/** A job taken with the slot and GPUs reserved for it. */
export interface Claim {
  job: ClaimedJob;
  requirement: Requirement;
  gpus: number[];
  token: string;
}

const PREFIX = 'fleet-bull';

/**
 * Decides which queue an agent takes its next job from: only queues whose requirement the agent
 * satisfies, never more jobs than slots, never a GPU job without free GPUs to assign to it.
 */
export class JobSource {
  private readonly consumers = new Map<string, { consumer: QueueConsumer; requirement: Requirement }>();
  private readonly busyGpus = new Set<number>();
  private running = 0;
  private tokens = 0;
  /** Queue → time until which this agent takes nothing from it (it just handed a job back). */
  private readonly held = new Map<string, number>();

  constructor(private readonly o: JobSourceOptions) {}

  /** Subscribes to queues of its trust level created since the last call whose requirement this agent satisfies. */
  async refresh(): Promise<string[]> {
    const registry = await this.o.connection.hgetall(queueRegistry(this.o.settings.trust));
    for (const [name, json] of Object.entries(registry)) {
      if (this.consumers.has(name)) continue;
      const requirement = canonicalRequirement(JSON.parse(json) as Requirement);
      if (!satisfies(this.o.capabilities, requirement).ok) continue;
      if (!needsGpus(requirement) && this.o.capabilities.gpus.length > 0 && this.o.cpuWorkOnGpuAgents === 'never')
        continue;
      this.consumers.set(name, { consumer: new QueueConsumer(name, this.o.connection, this.o.settings), requirement });
    }
    return this.queues();
  }

  queues(): string[] {
    return [...this.consumers.keys()].sort();
  }

  get free(): number {
    return this.o.slots - this.running;
  }

  private async waiting(name: string): Promise<number> {
    const [list, prioritized] = await Promise.all([
      this.o.connection.llen(`${PREFIX}:${name}:wait`),
      this.o.connection.zcard(`${PREFIX}:${name}:prioritized`),
    ]);
    return list + prioritized;
  }

  /** GPU queues first: the expensive hardware goes to the work that needs it. */
  private ordered(): Array<[string, { consumer: QueueConsumer; requirement: Requirement }]> {
    return [...this.consumers.entries()].sort(
      ([a, x], [b, y]) => Number(needsGpus(y.requirement)) - Number(needsGpus(x.requirement)) || (a < b ? -1 : 1),
    );
  }

  /** Takes one job if a slot (and GPUs) are free and a satisfiable queue has one. */
  async take(): Promise<Claim | undefined> {
    if (this.running >= this.o.slots) return undefined;
    let gpuWorkWaiting = false;
    for (const [name, { consumer, requirement }] of this.ordered()) {
      if ((this.held.get(name) ?? 0) > Date.now()) continue;
      const gpuJob = needsGpus(requirement);
      if (!gpuJob && gpuWorkWaiting && this.o.cpuWorkOnGpuAgents !== 'always') continue;
      const gpus = assignGpus(this.o.capabilities.gpus, this.busyGpus, requirement);
      if (!gpus) {
        if (gpuJob && (await this.waiting(name)) > 0) gpuWorkWaiting = true;
        continue;
      }
      const token = `${this.o.agentId}-${++this.tokens}`;
      const job = await consumer.take(token);
      if (!job) continue;
      this.running++;
      for (const g of gpus) this.busyGpus.add(g);
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
    this.running--;
    for (const g of claim.gpus) this.busyGpus.delete(g);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => c.consumer.close()));
  }
}
