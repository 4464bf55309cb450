import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SignedJob } from './job';
import { queueName, type Requirement } from './requirement';
import { registryValue, runQueueName } from './fairness';
import { redisConnection } from './redis-connection';
import { DEFAULT_MAX_ATTEMPTS } from './run-state';

/** Redis hash: queue name → canonical requirement JSON; agents read it to find queues they can serve. */
export const QUEUE_REGISTRY = 'fleet:queues';

/** The registry of one trust level's queues (`fleet:queues` for `trusted`, `fleet:queues:<level>` for others). */
export function queueRegistry(trust = 'trusted'): string {
  return trust === 'trusted' ? QUEUE_REGISTRY : `${QUEUE_REGISTRY}:${trust}`;
}
const PREFIX = 'fleet-bull';

export interface QueueSettings {
  redisUrl: string;
  /** The trust level whose queues these are. Default `trusted`. */
  trust?: string;
  /** Deliveries of one job before an infrastructure failure is final (agent died, lock lost). Default 3. */
  maxAttempts?: number;
  /** How long an agent's lock on a job lasts without renewal. Default 30 s. */
  lockMs?: number;
  /** How often stalled (unlocked active) jobs are looked for. Default 15 s. */
  stalledIntervalMs?: number;
  /**
   * The coordinator's run: its jobs go to queues of their own (`<class queue>.<runId>`), registered
   * with the run's priority and repository, so agents can rotate between runs (runner/fairness.ts).
   */
  run?: { runId: string; priority?: number; repo?: string };
}

/** BullMQ custom ids cannot hold ':' (task ids do), so the id is a digest of run and task. */
export function jobIdOf(runId: string, taskId: string, attempt = 1): string {
  return createHash('sha256')
    .update(`${runId}\n${taskId}${attempt > 1 ? `\n${attempt}` : ''}`)
    .digest('hex')
    .slice(0, 32);
}

/** Pub/sub channel: a queue name, published when a job is added (agents wake instead of polling). */
export const WAKE_CHANNEL = 'fleet:wake';

export interface EnqueueResult {
  queue: string;
  jobId: string;
  /** False when the job was already there (idempotent enqueue). */
  added: boolean;
}

/** The coordinator's side: one BullMQ queue per trust level and canonical requirement set, created on demand. */
export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly redis: Redis;

  constructor(private readonly settings: QueueSettings) {
    this.redis = redisConnection(settings.redisUrl, 'fleet-coordinator');
  }

  private queue(requirement: Requirement): Queue {
    const classQueue = queueName(requirement, this.settings.trust);
    const run = this.settings.run;
    const name = run ? runQueueName(classQueue, run.runId) : classQueue;
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: PREFIX });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Adds a job once: a second enqueue of the same run and task is a no-op. */
  async enqueue(job: SignedJob, priority = 0): Promise<EnqueueResult> {
    const { requirement, runId, taskId } = job.payload;
    const q = this.queue(requirement);
    const run = this.settings.run;
    const meta = run ? { run: run.runId, priority: run.priority, repo: run.repo } : {};
    await this.redis.hset(queueRegistry(this.settings.trust), q.name, registryValue(requirement, meta));
    const jobId = jobIdOf(runId, taskId, job.payload.attempt);
    const existing = await q.getJob(jobId);
    if (existing) return { queue: q.name, jobId, added: false };
    // BullMQ priorities: 1 is highest; 0 means none. Callers pass a rank (critical path first).
    // attempts: an agent's explicit infrastructure failure (fail()) is retried like a stalled job.
    const attempts = this.settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    // Finished jobs are kept a day: long enough for a run's idempotent re-enqueue, not forever.
    const keep = { age: 86_400 };
    await q.add(taskId.replace(/:/g, '/'), job, {
      jobId,
      attempts,
      priority: Math.min(Math.max(priority, 0), 2_097_152),
      removeOnComplete: keep,
      removeOnFail: keep,
    });
    await this.redis.publish(WAKE_CHANNEL, q.name);
    return { queue: q.name, jobId, added: true };
  }

  /** The job's BullMQ state: `failed` here means its deliveries ran out (infrastructure failure). */
  async state(requirement: Requirement, jobId: string): Promise<string> {
    return this.queue(requirement).getJobState(jobId);
  }

  /** Removes a run's jobs that no agent has taken (cancel, or the end of a run). */
  async remove(requirement: Requirement, jobId: string): Promise<void> {
    await this.queue(requirement)
      .remove(jobId)
      .catch(() => undefined);
  }

  /**
   * The run is over: its queues leave the registry (agents stop serving them) and their keys go.
   * Only for a coordinator's own per-run queues; the shared class queues stay.
   */
  async retire(): Promise<void> {
    if (!this.settings.run) return;
    for (const q of this.queues.values()) {
      await this.redis.hdel(queueRegistry(this.settings.trust), q.name);
      await q.obliterate({ force: true }).catch(() => undefined);
    }
  }

  get client(): Redis {
    return this.redis;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.redis.disconnect();
  }
}

