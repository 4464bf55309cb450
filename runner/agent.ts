import * as os from 'node:os';
import type { Redis } from 'ioredis';
import { syncCheckout } from './checkout';
import type { Capabilities } from './hardware';
import type { AgentInfo, JobPayload, RunEvent, TaskResult } from './job';
import { JobSource, type Claim, type CpuWorkPolicy } from './job-source';
import { runNxTask } from './nx-task';
import { redisConnection } from './redis-connection';
import { runKeys } from './run-keys';
import { verifyJob } from './sign';

export interface AgentOptions {
  redisUrl: string;
  cacheUrl: string;
  cacheToken?: string;
  secret: string;
  workdir: string;
  capabilities: Capabilities;
  slots: number;
  id?: string;
  cpuWorkOnGpuAgents?: CpuWorkPolicy;
  maxAttempts?: number;
  /** How long a job stays locked to this agent without renewal (an agent that died is noticed after it). Default 30 s. */
  lockSeconds?: number;
  /** How often to look for work and new queues. Default 200 ms. */
  pollMs?: number;
  /** Heartbeat key TTL; refreshed every third of it. Default 15 s. */
  heartbeatSeconds?: number;
  /** Where the agent says what it does (the CLI prints these as JSON lines). */
  log(event: Record<string, unknown>): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `fleet agent`: registers its capabilities with a heartbeat, takes signed jobs from the queues
 * it satisfies, makes its checkout match the job's commit, runs `nx run` against the shared
 * remote cache and reports to the run's Redis streams.
 */
export class Agent {
  readonly id: string;
  private readonly redis: Redis;
  private readonly source: JobSource;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** The commit+patch the checkout holds, and how many tasks run on it (a new commit waits for 0). */
  private checkout = { key: '', users: 0 };

  constructor(private readonly o: AgentOptions) {
    this.id = o.id ?? `${os.hostname()}-${process.pid}`;
    this.redis = redisConnection(o.redisUrl, `fleet-agent-${this.id}`);
    const lockMs = (o.lockSeconds ?? 30) * 1000;
    // Stalled jobs are looked for twice per lock period, so a dead agent's job waits at most ~1.5 locks.
    const settings = { redisUrl: o.redisUrl, maxAttempts: o.maxAttempts, lockMs, stalledIntervalMs: lockMs / 2 };
    this.source = new JobSource({ agentId: this.id, connection: this.redis, capabilities: o.capabilities, slots: o.slots, settings, cpuWorkOnGpuAgents: o.cpuWorkOnGpuAgents });
  }

  private async heartbeat(): Promise<void> {
    const info: AgentInfo = { id: this.id, capabilities: this.o.capabilities, slots: this.o.slots, queues: this.source.queues(), startedAt: Date.now() };
    await this.redis.set(runKeys.agent(this.id), JSON.stringify(info), 'EX', this.o.heartbeatSeconds ?? 15);
  }

  /** Runs until {@link stop}; resolves after in-flight tasks end. */
  async run(): Promise<void> {
    await this.source.refresh();
    await this.heartbeat();
    this.o.log({ msg: 'agent ready', agent: this.id, labels: this.o.capabilities.labels, gpus: this.o.capabilities.gpus.length, slots: this.o.slots });
    let lastBeat = Date.now();
    while (!this.stopping) {
      try {
        if (Date.now() - lastBeat > ((this.o.heartbeatSeconds ?? 15) * 1000) / 3) (await this.source.refresh(), await this.heartbeat(), (lastBeat = Date.now()));
        const claim = await this.source.take();
        if (claim) {
          const p = this.handle(claim).finally(() => this.inFlight.delete(p));
          this.inFlight.add(p);
          continue;
        }
        await this.source.refresh();
      } catch (err) {
        // Redis down or restarting: keep trying; ioredis reconnects by itself.
        this.o.log({ msg: 'agent loop error', error: (err as Error).message });
      }
      await sleep(this.o.pollMs ?? 200);
    }
    await Promise.all(this.inFlight);
  }

  async stop(): Promise<void> {
    this.stopping = true;
  }

  async close(): Promise<void> {
    await this.source.close();
    await this.redis.del(runKeys.agent(this.id)).catch(() => undefined);
    this.redis.disconnect();
  }

  private async emit(runId: string, event: RunEvent): Promise<void> {
    await this.redis.xadd(runKeys.events(runId), '*', 'e', JSON.stringify(event));
  }

