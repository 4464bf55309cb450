import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import { CostLedger, costLines, type RunCost } from './cost';
import { readGitState } from './git-state';
import type { JobPayload, LogLine, RunEvent, SignedJob, TaskSummary } from './job';
import { liveAgents } from './live-agents';
import { JobQueues } from './queue';
import { RedisWatch } from './redis-watch';
import { readAllTaskResults } from './task-results';
import { remoteCacheEnv } from './task-env';
import { spawnNx } from './nx-spawn';
import { redisConnection } from './redis-connection';
import type { RoutingOptions } from './requirements';
import { runKeys } from './run-keys';
import { DEFAULT_MAX_ATTEMPTS, RunState } from './run-state';
import { agentTakes, explainUnsatisfied } from './satisfies';
import { mintRunToken } from './run-token-client';
import { payloadProblem, signJob } from './sign';
import { readTaskGraph } from './task-graph';
import { withInProcessPlugins } from './nx-task';

export interface CoordinatorOptions {
  cwd: string;
  redisUrl: string;
  cacheUrl: string;
  /** A standing cache token for the replay (trusted runs: one that reads, or writes, `main`). */
  cacheToken?: string;
  /** A mint token: the replay gets a run token that reads `main` and this run's namespace (untrusted runs). */
  cacheMintToken?: string;
  /** The run's trust level. Default `trusted`. */
  trust?: string;
  /** The level's Ed25519 private key: jobs are signed with it. */
  signingKey: KeyObject;
  /** Everything from the nx command word on, e.g. `['affected', '-t', 'test']`. */
  nxArgs: string[];
  routing: RoutingOptions;
  /** How long a task may wait for a live agent able to run it. Default 300 s. */
  agentWaitSeconds?: number;
  pushRef?: boolean;
  runId?: string;
  /** Extra attempts after a task's own failure. Default 0. */
  retryFailed?: number;
  /** Extra attempts for tasks seen flaky in earlier runs. Default 1. */
  retryFlaky?: number;
  /**
   * Task ids known flaky from elsewhere than Redis (the CLI reads the run history store's
   * `fleet flaky`): they get the --retry-flaky attempts too.
   */
  knownFlaky?: ReadonlySet<string>;
  /** Attempts in all after infrastructure failures (timeout, checkout). Default 3. */
  maxAttempts?: number;
  /** Stop a task after this long (target `metadata.fleet.timeout` wins). */
  taskTimeoutSeconds?: number;
  /** Print every output line as it arrives, prefixed by its task. */
  stream?: boolean;
  /** Without --stream: whose output to print when a task ends. Default `all`. */
  taskOutput?: 'all' | 'failed' | 'none';
  /** How long Redis may be unreachable before the run fails. Default 60 s. */
  redisTimeoutSeconds?: number;
  /** After Ctrl-C, how long to wait for agents to report their stopped tasks. Default 15 s. */
  cancelGraceSeconds?: number;
  /** Progress lines (the CLI writes them to stderr). */
  progress(line: string): void;
  /** Task output lines (the CLI writes them to stderr too, so stdout stays Nx's own). */
  output?(line: string): void;
  /** The repository id agents map to this workspace's origin (`--repo`); absent: their default checkout. */
  repo?: string;
  /** Run priority (`--priority`): agents serve runs of a higher one first, and rotate between runs of one. Default 0. */
  priority?: number;
  /** Stop queueing new tasks when the run would cost more (`--budget`, in the agents' price unit). */
  budget?: number;
}

/** A task the replay did not take from a cache, with what differs. */
export interface ReplayMiss {
  taskId: string;
  status: string;
  localHash?: string;
  agentHash?: string;
}

/** `--summary-json`: the stable contract (docs/distributed.md). */
export interface RunSummary {
  runId: string;
  commit?: string;
  status: 'success' | 'failure' | 'cancelled';
  code?: string;
  message?: string;
  replayExitCode?: number | null;
  /** Tasks the final replay ran instead of restoring from the remote cache. */
  replayMisses?: ReplayMiss[];
  tasks: TaskSummary[];
  /** Agent-seconds, cost, GPU-seconds in all and per agent (runner/cost.ts). */
  cost?: RunCost;
}

/** Redis stream fields come flat: [k1, v1, k2, v2, ...]. */
const chunk = (flat: string[]): Array<[string, string]> =>
  flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]] as [string, string]] : []));