/** A job an agent holds: its lock is renewed until `complete` or `release`. */
export interface ClaimedJob {
  queue: string;
  jobId: string;
  data: unknown;
  /** Ends the delivery (the task ran; its own status travels in the result stream). */
  complete(): Promise<void>;
  /** Ends the delivery as an infrastructure failure: BullMQ may hand the job to another agent. */
  fail(reason: string): Promise<void>;
  /** Stops renewing the lock and leaves the job as it is: it stalls and is redelivered (what a dead agent does). */
  abandon(): void;
  /** Gives the job back for `ms` without using up a delivery, so another agent can take it. */
  defer(ms: number): Promise<void>;
  /** Replaces the job's data (the signed payload is unchanged; used for the `avoid` hint). */
  update(data: unknown): Promise<void>;
}

/**
 * The agent's side of one queue: a BullMQ worker driven by hand (`getNextJob`), so the agent
 * decides when it has a free slot and free GPUs before it takes a job.
 */
export class QueueConsumer {
  private readonly worker: Worker;
  private readonly lockMs: number;

  constructor(
    readonly name: string,
    connection: Redis,
    settings: QueueSettings,
  ) {
    this.lockMs = settings.lockMs ?? 30_000;
    this.worker = new Worker(name, null, {
      connection,
      prefix: PREFIX,
      autorun: false,
      lockDuration: this.lockMs,
      stalledInterval: settings.stalledIntervalMs ?? 15_000,
      // A stalled job is an agent that died or lost its lock: redeliver until maxAttempts deliveries.
      maxStalledCount: (settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) - 1,
    });
    void this.worker.startStalledCheckTimer().catch(() => undefined);
  }

  /** Takes the next waiting job without blocking, or undefined. */
  async take(token: string): Promise<ClaimedJob | undefined> {
    const job = (await this.worker.getNextJob(token, { block: false })) as Job | undefined;
    if (!job?.id) return undefined;
    const renew = setInterval(
      () => void job.extendLock(token, this.lockMs).catch(() => undefined),
      Math.max(this.lockMs / 3, 200),
    );
    const done = (): void => clearInterval(renew);
    return {
      queue: this.name,
      jobId: job.id,
      data: job.data,
      complete: async () => {
        done();
        await job.moveToCompleted('done', token, false).catch(() => undefined);
      },
      fail: async (reason) => {
        done();
        await job.moveToFailed(new Error(reason), token, false).catch(() => undefined);
      },
      abandon: done,
      defer: async (ms) => {
        done();
        await job.moveToDelayed(Date.now() + ms, token).catch(() => undefined);
      },
      update: async (data) => void (await job.updateData(data as never).catch(() => undefined)),
    };
  }

  async close(): Promise<void> {
    await this.worker.close(true).catch(() => undefined);
  }
}