  private async handle(claim: Claim): Promise<void> {
    const verified = verifyJob(claim.job.data, this.o.secret);
    if (!verified.ok) {
      const payload = (claim.job.data as { payload?: Partial<JobPayload> } | undefined)?.payload;
      this.o.log({ msg: 'job refused', code: verified.code, reason: verified.message, queue: claim.job.queue, taskId: payload?.taskId });
      if (typeof payload?.runId === 'string' && /^[A-Za-z0-9_.-]+$/.test(payload.runId)) {
        await this.emit(payload.runId, { type: 'refused', taskId: payload.taskId, agent: this.id, code: verified.code, message: verified.message }).catch(() => undefined);
      }
      // Completed, not failed: a refused job must not be redelivered to another agent.
      await claim.job.complete();
      this.source.release(claim);
      return;
    }
    try {
      const result = await this.execute(verified.payload, claim.gpus);
      await this.emit(result.runId, { type: 'finished', result });
      await claim.job.complete();
    } catch (err) {
      this.o.log({ msg: 'job infrastructure failure', taskId: verified.payload.taskId, error: (err as Error).message });
      await claim.job.fail((err as Error).message);
    } finally {
      this.source.release(claim);
    }
  }

  /** Waits until the checkout holds the job's commit (switching only when no task uses it). */
  private async enterCheckout(p: JobPayload): Promise<TaskResult['code'] | { code: TaskResult['code']; message: string } | undefined> {
    const key = `${p.commit}:${p.patchKey ?? ''}`;
    while (this.checkout.key !== key && this.checkout.users > 0) await sleep(100);
    if (this.checkout.key !== key) {
      this.checkout = { key: 'switching', users: 1 };
      const patch = p.patchKey ? ((await this.redis.get(p.patchKey)) ?? undefined) : undefined;
      const r = await syncCheckout(this.o.workdir, p.commit, patch);
      this.checkout = { key: r.ok ? key : '', users: 0 };
      if (!r.ok) return { code: r.code, message: r.message };
    }
    this.checkout.users++;
    return undefined;
  }

  private async execute(p: JobPayload, gpus: number[]): Promise<TaskResult> {
    const startedAt = Date.now();
    const base = { runId: p.runId, taskId: p.taskId, agent: this.id, attempt: p.attempt, startedAt, gpus };
    await this.emit(p.runId, { type: 'started', taskId: p.taskId, agent: this.id, attempt: p.attempt, at: startedAt, gpus });
    this.o.log({ msg: 'task started', runId: p.runId, taskId: p.taskId, gpus });
    const entered = await this.enterCheckout(p);
    if (typeof entered === 'object') return { ...base, status: 'failure', exitCode: null, endedAt: Date.now(), code: entered.code, message: entered.message };
    try {
      const outcome = await runNxTask({
        workdir: this.o.workdir,
        taskId: [p.project, p.target, p.configuration].filter(Boolean).join(':'),
        env: this.taskEnv(gpus),
        onLine: (stream, line) => void this.redis.xadd(runKeys.log(p.runId), 'MAXLEN', '~', '200000', '*', 'taskId', p.taskId, 'agent', this.id, 'stream', stream, 'line', line).catch(() => undefined),
      });
      const endedAt = Date.now();
      this.o.log({ msg: 'task finished', runId: p.runId, taskId: p.taskId, outcome });
      if ('error' in outcome) return { ...base, status: 'failure', exitCode: null, endedAt, code: 'FLEET_SPAWN_FAILED', message: outcome.error };
      return { ...base, status: outcome.exitCode === 0 ? 'success' : 'failure', exitCode: outcome.exitCode, endedAt, code: outcome.exitCode === 0 ? undefined : 'FLEET_TASK_EXIT' };
    } finally {
      this.checkout.users--;
    }
  }

  private taskEnv(gpus: number[]): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, NX_SELF_HOSTED_REMOTE_CACHE_SERVER: this.o.cacheUrl, NX_TUI: 'false', FLEET_SECRET: undefined, FLEET_CACHE_TOKEN: undefined };
    if (this.o.cacheToken) env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN = this.o.cacheToken;
    // A CPU task on a GPU machine must not grab a GPU a GPU task was given.
    env.CUDA_VISIBLE_DEVICES = gpus.join(',');
    env.NVIDIA_VISIBLE_DEVICES = gpus.length ? gpus.join(',') : 'void';
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    return env;
  }
}
