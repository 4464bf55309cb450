import { spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import { syncCheckout } from './checkout';
import { checkoutKey, verifiedPatch, type CheckoutFailure, type CheckoutTarget } from './checkout-lease';
import { CheckoutPool, type PooledCheckout } from './checkout-pool';
import type { Capabilities } from './hardware';
import { installIfChanged } from './install-step';
import { isolatedCheckout, writeIsolationGitConfig } from './isolated-checkout';
import type { AgentInfo, JobPayload, RunEvent, SignedJob, TaskFailureCode, TaskResult } from './job';
import { liveAgents } from './live-agents';
import { CheaperFirst } from './cost';
import { JobSource, type Claim, type CpuWorkPolicy, type SlotPool } from './job-source';
import { repoRefusal } from './repositories';
import { runNxTask } from './nx-task';
import { spawnNx } from './nx-spawn';
import { WarmNx } from './nx-warm';
import { WAKE_CHANNEL } from './queue';
import { redisConnection } from './redis-connection';
import type { Requirement } from './requirement';
import { agentTakes } from './satisfies';
import { runKeys } from './run-keys';
import { endMarkedProcesses, newRunMark, waitDead } from './run-leftovers';
import { RunWatches, runGone } from './run-watch';
import { otherLevelsInRedis } from './shared-redis';
import { mintRunToken } from './run-token-client';
import { verifyJob } from './sign';
import { nxRunArgv, nxTaskArg } from './task-names';
import { giveTo, type TaskUser } from './task-user';
import { readTaskResult } from './task-results';
import { agentTaskEnv } from './task-env';

export interface AgentOptions {
  redisUrl: string;
  cacheUrl: string;
  /** A standing cache token (trusted agents). An agent that isolates runs refuses one. */
  cacheToken?: string;
  /** A mint token of the cache server: per-run tokens for untrusted runs (cache/run-tokens.ts). */
  cacheMintToken?: string;
  /** The trust level this agent serves (`fleet agent --trust`). Default `trusted`. */
  trust?: string;
  /** That level's Ed25519 public key; without it every job is refused (FLEET_NO_PUBLIC_KEY). */
  publicKey?: KeyObject;
  /**
   * Nothing survives from one run to the next (runner/isolated-checkout.ts), tasks get per-run
   * cache tokens, no resident nx processes and no daemon. Default: on for every level but `trusted`.
   */
  isolateRuns?: boolean;
  /** Run the repository's code (install, nx) as this user (`--task-user`). */
  taskUser?: TaskUser;
  workdir: string;
  capabilities: Capabilities;
  slots: number;
  id?: string;
  cpuWorkOnGpuAgents?: CpuWorkPolicy;
  /**
   * An isolating agent whose Redis holds another level's agents or queues (FLEET_REDIS_SHARED):
   * `warn` logs it; `refuse` does not start, or stops (after its running tasks) when it appears
   * later. Default `warn`.
   */
  sharedRedis?: 'warn' | 'refuse';
  maxAttempts?: number;
  /** How long a job stays locked to this agent without renewal (an agent that died is noticed after it). Default 30 s. */
  lockSeconds?: number;
  /** How often to look for work when no wake-up came (jobs added wake agents through pub/sub). Default 1000 ms. */
  pollMs?: number;
  /** Heartbeat key TTL; refreshed every third of it. Default 15 s. */
  heartbeatSeconds?: number;
  /** A run whose coordinator heartbeat has not changed for this long is abandoned: its tasks stop. Default 60 s. */
  abandonAfterSeconds?: number;
  /** `auto` (from the lockfile), `none`, or a shell command run when the lockfile changed. Default `auto`. */
  installCommand?: string;
  /**
   * Keep an Nx daemon in the checkout (restarted when the checkout changes commit). Default: only
   * without resident nx processes (`warmNx: false`), which do the daemon's job cheaper (bench/dte);
   * NX_DAEMON=true|false decides when set.
   */
  daemon?: boolean;
  /** Keep resident nx processes that have loaded Nx's code and run task after task (runner/nx-warm.ts). Default true. */
  warmNx?: boolean;
  /**
   * Checkouts of the repository at most, the clone included (runner/checkout-pool.ts): runs at
   * different commits each keep one instead of switching the commit under each other. Default
   * {@link defaultCheckouts}; an isolating agent always has one.
   */
  checkouts?: number;
  /** Exit after this long with no task running or taken (CI agents that should end with the run). */
  idleExitSeconds?: number;
  /** Where the agent says what it does (the CLI prints these as JSON lines). */
  log(event: Record<string, unknown>): void;
  /** The repository id this agent serves (`--repo id=url`, runner/repositories.ts); absent: `workdir`'s own. */
  repo?: string;
  /** Slots and GPUs shared with the process's agents of other repositories. */
  pool?: SlotPool;
  /** Price per hour (runner/cost.ts); cheaper capable agents take jobs first. Default 0. */
  costPerHour?: number;
  /** How long a job waits for a cheaper capable agent before this one takes it (`--cheaper-wait`). Default 30 s. */
  cheaperWaitMs?: number;
}

/** The default of `--checkouts`: one more than the slots (two runs on a one-slot agent), at most 3. */
export function defaultCheckouts(slots: number): number {
  return Math.min(slots + 1, 3);
}

/** What an agent keeps per checkout. */
interface CheckoutState {
  /** Resident nx processes started in this checkout (none on an isolating agent, or with `--no-warm`). */
  warm?: WarmNx;
  /** Where nx-fleet's hook writes this checkout's task results (and the residents' job files). */
  resultsDir: string;
}

type Checkout = PooledCheckout<CheckoutState>;

/** The origin URL of the agent's clone, read once at start: later a task could change `.git/config`. */
function readOriginUrl(workdir: string): string {
  const r = spawnSync('git', ['remote', 'get-url', 'origin'], { cwd: workdir, encoding: 'utf8' });
  const url = r.stdout?.trim();
  if (r.status !== 0 || !url)
    throw Object.assign(new Error(`${workdir}: no git remote "origin" (an isolating agent clones each run from it)`), {
      code: 'FLEET_CHECKOUT_FAILED',
    });
  return url;
}

/**
 * `fleet agent`: registers its capabilities with a heartbeat, takes signed jobs from the queues
 * it satisfies, makes its checkout match the job's commit, runs `nx run` against the shared
 * remote cache and reports to the run's Redis streams.
 */
export class Agent {
  readonly id: string;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly source: JobSource;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly checkouts: CheckoutPool<CheckoutState>;
  private readonly runs: RunWatches;
  private readonly resultsDir: string;
  private wake: (() => void) | undefined;
  private poked = false;
  private readonly daemon: boolean;
  private readonly trust: string;
  private readonly isolate: boolean;
  /** Isolated agents: the origin URL read at start, the per-run HOME of tasks, the current run token. */
  private readonly originUrl: string = '';
  private readonly stateDir: string;
  private runToken: { runKey: string; token: string; expiresAt: number } | undefined;
  /** Isolated agents: the mark every process of the current run inherits (run-leftovers.ts). */
  private runMark = '';
  /** The other levels last warned about (FLEET_REDIS_SHARED), and the refusal under `--shared-redis refuse`. */
  private sharedWarned = '';
  private refusal: Error | undefined;

  constructor(private readonly o: AgentOptions) {
    this.id = o.id ?? `${os.hostname()}-${process.pid}`;
    this.trust = o.trust ?? 'trusted';
    this.isolate = o.isolateRuns ?? this.trust !== 'trusted';
    if (this.isolate && o.cacheToken)
      throw Object.assign(
        new Error(
          `an agent of trust level "${this.trust}" isolates runs and takes no standing cache token (FLEET_CACHE_TOKEN); give it a mint token (FLEET_CACHE_MINT_TOKEN)`,
        ),
        { code: 'FLEET_STANDING_TOKEN' },
      );
    if (this.isolate && !o.cacheMintToken)
      throw Object.assign(
        new Error(
          `an agent of trust level "${this.trust}" needs a mint token (FLEET_CACHE_MINT_TOKEN) for per-run cache tokens`,
        ),
        { code: 'FLEET_NO_MINT_TOKEN' },
      );
    if (this.isolate) this.originUrl = readOriginUrl(o.workdir);
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-agent-state-'));
    // The task user may pass through (to its per-run HOME) but not list or read the agent's files.
    fs.chmodSync(this.stateDir, 0o711);
    if (this.isolate) writeIsolationGitConfig(this.gitConfigFile);
    this.redis = redisConnection(o.redisUrl, `fleet-agent-${this.id}`);
    this.runs = new RunWatches(this.redis, (e) => o.log(e), (o.abandonAfterSeconds ?? 60) * 1000);
    this.sub = redisConnection(o.redisUrl, `fleet-agent-sub-${this.id}`);
    const lockMs = (o.lockSeconds ?? 30) * 1000;
    // Stalled jobs are looked for twice per lock period, so a dead agent's job waits at most ~1.5 locks.
    const settings = {
      redisUrl: o.redisUrl,
      trust: this.trust,
      maxAttempts: o.maxAttempts,
      lockMs,
      stalledIntervalMs: lockMs / 2,
    };
    const cheaper = new CheaperFirst({
      redis: this.redis,
      agentId: this.id,
      trust: this.trust,
      repo: o.repo ?? '',
      price: o.costPerHour ?? 0,
      waitMs: o.cheaperWaitMs ?? 30_000,
    });
    this.source = new JobSource({
      agentId: this.id,
      connection: this.redis,
      capabilities: o.capabilities,
      slots: o.slots,
      settings,
      cpuWorkOnGpuAgents: o.cpuWorkOnGpuAgents,
      pool: o.pool,
      repo: o.repo,
      mayTake: o.costPerHour ? (q, r) => cheaper.mayTake(q, r) : undefined,
    });
    this.resultsDir = this.isolate
      ? path.join(this.runHome, 'results')
      : fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-agent-results-'));
    // Resident processes and a daemon would carry an untrusted run's state into the next run.
    this.daemon = this.isolate
      ? false
      : (o.daemon ??
        (process.env.NX_DAEMON === 'true' ? true : process.env.NX_DAEMON === 'false' ? false : o.warmNx === false));
    const warm = o.warmNx !== false && !this.isolate;
    this.checkouts = new CheckoutPool<CheckoutState>({
      primary: o.workdir,
      // An isolated run's checkout is made afresh per run (runner/isolated-checkout.ts): one.
      max: this.isolate ? 1 : (o.checkouts ?? defaultCheckouts(o.slots)),
      base: path.join(this.stateDir, 'checkouts'),
      attach: ({ index, dir }) => {
        // The clone's results folder is the agent's; a worktree's is a folder of its own in it.
        const resultsDir = index === 0 ? this.resultsDir : path.join(this.resultsDir, `checkout-${index}`);
        if (index > 0) fs.mkdirSync(resultsDir, { recursive: true });
        const state: CheckoutState = { resultsDir };
        if (warm)
          state.warm = new WarmNx(dir, resultsDir, () => this.taskEnv([], undefined, state), Math.min(o.slots, 4));
        return state;
      },
    });
  }

  private get runHome(): string {
    return path.join(this.stateDir, 'home');
  }

  private get gitConfigFile(): string {
    return path.join(this.stateDir, 'gitconfig');
  }

  private async heartbeat(): Promise<void> {
    const info: AgentInfo = {
      id: this.id,
      trust: this.trust,
      capabilities: this.o.capabilities,
      slots: this.o.slots,
      queues: this.source.queues(),
      startedAt: Date.now(),
      cpuWorkOnGpuAgents: this.o.cpuWorkOnGpuAgents ?? 'when-idle',
      costPerHour: this.o.costPerHour ?? 0,
      ...(this.o.repo ? { repo: this.o.repo } : {}),
    };
    await this.redis.set(runKeys.agent(this.id), JSON.stringify(info), 'EX', this.o.heartbeatSeconds ?? 15);
    if (this.isolate) await this.checkShared();
  }

  /**
   * An isolating (untrusted) agent whose Redis also holds another level's agents or queues: its
   * tasks, if they ever hold its Redis URL, reach that level's runs (run keys carry no level).
   * Logged once per new set of levels, as a warning with a stable code.
   */
  private async checkShared(): Promise<void> {
    const seen = await otherLevelsInRedis(this.redis, this.trust);
    const levels = seen.levels.join(',');
    if (!levels || levels === this.sharedWarned) return;
    this.sharedWarned = levels;
    const refuse = this.o.sharedRedis === 'refuse';
    if (refuse) {
      this.refusal = Object.assign(
        new Error(
          `this Redis also serves trust level(s) ${seen.levels.join(', ')} (${seen.evidence.slice(0, 3).join('; ')}): an agent of level "${this.trust}" with --shared-redis refuse does not serve it; give it a Redis of its own`,
        ),
        { code: 'FLEET_REDIS_SHARED' },
      );
      this.stopping = true;
      this.poke();
    }
    this.o.log({
      msg: refuse
        ? 'REFUSING: this Redis is shared with another trust level'
        : 'WARNING: this Redis is shared with another trust level',
      level: refuse ? 'error' : 'warn',
      code: 'FLEET_REDIS_SHARED',
      trust: this.trust,
      otherLevels: seen.levels,
      evidence: seen.evidence.slice(0, 10),
      detail:
        'run keys carry no trust level, so a task that reaches this Redis reads and deletes the other level’s runs; give pull-request agents a Redis of their own (docs/distributed.md#one-redis-per-trust-level)',
    });
  }

  /** Sleeps up to `ms`, or until a job is added, a slot frees, or the agent stops. */
  private nap(ms: number): Promise<void> {
    if (this.poked) return Promise.resolve(void (this.poked = false));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Wakes the loop now, or makes its next nap return at once (a wake-up is never lost). */
  private poke(): void {
    if (this.wake) this.wake();
    else this.poked = true;
  }

  private async subscribe(): Promise<void> {
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === WAKE_CHANNEL) this.poke();
      else if (channel === runKeys.cancelChannel)
        this.runs.stop(message, 'FLEET_RUN_CANCELLED', 'the coordinator cancelled the run');
      else if (channel === runKeys.prepareChannel) void this.prepare(message).catch(() => undefined);
    });
    await this.sub.subscribe(WAKE_CHANNEL, runKeys.cancelChannel, runKeys.prepareChannel);
  }

  /** Runs until {@link stop}; resolves after in-flight tasks end. */
  async run(): Promise<void> {
    await this.subscribe();
    await this.source.refresh();
    if (this.isolate) await this.checkShared();
    if (this.refusal) {
      await this.close();
      throw this.refusal;
    }
    await this.heartbeat();
    this.o.log({
      msg: 'agent ready',
      agent: this.id,
      trust: this.trust,
      isolateRuns: this.isolate,
      taskUser: this.o.taskUser?.name,
      labels: this.o.capabilities.labels,
      gpus: this.o.capabilities.gpus.length,
      slots: this.o.slots,
      daemon: this.daemon,
      checkouts: this.checkouts.max,
      costPerHour: this.o.costPerHour ?? 0,
      ...(this.o.repo ? { repo: this.o.repo, workdir: this.o.workdir } : {}),
    });
    let lastBeat = Date.now();
    let lastWork = Date.now();
    const watchdog = setInterval(() => void this.runs.check().catch(() => undefined), 1000);
    try {
      while (!this.stopping) {
        try {
          if (Date.now() - lastBeat > ((this.o.heartbeatSeconds ?? 15) * 1000) / 3)
            (await this.heartbeat(), (lastBeat = Date.now()));
          // One HGETALL: a queue created since the last look is news only the registry has.
          await this.source.refresh();
          for (let claim = await this.source.take(); claim; claim = await this.source.take()) {
            const p = this.handle(claim).finally(() => {
              this.inFlight.delete(p);
              this.poke();
            });
            this.inFlight.add(p);
          }
          if (this.inFlight.size > 0) lastWork = Date.now();
          else if (this.o.idleExitSeconds && Date.now() - lastWork > this.o.idleExitSeconds * 1000) {
            this.o.log({ msg: 'agent idle, exiting', idleSeconds: this.o.idleExitSeconds });
            break;
          }
        } catch (err) {
          // Redis down or restarting: keep trying; ioredis reconnects by itself.
          this.o.log({ msg: 'agent loop error', error: (err as Error).message });
        }
        await this.nap(this.o.pollMs ?? 1000);
      }
    } finally {
      clearInterval(watchdog);
    }
    await Promise.all(this.inFlight);
    if (this.refusal) {
      await this.close();
      throw this.refusal;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
  }

  async close(): Promise<void> {
    for (const c of this.checkouts.checkouts) c.data.warm?.close();
    await this.source.close();
    await this.redis.del(runKeys.agent(this.id)).catch(() => undefined);
    for (const c of this.checkouts.checkouts)
      if (this.daemon && c.lease.holds) await this.nx(['daemon', '--stop'], c).catch(() => undefined);
    this.checkouts.close();
    this.sub.disconnect();
    this.redis.disconnect();
    if (this.isolate) await this.endLeftovers();
    fs.rmSync(this.resultsDir, { recursive: true, force: true });
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  private async emit(runId: string, event: RunEvent): Promise<void> {
    await this.redis.xadd(runKeys.events(runId), '*', 'e', JSON.stringify(event));
  }

  /**
   * Whether a live agent other than the avoided ones could run the job. Capabilities, not the
   * queue lists in heartbeats: an agent subscribes to a new queue before its next heartbeat says so.
   */
  private async otherAgentCan(requirement: Requirement, avoid: string[]): Promise<boolean> {
    return (await liveAgents(this.redis)).some(
      (a) => !avoid.includes(a.id) && (a.trust ?? 'trusted') === this.trust && agentTakes(a, requirement),
    );
  }

  private async handle(claim: Claim): Promise<void> {
    // The agent's own level and key decide, whatever queue the job was found in.
    const verified = verifyJob(claim.job.data, { level: this.trust, publicKey: this.o.publicKey });
    if (!verified.ok) {
      const payload = (claim.job.data as { payload?: Partial<JobPayload> } | undefined)?.payload;
      this.o.log({
        msg: 'job refused',
        code: verified.code,
        reason: verified.message,
        queue: claim.job.queue,
        taskId: payload?.taskId,
      });
      if (typeof payload?.runId === 'string' && /^[A-Za-z0-9_.-]+$/.test(payload.runId)) {
        await this.emit(payload.runId, {
          type: 'refused',
          taskId: payload.taskId,
          agent: this.id,
          code: verified.code,
          message: verified.message,
        }).catch(() => undefined);
      }
      // Completed, not failed: a refused job must not be redelivered to another agent.
      await claim.job.complete();
      this.source.release(claim);
      return;
    }
    const p = verified.payload;
    // The signed payload names the repository; only the agent's own map says where it is.
    if ((p.repo ?? '') !== (this.o.repo ?? '')) return this.refuseRepo(claim, p);
    const data = claim.job.data as SignedJob & { deferrals?: number };
    try {
      // A retry should land on another agent than the ones that failed it, if one can take it soon.
      if (
        data.avoid?.includes(this.id) &&
        (data.deferrals ?? 0) < 5 &&
        (await this.otherAgentCan(claim.requirement, data.avoid))
      ) {
        await claim.job.update({ ...data, deferrals: (data.deferrals ?? 0) + 1 });
        await claim.job.defer(200);
        // Leave the queue to the others for a while, and wake them when the job is back.
        this.source.hold(claim.job.queue, 1500);
        setTimeout(() => void this.redis.publish(WAKE_CHANNEL, claim.job.queue).catch(() => undefined), 250);
        return;
      }
      const gone = await runGone(this.redis, p.runId);
      if (gone) {
        this.o.log({ msg: 'job skipped', runId: p.runId, taskId: p.taskId, why: gone.message });
        const now = Date.now();
        await this.emit(p.runId, {
          type: 'finished',
          result: {
            runId: p.runId,
            taskId: p.taskId,
            agent: this.id,
            attempt: p.attempt,
            status: 'failure',
            exitCode: null,
            startedAt: now,
            endedAt: now,
            gpus: [],
            code: gone.code,
            message: gone.message,
          },
        });
        await claim.job.complete();
        return;
      }
      const result = await this.execute(p, claim.gpus);
      await this.emit(result.runId, { type: 'finished', result });
      await claim.job.complete();
    } catch (err) {
      this.o.log({ msg: 'job infrastructure failure', taskId: p.taskId, error: (err as Error).message });
      await claim.job.update({ ...data, avoid: [...(data.avoid ?? []), this.id] });
      await claim.job.fail((err as Error).message);
    } finally {
      this.source.release(claim);
    }
  }

  /** A job of another repository than this agent's (FLEET_UNKNOWN_REPO): completed, so it is not redelivered. */
  private async refuseRepo(claim: Claim, p: JobPayload): Promise<void> {
    const message = repoRefusal(p.repo, this.o.repo);
    this.o.log({
      msg: 'job refused',
      code: 'FLEET_UNKNOWN_REPO',
      reason: message,
      queue: claim.job.queue,
      taskId: p.taskId,
    });
    const refused: RunEvent = {
      type: 'refused',
      taskId: p.taskId,
      agent: this.id,
      code: 'FLEET_UNKNOWN_REPO',
      message,
    };
    await this.emit(p.runId, refused).catch(() => undefined);
    await claim.job.complete();
    this.source.release(claim);
  }

  /** Runs fleet's copy of nx in a checkout (daemon start/stop); output goes nowhere. */
  private nx(args: string[], c: Checkout): Promise<number | null> {
    return spawnNx(args, { cwd: c.dir, env: this.taskEnv([], undefined, c.data) });
  }

  /**
   * A run is starting: an idle agent moves its checkout to the run's commit now, while the
   * coordinator asks Nx for the task graph, so its first task does not wait for fetch and
   * checkout. Only a checkout: the message is not signed, and nothing runs until a signed job comes.
   */
  private async prepare(message: string): Promise<void> {
    // An isolated agent's checkout belongs to one run, made when its first signed job comes.
    if (this.isolate) return;
    const m = JSON.parse(message) as {
      runId?: unknown;
      commit?: unknown;
      patchKey?: unknown;
      patchSha256?: unknown;
      trust?: unknown;
      repo?: unknown;
    };
    if ((m.trust ?? 'trusted') !== this.trust || (m.repo ?? '') !== (this.o.repo ?? '')) return;
    if (typeof m.commit !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(m.commit)) return;
    if (
      m.patchKey !== undefined &&
      (typeof m.patchKey !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$/.test(m.patchKey))
    )
      return;
    if (m.patchKey !== undefined && (typeof m.patchSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.patchSha256)))
      return;
    // The key holds the patch's digest: a job (whose digest is signed) uses this checkout only
    // when its patch is this one, so a forged prepare message can never stand in for a job's patch.
    const target: CheckoutTarget = {
      runId: String(m.runId),
      commit: m.commit,
      patchKey: m.patchKey as string | undefined,
      patchSha256: m.patchSha256 as string | undefined,
    };
    if (this.stopping) return;
    const started = Date.now();
    const prepared = await this.checkouts.prepare(checkoutKey(target, false), (c) =>
      this.switchCheckout(c, target, () => undefined),
    );
    if (!prepared) return;
    const failed = prepared.failed;
    this.o.log({
      msg: 'checkout prepared',
      runId: m.runId,
      commit: m.commit,
      ms: Date.now() - started,
      ...(failed ? { error: failed.message } : {}),
    });
  }

  /** Waits for a checkout that holds the job's commit (switching one only when no task uses it). */
  private enterCheckout(
    p: JobPayload,
    onLine: (line: string) => void,
  ): Promise<{ checkout: Checkout; failed?: CheckoutFailure }> {
    return this.checkouts.enter(checkoutKey(p, this.isolate), (c) => this.switchCheckout(c, p, onLine));
  }

  /** Moves checkout `c` to the target's commit and patch; logged as `checkout switch` (bench/fairness counts them). */
  private async switchCheckout(
    c: Checkout,
    t: CheckoutTarget,
    onLine: (line: string) => void,
  ): Promise<CheckoutFailure | undefined> {
    const startedAt = Date.now();
    const from = c.lease.previous;
    const created = !c.created;
    let failed: CheckoutFailure | undefined;
    try {
      failed = await this.changeCheckout(c, t, onLine);
    } catch (err) {
      failed = { code: 'FLEET_CHECKOUT_FAILED', message: (err as Error).message };
      throw err;
    } finally {
      this.o.log({
        msg: 'checkout switch',
        checkout: c.index,
        dir: c.dir,
        runId: t.runId,
        commit: t.commit,
        ...(created ? { created } : { from: from.split(':')[0] || undefined }),
        startedAt,
        endedAt: Date.now(),
        ...(failed ? { error: failed.message } : {}),
      });
    }
    return failed;
  }

  private async changeCheckout(
    c: Checkout,
    t: CheckoutTarget,
    onLine: (line: string) => void,
  ): Promise<CheckoutFailure | undefined> {
    // Resident processes hold state of the old files, and a new commit can bring another nx: start afresh.
    c.data.warm?.discard();
    this.runToken = undefined;
    const patch = await verifiedPatch(this.redis, t, (e) => this.o.log(e));
    if (!patch.ok) return patch;
    const { commit } = t;
    const user = this.o.taskUser;
    if (this.isolate) await this.endLeftovers(t.runId);
    const r = this.isolate
      ? await isolatedCheckout(
          {
            workdir: this.o.workdir,
            runHome: this.runHome,
            originUrl: this.originUrl,
            user,
            gitConfigFile: this.gitConfigFile,
          },
          commit,
          patch.patch,
        )
      : await this.syncPooled(c, commit, patch.patch);
    if (!r.ok) return { code: r.code, message: r.message };
    this.checkouts.linkDependencies(c, this.o.installCommand);
    if (this.isolate) (fs.mkdirSync(this.resultsDir, { recursive: true }), giveTo(user, this.resultsDir));
    // The stamp of an isolated run lives in the run's HOME, made afresh with the checkout.
    const as = this.isolate
      ? { env: this.taskEnv([]), uid: user?.uid, gid: user?.gid, stampFile: path.join(this.runHome, '.install-stamp') }
      : {};
    const installed = await installIfChanged(c.dir, this.o.installCommand, onLine, as);
    if (installed.ran) this.o.log({ msg: 'install', ok: installed.ok, commit, checkout: c.index });
    if (installed.ran && !installed.ok) return { code: 'FLEET_INSTALL_FAILED', message: installed.message };
    if (this.daemon) {
      // A new commit: restart the daemon so no task sees a project graph of the old files.
      await this.nx(['daemon', '--stop'], c);
      await this.nx(['daemon', '--start'], c);
    }
    c.data.warm?.fill();
    return undefined;
  }

  /** A worktree is made on its first switch; then it is synced like the clone. */
  private async syncPooled(c: Checkout, commit: string, patch?: string): ReturnType<typeof syncCheckout> {
    const made = await this.checkouts.createWorktree(c);
    if (made) return { ok: false, code: 'FLEET_CHECKOUT_FAILED', message: made.message };
    return syncCheckout(c.dir, commit, patch);
  }

  /** Ends what the previous isolated run left running, and marks the next run's processes. */
  private async endLeftovers(runId?: string): Promise<void> {
    if (this.runMark) {
      const ended = endMarkedProcesses(this.runMark);
      if (ended.length) {
        const gone = await waitDead(ended);
        this.o.log({ msg: 'ended leftover processes', pids: ended, beforeRun: runId, gone });
      }
    }
    this.runMark = runId === undefined ? '' : newRunMark();
  }

  private async execute(p: JobPayload, gpus: number[]): Promise<TaskResult> {
    const startedAt = Date.now();
    const base = {
      runId: p.runId,
      taskId: p.taskId,
      agent: this.id,
      attempt: p.attempt,
      startedAt,
      gpus,
      costPerHour: this.o.costPerHour ?? 0,
    };
    await this.emit(p.runId, {
      type: 'started',
      taskId: p.taskId,
      agent: this.id,
      attempt: p.attempt,
      at: startedAt,
      gpus,
    });
    this.o.log({ msg: 'task started', runId: p.runId, taskId: p.taskId, gpus });
    const onLine = (stream: 'stdout' | 'stderr', line: string): void =>
      void this.redis
        .xadd(
          runKeys.log(p.runId),
          'MAXLEN',
          '~',
          '200000',
          '*',
          'taskId',
          p.taskId,
          'agent',
          this.id,
          'stream',
          stream,
          'line',
          line,
        )
        .catch(() => undefined);
    const tracked = this.runs.track(p.runId);
    try {
      const { checkout: c, failed: entered } = await this.enterCheckout(p, (l) => onLine('stdout', l));
      if (entered)
        return {
          ...base,
          status: 'failure',
          exitCode: null,
          endedAt: Date.now(),
          code: entered.code,
          message: entered.message,
        };
      const enteredAt = Date.now();
      try {
        const nxTask = nxTaskArg(p.project, p.target, p.configuration);
        const token = this.isolate ? await this.runCacheToken(p) : { ok: true as const, token: undefined };
        if (!token.ok)
          return {
            ...base,
            status: 'failure',
            exitCode: null,
            endedAt: Date.now(),
            code: token.code,
            message: token.message,
          };
        // warm: ran in a resident nx process (Nx loaded already); reused: tasks it ran before.
        let warm = false;
        let reused = 0;
        const residents = c.data.warm;
        const launch =
          residents &&
          ((args: string[], env: NodeJS.ProcessEnv) => {
            const w = residents.launch(args, env);
            warm = w !== undefined;
            reused = w?.reused ?? 0;
            return w;
          });
        const user = this.o.taskUser;
        const outcome = await runNxTask({
          workdir: c.dir,
          taskId: nxTask,
          args: nxRunArgv(p.project, p.target, p.configuration),
          uid: user?.uid,
          gid: user?.gid,
          env: this.taskEnv(
            gpus,
            token.token,
            c.data,
            p.returnOutputsLimit === undefined
              ? undefined
              : { runId: p.runId, taskId: nxTask, limit: p.returnOutputsLimit },
          ),
          onLine,
          timeoutMs: p.timeoutMs,
          signal: tracked.signal,
          launch: launch || undefined,
        });
        const endedAt = Date.now();
        const recorded = readTaskResult(c.data.resultsDir, nxTask);
        const hash = recorded?.hash;
        // startedAt, endedAt and the price: what the run's cost figures must match (test/runner/cost-routing.test.ts).
        this.o.log({
          msg: 'task finished',
          runId: p.runId,
          taskId: p.taskId,
          outcome,
          hash,
          warm,
          reused,
          checkout: c.index,
          startedAt,
          enteredAt,
          endedAt,
          costPerHour: this.o.costPerHour ?? 0,
        });
        if ('error' in outcome)
          return {
            ...base,
            status: 'failure',
            exitCode: null,
            endedAt,
            code: 'FLEET_SPAWN_FAILED',
            message: outcome.error,
          };
        if (outcome.stopped === 'timeout')
          return {
            ...base,
            status: 'failure',
            exitCode: outcome.exitCode,
            endedAt,
            hash,
            code: 'FLEET_TASK_TIMEOUT',
            message: `stopped after the task timeout of ${Math.round((p.timeoutMs ?? 0) / 1000)}s`,
          };
        if (outcome.stopped)
          return {
            ...base,
            status: 'failure',
            exitCode: outcome.exitCode,
            endedAt,
            hash,
            code: outcome.stopped as TaskFailureCode,
            message: `stopped: ${outcome.stopped}`,
          };
        return {
          ...base,
          status: outcome.exitCode === 0 ? 'success' : 'failure',
          exitCode: outcome.exitCode,
          endedAt,
          hash,
          ...(recorded?.status ? { nxStatus: recorded.status } : {}),
          code: outcome.exitCode === 0 ? undefined : 'FLEET_TASK_EXIT',
        };
      } finally {
        c.lease.leave();
      }
    } finally {
      tracked.untrack();
    }
  }

  /** The run's cache token (isolated agents): minted once per run, again when it nears its expiry. */
  private async runCacheToken(
    p: JobPayload,
  ): Promise<{ ok: true; token: string } | { ok: false; code: TaskFailureCode; message: string }> {
    const runKey = `${p.runId}:${p.commit}:${p.patchSha256 ?? ''}`;
    const t = this.runToken;
    if (t && t.runKey === runKey && t.expiresAt * 1000 - Date.now() > 300_000) return { ok: true, token: t.token };
    const minted = await mintRunToken({
      cacheUrl: this.o.cacheUrl,
      mintToken: this.o.cacheMintToken!,
      runId: p.runId,
      commit: p.commit,
      patchSha256: p.patchSha256,
    });
    if (!minted.ok) return minted;
    this.runToken = { runKey, token: minted.token, expiresAt: minted.expiresAt };
    this.o.log({ msg: 'run token', runId: p.runId, namespace: minted.namespace, expiresAt: minted.expiresAt });
    return { ok: true, token: minted.token };
  }

  /**
   * A task's environment in checkout `c` (default: the clone). `workdir` stays the clone's for
   * every checkout: its `.nx/cache` is the repository's one local Nx cache.
   */
  private taskEnv(
    gpus: number[],
    runToken?: string,
    c?: CheckoutState,
    returnOutputs?: { runId: string; taskId: string; limit: number },
  ): NodeJS.ProcessEnv {
    return agentTaskEnv({
      workdir: this.o.workdir,
      cacheUrl: this.o.cacheUrl,
      cacheToken: this.o.cacheToken,
      resultsDir: c?.resultsDir ?? this.resultsDir,
      daemon: this.daemon,
      gpus,
      returnOutputs,
      isolated: this.isolate
        ? { runHome: this.runHome, runToken, taskUserName: this.o.taskUser?.name, runMark: this.runMark }
        : undefined,
    });
  }
}