const LOG_LINES_KEPT = 2000;
type StreamRead = Array<[string, Array<[string, string[]]>]> | null;

/**
 * `fleet run`: plans the run from Nx's task graph, queues each task when its dependencies have
 * succeeded, follows the agents' events, and finally replays the nx command locally against the
 * remote cache so the user gets Nx's own output, outputs and exit code.
 */
export class Coordinator {
  readonly runId: string;
  private cancelled = false;
  private wakeLoop: (() => void) | undefined;
  private readonly logs = new Map<string, string[]>();
  private commit = '';
  private patch = '';
  private patchSha256 = '';
  /** Tasks Nx caches nothing of (`cache: false`): the replay runs them again, by design. */
  private uncached = new Set<string>();
  private readonly ledger: CostLedger;
  /** Set when --budget stopped the queueing. */
  private overBudget: string | undefined;
  /** Where the coordinator is in the run's two streams. */
  private lastEvent = '0-0';
  private lastLog = '0-0';

  constructor(private readonly o: CoordinatorOptions) {
    this.runId = o.runId ?? `r-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    this.ledger = new CostLedger(o.budget);
  }

  private get trust(): string {
    return this.o.trust ?? 'trusted';
  }

  /** The replay's cache token: the standing one, or a run token minted for this run (untrusted runs). */
  private async replayToken(): Promise<string | undefined> {
    if (!this.o.cacheMintToken) return this.o.cacheToken;
    const minted = await mintRunToken({
      cacheUrl: this.o.cacheUrl,
      mintToken: this.o.cacheMintToken,
      runId: this.runId,
      commit: this.commit,
      patchSha256: this.patchSha256 || undefined,
    });
    if (minted.ok) return minted.token;
    this.o.progress(`${minted.message} [${minted.code}]: replaying without a cache token`);
    return this.o.cacheToken;
  }

  cancel(): void {
    this.cancelled = true;
    this.wakeLoop?.();
  }

  private out(line: string): void {
    (this.o.output ?? this.o.progress)(line);
  }

  async run(): Promise<RunSummary> {
    const fail = (code: string, message: string): RunSummary => ({
      runId: this.runId,
      ...(this.commit ? { commit: this.commit } : {}),
      status: 'failure',
      code,
      message,
      tasks: [],
    });
    const git = readGitState(this.o.cwd, this.runId, Boolean(this.o.pushRef));
    if (!git.ok) return fail(git.code, git.message);
    this.commit = git.commit;
    this.patch = git.patch;
    this.patchSha256 = git.patch ? createHash('sha256').update(git.patch, 'utf8').digest('hex') : '';
    const queues = new JobQueues({
      redisUrl: this.o.redisUrl,
      trust: this.trust,
      maxAttempts: this.o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      run: { runId: this.runId, priority: this.o.priority, repo: this.o.repo },
    });
    const events = redisConnection(this.o.redisUrl, `fleet-coordinator-events-${this.runId}`);
    const watch = new RedisWatch(
      [queues.client, events],
      (this.o.redisTimeoutSeconds ?? 60) * 1000,
      (l) => this.o.progress(l),
      this.o.redisUrl,
    );
    let state: RunState | undefined;
    try {
      const redis = queues.client;
      await watch.guard(this.record(redis));
      // Idle agents move their checkout to the run's commit while Nx computes the task graph.
      await watch.guard(
        redis.publish(
          runKeys.prepareChannel,
          JSON.stringify({
            runId: this.runId,
            trust: this.trust,
            ...(this.o.repo ? { repo: this.o.repo } : {}),
            commit: git.commit,
            patchKey: git.patch ? runKeys.patch(this.runId) : undefined,
            patchSha256: this.patchSha256 || undefined,
          }),
        ),
      );
      const graph = readTaskGraph(this.o.cwd, this.o.nxArgs, this.o.routing);
      if (!graph.ok) {
        await watch.guard(redis.hset(runKeys.run(this.runId), 'status', 'done'));
        return fail(graph.code, graph.message);
      }
      const ids = graph.tasks.map((t) => t.id);
      this.uncached = new Set(graph.tasks.filter((t) => t.cache === false).map((t) => t.id));
      const [durations, flaky] = ids.length
        ? await watch.guard(Promise.all([redis.hmget(runKeys.durations, ...ids), redis.hmget(runKeys.flaky, ...ids)]))
        : [[], []];
      const known = new Map(
        ids.flatMap((id, i) => (durations[i] ? [[id, Number(durations[i])] as [string, number]] : [])),
      );
      const knownFlaky = new Set(ids.filter((_, i) => flaky[i]));
      const fromHistory = ids.filter((id) => this.o.knownFlaky?.has(id) && !knownFlaky.has(id));
      for (const id of fromHistory) knownFlaky.add(id);
      if (fromHistory.length && (this.o.retryFlaky ?? 1) > 0)
        this.o.progress(`known flaky from the run history store: ${fromHistory.sort().join(', ')}`);
      const policy = {
        retryFailed: this.o.retryFailed ?? 0,
        retryFlaky: this.o.retryFlaky ?? 1,
        maxAttempts: this.o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      };
      const run = (state = new RunState(graph.tasks, policy, known, knownFlaky));
      await watch.guard(redis.hset(runKeys.run(this.runId), 'tasks', String(graph.tasks.length)));
      this.o.progress(
        `run ${this.runId}: ${graph.tasks.length} tasks at ${git.commit.slice(0, 12)}${git.patch ? ' plus uncommitted changes' : ''}${known.size ? ` (durations of ${known.size} known from earlier runs)` : ''}`,
      );
      await watch.guard(this.schedule(run, queues, events));
      if (this.cancelled) await watch.guard(this.stopRun(run, queues, events));
      await watch.guard(this.finish(run, redis));
      const tasks = run.summaries();
      const cost = this.ledger.runCost(tasks);
      for (const line of costLines(cost)) this.o.progress(line);
      const base = { runId: this.runId, commit: git.commit, tasks, cost };
      if (this.cancelled) return { ...base, status: 'cancelled', code: 'FLEET_RUN_CANCELLED', message: 'cancelled' };
      if (this.overBudget)
        return { ...base, status: 'failure', code: 'FLEET_BUDGET_EXCEEDED', message: this.overBudget };
      if (!run.succeeded())
        return { ...base, status: 'failure', code: 'FLEET_TASKS_FAILED', message: this.failures(run) };
      const replay = await this.replay(run);
      return {
        ...base,
        status: replay.code === 0 ? 'success' : 'failure',
        replayExitCode: replay.code,
        replayMisses: replay.misses,
      };
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'FLEET_RUN_FAILED';
      return {
        runId: this.runId,
        commit: git.commit,
        status: 'failure',
        code,
        message: (err as Error).message,
        tasks: state?.summaries() ?? [],
      };
    } finally {
      watch.close();
      // The run's queues leave the registry whatever ended it (bounded: Redis may be gone).
      await Promise.race([queues.retire().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
      // disconnect, not quit: quit would wait for a Redis that may be gone.
      await Promise.race([queues.close(), new Promise((r) => setTimeout(r, 2000))]);
      queues.client.disconnect();
      events.disconnect();
    }
  }

  /** The run's record and patch; written again if Redis loses its data mid-run. */
  private async record(redis: Redis): Promise<void> {
    const patchKey = this.patch ? runKeys.patch(this.runId) : undefined;
    if (patchKey) await redis.set(patchKey, this.patch, 'EX', 86_400);
    await redis.hset(runKeys.run(this.runId), {
      command: this.o.nxArgs.join(' '),
      commit: this.commit,
      createdAt: String(Date.now()),
      status: 'running',
    });
    // Agents start no task of a run without this key, and stop a run's tasks when it stops changing.
    await redis.set(runKeys.heartbeat(this.runId), String(Date.now()), 'EX', 120);
  }

  private failures(state: RunState): string {
    return state
      .all()
      .filter((s) => s.status !== 'success')
      .map((s) => `${s.taskId}: ${s.status}${s.message ? `: ${s.message}` : ''}${s.code ? ` [${s.code}]` : ''}`)
      .join('\n');
  }

  private async enqueueReady(state: RunState, queues: JobQueues): Promise<void> {
    const ready = state.ready();
    // --budget: what is spent, plus the estimates of tasks queued and not started yet.
    let committed = 0;
    if (ready.length && this.ledger.limit !== undefined) {
      committed = this.ledger.spent(state.summaries());
      for (const q of state.all())
        if (q.status === 'queued') committed += this.ledger.estimate(q.requirement, state.typicalMs(q.taskId));
    }
    for (const s of ready) {
      const t = s.task;
      if (this.overBudget || !this.ledger.allows(committed, t.requirement, state.typicalMs(t.id))) {
        this.stopForBudget(state, committed);
        return;
      }
      committed += this.ledger.estimate(t.requirement, state.typicalMs(t.id));
      const payload: JobPayload = {
        v: 2,
        trust: this.trust,
        runId: this.runId,
        taskId: t.id,
        commit: this.commit,
        project: t.project,
        target: t.target,
        requirement: t.requirement,
        attempt: s.attempt,
      };
      if (this.o.repo) payload.repo = this.o.repo;
      if (this.patch) Object.assign(payload, { patchKey: runKeys.patch(this.runId), patchSha256: this.patchSha256 });
      if (t.configuration) payload.configuration = t.configuration;
      const timeoutMs =
        t.timeoutMs ?? (this.o.taskTimeoutSeconds ? Math.round(this.o.taskTimeoutSeconds * 1000) : undefined);
      if (timeoutMs) payload.timeoutMs = timeoutMs;
      // A name no agent would run (a project starting with "-", an nx run alias): fail it here, clearly.
      const problem = payloadProblem(payload as unknown as Record<string, unknown>);
      if (problem) {
        state.end(
          t.id,
          'failure',
          `fleet cannot run this task on agents: ${problem}`,
          Date.now(),
          'FLEET_JOB_MALFORMED',
        );
        this.o.progress(`${t.id}: fleet cannot run this task on agents: ${problem} [FLEET_JOB_MALFORMED]`);
        continue;
      }
      const job: SignedJob = signJob(payload, this.o.signingKey);
      if (s.avoid.length) job.avoid = s.avoid;
      const priority = state.priority(t.id);
      // Taken before the enqueue: an agent may pick the job up (and stamp startedAt) before the
      // enqueue's answer comes back.
      const at = Date.now();
      const r = await queues.enqueue(job, priority);
      state.queued(t.id, r.jobId, at);
    }
  }

  /** --budget: no new task is queued; what is not queued yet ends, the run fails with FLEET_BUDGET_EXCEEDED. */
  private stopForBudget(state: RunState, spent: number): void {
    const budget = this.ledger.limit!;
    this.overBudget ??= `the run would exceed its budget of ${budget} (${spent.toFixed(4)} spent or committed to queued tasks): no new tasks were queued`;
    const left = state.all().filter((x) => x.status === 'pending');
    if (left.length === 0) return;
    this.o.progress(`${this.overBudget}; ${left.length} task(s) not run [FLEET_BUDGET_EXCEEDED]`);
    // Dependents first (shorter remaining path): each names the budget, not its dependency.
    left.sort((x, y) => (state.rank.get(x.taskId) ?? 0) - (state.rank.get(y.taskId) ?? 0));
    for (const x of left) state.end(x.taskId, 'cancelled', this.overBudget, Date.now(), 'FLEET_BUDGET_EXCEEDED');
  }

  private async schedule(state: RunState, queues: JobQueues, events: Redis): Promise<void> {
    let lastCheck = 0;
    while (!state.done() && !this.cancelled) {
      await this.enqueueReady(state, queues);
      if (Date.now() - lastCheck > 1000) {
        lastCheck = Date.now();
        await queues.client.set(runKeys.heartbeat(this.runId), String(Date.now()), 'EX', 120);
        await this.checkRedisLost(state, queues);
        await this.checkAgents(state, queues);
        await this.checkLostJobs(state, queues);
      }
      if (state.done() || this.cancelled) break;
      const read = (await events.xread(
        'BLOCK',
        500,
        'STREAMS',
        runKeys.log(this.runId),
        runKeys.events(this.runId),
        this.lastLog,
        this.lastEvent,
      )) as StreamRead;
      // Log lines first: an agent writes a task's lines before its `finished` event.
      for (const [key, entries] of (read ?? []).sort(([a]) => (a === runKeys.log(this.runId) ? -1 : 1))) {
        for (const [id, fields] of entries) {
          if (key === runKeys.log(this.runId)) {
            this.lastLog = id;
            this.takeLine(Object.fromEntries(chunk(fields)) as unknown as LogLine);
            continue;
          }
          this.lastEvent = id;
          const applied = state.apply(JSON.parse(fields[1]) as RunEvent);
          if (applied.line) this.o.progress(applied.line);
          if (applied.ended) this.printOutput(applied.ended.taskId, applied.ended.status);
        }
      }
    }
  }

  private takeLine(l: LogLine): void {
    if (this.o.stream) return this.out(`${l.taskId} | ${l.line}`);
    let lines = this.logs.get(l.taskId);
    if (!lines) this.logs.set(l.taskId, (lines = []));
    lines.push(l.line);
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  }

  /** A task's output when its attempt ends (with --stream it was printed already). */
  private printOutput(taskId: string, status: 'success' | 'failure'): void {
    const lines = this.logs.get(taskId) ?? [];
    this.logs.delete(taskId);
    const policy = this.o.taskOutput ?? 'all';
    if (this.o.stream || policy === 'none' || (policy === 'failed' && status === 'success')) return;
    for (const line of lines) this.out(`${taskId} | ${line}`);
  }

  /**
   * Redis restarted without its data (no persistence): the run's record, queued jobs and patch
   * are gone. Everything not finished is queued again; a task that was running reports into the
   * new streams, or runs again (its hash is the same: a remote-cache hit at worst).
   */
  private async checkRedisLost(state: RunState, queues: JobQueues): Promise<void> {
    if (await queues.client.exists(runKeys.run(this.runId))) return;
    await this.record(queues.client);
    const open = state.requeueUnfinished();
    this.o.progress(
      `Redis lost this run's data (a restart without persistence?): queueing ${open} unfinished task(s) again`,
    );
    await this.enqueueReady(state, queues);
  }

  /** Ctrl-C: no new tasks start; agents stop the run's running tasks and report them. */
  private async stopRun(state: RunState, queues: JobQueues, events: Redis): Promise<void> {
    const redis = queues.client;
    await redis.hset(runKeys.run(this.runId), 'status', 'cancelled');
    await redis.publish(runKeys.cancelChannel, this.runId);
    for (const s of state.cancelWaiting(Date.now())) await queues.remove(s.requirement, s.jobId!);
    const running = (): string[] =>
      state
        .all()
        .filter((s) => s.status === 'running')
        .map((s) => s.taskId);
    if (running().length) this.o.progress(`cancelling: asked the agents to stop ${running().join(', ')}`);
    const deadline = Date.now() + (this.o.cancelGraceSeconds ?? 15) * 1000;
    while (running().length && Date.now() < deadline) {
      const read = (await events.xread(
        'BLOCK',
        250,
        'STREAMS',
        runKeys.events(this.runId),
        this.lastEvent,
      )) as StreamRead;
      for (const [, entries] of read ?? []) {
        for (const [id, fields] of entries) {
          this.lastEvent = id;
          const applied = state.apply(JSON.parse(fields[1]) as RunEvent);
          if (applied.line) this.o.progress(applied.line);
        }
      }
    }
    for (const id of running())
      state.end(
        id,
        'cancelled',
        'the run was cancelled; its agent did not confirm the stop in time',
        Date.now(),
        'FLEET_RUN_CANCELLED',
      );
  }

  /** The run is over: no agent should start a leftover duplicate of its jobs; learn durations and flakiness. */
  private async finish(state: RunState, redis: Redis): Promise<void> {
    if (!this.cancelled) await redis.hset(runKeys.run(this.runId), 'status', 'done');
    await redis.del(runKeys.heartbeat(this.runId));
    const durations = await redis.hmget(runKeys.durations, ...state.all().map((s) => s.taskId));
    const update: Record<string, string> = {};
    state.all().forEach((s, i) => {
      const ok = s.history?.filter((h) => h.status === 'success').at(-1);
      if (!ok) return;
      const d = ok.endedAt - ok.startedAt;
      const old = Number(durations[i]);
      update[s.taskId] = String(Math.round(old > 0 ? old * 0.7 + d * 0.3 : d));
    });
    if (Object.keys(update).length) await redis.hset(runKeys.durations, update);
    for (const s of state.all().filter((x) => x.flaky)) {
      await redis.hset(
        runKeys.flaky,
        s.taskId,
        JSON.stringify({ lastRunId: this.runId, lastAt: Date.now(), hash: s.hash }),
      );
    }
    // The run's record, events and log stay a week for the dashboard and `fleet explain`, then go.
    for (const key of [runKeys.run(this.runId), runKeys.events(this.runId), runKeys.log(this.runId)])
      await redis.expire(key, 7 * 86_400);
  }

  /** Fails a queued task after --agent-wait with no live agent able to run it. */
  private async checkAgents(state: RunState, queues: JobQueues): Promise<void> {
    const waiting = state.all().filter((s) => s.status === 'queued');
    if (waiting.length === 0) return;
    // Only agents of the run's level can take its jobs.
    const agents = (await liveAgents(queues.client)).filter(
      (a) => (a.trust ?? 'trusted') === this.trust && (a.repo ?? '') === (this.o.repo ?? ''),
    );
    this.ledger.observe(
      agents,
      waiting.map((s) => s.requirement),
    );
    const now = Date.now();
    for (const s of waiting) {
      if (agents.some((a) => agentTakes(a, s.requirement))) {
        s.unservedSince = undefined;
        continue;
      }
      s.unservedSince ??= now;
      if (now - s.unservedSince < (this.o.agentWaitSeconds ?? 300) * 1000) continue;
      if (s.jobId) await queues.remove(s.requirement, s.jobId);
      const why = agents.length
        ? explainUnsatisfied(s.requirement, agents)
        : `${explainUnsatisfied(s.requirement, agents)}${this.o.repo ? ` serving repository "${this.o.repo}" (fleet agent --repo ${this.o.repo}=<url>)` : ''}`;
      state.end(
        s.taskId,
        'unschedulable',
        `no live agent can run it after ${this.o.agentWaitSeconds ?? 300}s\n${why}`,
        now,
        'FLEET_NO_CAPABLE_AGENT',
      );
      this.o.progress(`${s.taskId}: no live agent can run it [FLEET_NO_CAPABLE_AGENT]\n${why}`);
    }
  }

  /** A job BullMQ failed (its deliveries ran out after agents died) will never report: end it. */
  private async checkLostJobs(state: RunState, queues: JobQueues): Promise<void> {
    for (const s of state.all().filter((x) => x.status === 'queued' || x.status === 'running')) {
      if (!s.jobId || (await queues.state(s.requirement, s.jobId)) !== 'failed') continue;
      state.end(s.taskId, 'failure', 'agents running it were lost too many times', Date.now(), 'FLEET_AGENT_LOST');
    }
  }

  /** Runs the same nx command here; every task should now be a remote-cache hit. */
  private async replay(state: RunState): Promise<{ code: number | null; misses: ReplayMiss[] }> {
    const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-replay-'));
    const env = remoteCacheEnv({
      base: withInProcessPlugins(process.env),
      cacheUrl: this.o.cacheUrl,
      token: await this.replayToken(),
      resultsDir,
    });
    this.o.progress(`replaying nx ${this.o.nxArgs.join(' ')} from the remote cache`);
    try {
      const code = await spawnNx(this.o.nxArgs, { cwd: this.o.cwd, env, stdio: 'inherit' });
      const misses: ReplayMiss[] = [];
      const ranAgain: string[] = [];
      for (const r of readAllTaskResults(resultsDir)) {
        if (r.status === 'remote-cache' || r.status.startsWith('local-cache')) continue;
        if (this.uncached.has(r.taskId)) {
          ranAgain.push(r.taskId);
          continue;
        }
        const miss: ReplayMiss = { taskId: r.taskId, status: r.status };
        if (r.hash) miss.localHash = r.hash;
        const agentHash = state.get(r.taskId)?.hash;
        if (agentHash) miss.agentHash = agentHash;
        misses.push(miss);
        const differ = miss.localHash && miss.agentHash && miss.localHash !== miss.agentHash;
        this.o.progress(
          `${r.taskId} was not a remote-cache hit in the replay (${r.status})` +
            (differ
              ? `: its hash here is ${miss.localHash} but ${miss.agentHash} on agent ${state.get(r.taskId)?.agent}; the inputs differ between this machine and the agent (environment variables, runtime inputs, files outside git, or a different Node/nx); see docs/distributed.md#troubleshooting`
              : miss.agentHash
                ? ': same hash as on the agent, so the remote cache did not give it back (cache server unreachable, a read-only or wrong token, or the entry was evicted)'
                : ''),
        );
      }
      if (ranAgain.length)
        this.o.progress(
          `${ranAgain.length} task(s) that Nx does not cache (cache: false) ran again in the replay, as Nx runs them every time: ${ranAgain.sort().join(', ')}`,
        );
      return { code, misses };
    } finally {
      fs.rmSync(resultsDir, { recursive: true, force: true });
    }
  }
}

/** Writes the summary atomically (temp file, then rename). */
export function writeSummary(file: string, summary: RunSummary): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(summary, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
