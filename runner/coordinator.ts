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
import { DEFAULT_RETURN_OUTPUTS_LIMIT, returnOutputsEnv, withoutReturnOutputs } from './returned-outputs';
import { redisConnection } from './redis-connection';
import type { RoutingOptions } from './requirements';
import { runKeys } from './run-keys';
import { DEFAULT_MAX_ATTEMPTS, RunState, type Applied } from './run-state';
import { agentTakes, explainUnsatisfied } from './satisfies';
import { mintRunToken } from './run-token-client';
import { payloadProblem, signJob } from './sign';
import { readTaskGraphAsync } from './task-graph';
import { OwnOutputFilter, taskOwnOutput } from './nx-output';
import { runReport, type RunReport } from './run-report';
import { describeRequirement } from './requirement';
import { runNxTask, withInProcessPlugins } from './nx-task';
import { WarmNx } from './nx-warm';
import { withoutSecrets } from './secrets';

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
  /**
   * How task output is shown (`--output-style`): `stream` every line as it arrives, prefixed by
   * its task; `static` (default) each task's output when it ends, under a one-line header;
   * `compact` only failed tasks' output (every task still gets its header line).
   */
  outputStyle?: OutputStyle;
  /** Alias of `outputStyle: 'stream'` (`--stream`, one more release). */
  stream?: boolean;
  /** Alias (`--task-output`): `all` = static, `failed` = compact, `none` = headers only. */
  taskOutput?: 'all' | 'failed' | 'none';
  /** Task starts and ends, for a live view (the CLI's terminal view reads {@link Coordinator.snapshot} too). */
  onTask?(e: TaskEvent): void;
  /** How long Redis may be unreachable before the run fails. Default 60 s. */
  redisTimeoutSeconds?: number;
  /** After Ctrl-C, how long to wait for agents to report their stopped tasks. Default 15 s. */
  cancelGraceSeconds?: number;
  /** Progress lines (the CLI writes them to stderr). */
  progress(line: string): void;
  /** Task output lines (the CLI writes them to stderr too, so stdout stays Nx's own). */
  output?(line: string): void;
  /** The replay's output lines; default: to this process's stdout and stderr. */
  replayLine?(stream: 'stdout' | 'stderr', line: string): void;
  /** The repository id agents map to this workspace's origin (`--repo`); absent: their default checkout. */
  repo?: string;
  /** Run priority (`--priority`): agents serve runs of a higher one first, and rotate between runs of one. Default 0. */
  priority?: number;
  /** Stop queueing new tasks when the run would cost more (`--budget`, in the agents' price unit). */
  budget?: number;
  /**
   * The offload of `nx-fleet:run` (FLEET_OFFLOADED=1): the outputs of `cache: false` tasks come
   * back through the remote cache (runner/returned-outputs.ts), their jobs say so (signed) and
   * the replay's executor fetches them.
   */
  returnOutputs?: boolean;
  /** The most bytes of such outputs (`--return-outputs-limit`); Infinity: no limit. Default 1 GiB. */
  returnOutputsLimit?: number;
}

export type OutputStyle = 'stream' | 'static' | 'compact';

/** What a live view hears of the run's tasks. */
export type TaskEvent =
  | { type: 'started'; taskId: string; agent: string; attempt: number; at: number }
  | { type: 'ended'; taskId: string; agent?: string; status: 'success' | 'failure'; retrying: boolean; at: number };

/** The run as a live view draws it (see {@link Coordinator.snapshot}). */
export interface RunSnapshot {
  runId: string;
  phase: 'planning' | 'running' | 'replaying' | 'done';
  total: number;
  done: number;
  failed: number;
  /** Agents of the run's level that are live (heartbeat) or ran a task of it, with what runs now. */
  agents: Array<{ agent: string; taskId?: string; since?: number }>;
  /** Tasks queued and not started, per requirement; `waiting`: no live agent can run them yet. */
  queued: Array<{ requirement: string; count: number; waiting: boolean }>;
  startedAt: number;
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
  /** Where the wall time went (the coordinator's clock): planning, the agents, the replay. */
  timings?: { planMs: number; execMs: number; replayMs?: number };
  /** The final summary's figures (runner/run-report.ts): the terminal prints exactly these. */
  report?: RunReport;
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
  private replayer: { warm: WarmNx; resultsDir: string; jobsDir: string } | undefined;
  private state: RunState | undefined;
  private phase: RunSnapshot['phase'] = 'planning';
  private readonly startedAt = Date.now();
  /** Agent id -> the task it runs now (from the run's events). */
  private readonly running = new Map<string, { taskId: string; since: number }>();
  /** Live agents of the run's level (refreshed each second while a view is attached). */
  private liveIds: string[] = [];
  /** Streaming: the own-output filter of each running task. */
  private readonly filters = new Map<string, OwnOutputFilter>();
  private readonly replayAbort = new AbortController();

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
    this.replayAbort.abort('FLEET_RUN_CANCELLED');
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
    // Nx works out the task graph (its start-up and project graph: the longest part of planning)
    // while fleet reads the git state and records the run.
    const planning = readTaskGraphAsync(this.o.cwd, this.o.nxArgs, this.o.routing);
    const git = readGitState(this.o.cwd, this.runId, Boolean(this.o.pushRef));
    if (!git.ok) {
      planning.cancel();
      return fail(git.code, git.message);
    }
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
      const graph = await planning.result;
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
      const run = (state = this.state = new RunState(graph.tasks, policy, known, knownFlaky));
      this.phase = 'running';
      this.startReplayer();
      await watch.guard(redis.hset(runKeys.run(this.runId), 'tasks', String(graph.tasks.length)));
      this.o.progress(
        `run ${this.runId}: ${graph.tasks.length} tasks at ${git.commit.slice(0, 12)}${git.patch ? ' plus uncommitted changes' : ''}${known.size ? ` (durations of ${known.size} known from earlier runs)` : ''}`,
      );
      await watch.guard(this.schedule(run, queues, events));
      if (this.cancelled) await watch.guard(this.stopRun(run, queues, events));
      await watch.guard(this.finish(run, redis));
      const tasks = run.summaries();
      const report = runReport(tasks);
      const cost = this.ledger.runCost(tasks);
      for (const line of costLines(cost)) this.o.progress(line);
      const firstQueued = Math.min(...tasks.map((t) => t.queuedAt ?? Infinity));
      const planMs = Number.isFinite(firstQueued) ? firstQueued - this.startedAt : Date.now() - this.startedAt;
      const timings: NonNullable<RunSummary['timings']> = { planMs, execMs: report.execMs };
      const base = { runId: this.runId, commit: git.commit, timings, report, tasks, cost };
      if (this.cancelled) return { ...base, status: 'cancelled', code: 'FLEET_RUN_CANCELLED', message: 'cancelled' };
      if (this.overBudget)
        return { ...base, status: 'failure', code: 'FLEET_BUDGET_EXCEEDED', message: this.overBudget };
      if (!run.succeeded())
        return { ...base, status: 'failure', code: 'FLEET_TASKS_FAILED', message: this.failures(run) };
      this.phase = 'replaying';
      const replayStart = Date.now();
      const replay = await this.replay(run);
      timings.replayMs = Date.now() - replayStart;
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
      this.phase = 'done';
      planning.cancel();
      this.closeReplayer();
      watch.close();
      // The run's queues leave the registry whatever ended it (bounded: Redis may be gone).
      await Promise.race([queues.retire().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
      // disconnect, not quit: quit would wait for a Redis that may be gone.
      // The bound must not outlive the close: a pending timer kept `fleet run` alive 2 s after
      // every run (bench/dte's replay column).
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([queues.close(), new Promise((r) => (bound = setTimeout(r, 2000)))]);
      clearTimeout(bound);
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
      if (this.o.returnOutputs && this.uncached.has(t.id)) payload.returnOutputsLimit = this.outputsLimitField();
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
        if (this.o.onTask)
          this.liveIds = (await liveAgents(queues.client))
            .filter((a) => (a.trust ?? 'trusted') === this.trust)
            .map((a) => a.id);
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
          this.applyEvent(state, JSON.parse(fields[1]) as RunEvent);
        }
      }
    }
  }

  /** One agent event: the state's rules, then what the user sees of it. */
  private applyEvent(state: RunState, e: RunEvent): void {
    const applied = state.apply(e);
    if (e.type === 'started' && applied.line) {
      this.running.set(e.agent, { taskId: e.taskId, since: e.at });
      this.o.onTask?.({ type: 'started', taskId: e.taskId, agent: e.agent, attempt: e.attempt, at: e.at });
      return;
    }
    const ended = applied.ended;
    if (!ended) {
      if (applied.line) this.o.progress(applied.line);
      return;
    }
    if (ended.agent && this.running.get(ended.agent)?.taskId === ended.taskId) this.running.delete(ended.agent);
    // A retry says why (the header says that it failed).
    if (ended.retrying && applied.line) this.o.progress(applied.line);
    this.printOutput(ended);
    this.o.onTask?.({
      type: 'ended',
      taskId: ended.taskId,
      agent: ended.agent,
      status: ended.status,
      retrying: ended.retrying,
      at: Date.now(),
    });
  }

  private get outputStyle(): OutputStyle {
    return this.o.outputStyle ?? (this.o.stream ? 'stream' : this.o.taskOutput === 'failed' ? 'compact' : 'static');
  }

  /** The run as a live view draws it now. */
  snapshot(): RunSnapshot {
    const all = this.state?.all() ?? [];
    const ended = new Set(['success', 'failure', 'unschedulable', 'cancelled']);
    const agents = new Map<string, { agent: string; taskId?: string; since?: number }>();
    for (const id of this.liveIds) agents.set(id, { agent: id });
    for (const s of all) if (s.agent && !agents.has(s.agent)) agents.set(s.agent, { agent: s.agent });
    for (const [agent, r] of this.running) agents.set(agent, { agent, taskId: r.taskId, since: r.since });
    const queued = new Map<string, { requirement: string; count: number; waiting: boolean }>();
    for (const s of all) {
      if (s.status !== 'queued') continue;
      const described = describeRequirement(s.requirement);
      const requirement = described === 'nothing' ? 'any agent' : described;
      const q = queued.get(requirement) ?? { requirement, count: 0, waiting: false };
      q.count++;
      if (s.unservedSince !== undefined) q.waiting = true;
      queued.set(requirement, q);
    }
    return {
      runId: this.runId,
      phase: this.phase,
      total: all.length,
      done: all.filter((s) => ended.has(s.status)).length,
      failed: all.filter((s) => s.status !== 'success' && ended.has(s.status)).length,
      agents: [...agents.values()].sort((a, b) => (a.agent < b.agent ? -1 : 1)),
      queued: [...queued.values()].sort((a, b) => (a.requirement < b.requirement ? -1 : 1)),
      startedAt: this.startedAt,
    };
  }

  private takeLine(l: LogLine): void {
    if (this.outputStyle === 'stream') {
      let f = this.filters.get(l.taskId);
      if (!f) this.filters.set(l.taskId, (f = this.ownFilter(l.taskId)));
      const shown = f.push(l.line);
      if (shown !== undefined) this.out(`${l.taskId} | ${shown}`);
      return;
    }
    let lines = this.logs.get(l.taskId);
    if (!lines) this.logs.set(l.taskId, (lines = []));
    lines.push(l.line);
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  }

  private taskNames(taskId: string): { taskId: string; project: string; target: string } {
    const t = this.state?.get(taskId)?.task;
    return { taskId, project: t?.project ?? taskId.split(':')[0], target: t?.target ?? taskId.split(':')[1] ?? '' };
  }

  private ownFilter(taskId: string): OwnOutputFilter {
    return new OwnOutputFilter(this.taskNames(taskId));
  }

  /**
   * A task's attempt ended: its header line (agent, time, cache status) and, by the output
   * style, its own output without Nx's banner and summary (with `stream` it was printed already).
   */
  private printOutput(e: NonNullable<Applied['ended']>): void {
    const lines = this.logs.get(e.taskId) ?? [];
    this.logs.delete(e.taskId);
    const style = this.outputStyle;
    this.out(taskHeader(e));
    if (style === 'stream') {
      const held = this.filters.get(e.taskId)?.flush() ?? [];
      this.filters.delete(e.taskId);
      for (const line of held) this.out(`${e.taskId} | ${line}`);
      return;
    }
    if (this.o.taskOutput === 'none' && !this.o.outputStyle) return;
    if (style === 'compact' && e.status === 'success') return;
    for (const line of taskOwnOutput(lines, this.taskNames(e.taskId))) this.out(line.trim() ? `  ${line}` : '');
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
          this.applyEvent(state, JSON.parse(fields[1]) as RunEvent);
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

  /** The signed limit of returned outputs: bytes, 0 for none. */
  private outputsLimitField(): number {
    const limit = this.o.returnOutputsLimit ?? DEFAULT_RETURN_OUTPUTS_LIMIT;
    return Number.isFinite(limit) ? Math.floor(limit) : 0;
  }

  /**
   * A resident nx process for the replay (runner/nx-warm.ts), started once the plan is done: it
   * loads Nx's code while the agents work, so the replay does not pay nx's start-up after the
   * last task (0.4-1 s of CPU, more under load; bench/dte). FLEET_REPLAY_WARM=false: a fresh nx.
   */
  private startReplayer(): void {
    if (process.platform === 'win32' || process.env.FLEET_REPLAY_WARM === 'false') return;
    const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-replay-'));
    const jobsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-replay-jobs-'));
    const warm = new WarmNx(this.o.cwd, jobsDir, () => withInProcessPlugins(withoutSecrets(process.env)), 1);
    warm.fill();
    this.replayer = { warm, resultsDir, jobsDir };
  }

  private closeReplayer(): void {
    if (!this.replayer) return;
    this.replayer.warm.close();
    fs.rmSync(this.replayer.jobsDir, { recursive: true, force: true });
    fs.rmSync(this.replayer.resultsDir, { recursive: true, force: true });
    this.replayer = undefined;
  }

  /** The replay's nx, in the resident process when one is ready; its lines are kept in `lines`. */
  private runReplayNx(env: NodeJS.ProcessEnv, lines: Array<['stdout' | 'stderr', string]>): Promise<number | null> {
    const warm = this.replayer?.warm;
    return runNxTask({
      workdir: this.o.cwd,
      taskId: this.o.nxArgs.join(' '),
      args: this.o.nxArgs,
      env,
      onLine: (stream, line) => void (lines.length < 100_000 && lines.push([stream, line])),
      signal: this.replayAbort.signal,
      launch: warm && ((args, e) => warm.launch(args, e)),
    }).then((outcome) => ('error' in outcome ? null : outcome.exitCode));
  }

  private async replay(state: RunState): Promise<{ code: number | null; misses: ReplayMiss[] }> {
    const resultsDir = this.replayer?.resultsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-replay-'));
    const env = remoteCacheEnv({
      base: withInProcessPlugins(process.env),
      cacheUrl: this.o.cacheUrl,
      token: await this.replayToken(),
      resultsDir,
    });
    withoutReturnOutputs(env);
    // The replay's executor fetches each `cache: false` task's outputs from this run's uploads.
    if (this.o.returnOutputs) Object.assign(env, returnOutputsEnv(this.runId, this.outputsLimitField()));
    this.o.progress(`replaying nx ${this.o.nxArgs.join(' ')} from the remote cache`);
    try {
      const lines: Array<['stdout' | 'stderr', string]> = [];
      const code = await this.runReplayNx(env, lines);
      const results = readAllTaskResults(resultsDir);
      const misses: ReplayMiss[] = [];
      const ranAgain: string[] = [];
      for (const r of results) {
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
          this.o.returnOutputs
            ? `${ranAgain.length} task(s) that Nx does not cache (cache: false) took their outputs back from the agent in the replay: ${ranAgain.sort().join(', ')}`
            : `${ranAgain.length} task(s) that Nx does not cache (cache: false) ran again in the replay, as Nx runs them every time: ${ranAgain.sort().join(', ')}`,
        );
      // Every task's output was shown as it ended: Nx's replay of the same is shown only when
      // something differs (it failed, or a task did not come from the cache).
      const write =
        this.o.replayLine ?? ((stream: 'stdout' | 'stderr', line: string) => void process[stream].write(`${line}\n`));
      if (code !== 0 || misses.length || ranAgain.length) for (const [stream, line] of lines) write(stream, line);
      else
        this.o.progress(
          results.length
            ? `replay: ${results.length} task(s) restored from the remote cache (nx exit code 0; the tasks' output is above)`
            : 'replay: nx exit code 0 (the tasks’ output is above)',
        );
      return { code, misses };
    } finally {
      this.closeReplayer();
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

const CACHE_WORDS: Record<string, string> = {
  success: 'ran',
  failure: 'ran',
  'remote-cache': 'remote cache',
  'local-cache': 'local cache',
  'local-cache-kept-existing': 'local cache',
};

/** The one line above a task's output: `✔ lib:build · agent-1 · 1.2s · remote cache`. */
export function taskHeader(e: NonNullable<Applied['ended']>): string {
  const mark = e.status === 'success' ? '✔' : e.retrying ? '↻' : '✖';
  const parts = [`${mark} ${e.taskId}`];
  if (e.agent) parts.push(e.agent);
  if (e.ms !== undefined) parts.push(`${(e.ms / 1000).toFixed(1)}s`);
  if (e.nxStatus) parts.push(CACHE_WORDS[e.nxStatus] ?? e.nxStatus);
  if (e.status === 'failure') parts.push(e.code && e.code !== 'FLEET_TASK_EXIT' ? e.code : `exit ${e.exitCode ?? '?'}`);
  if (e.retrying) parts.push(`retrying (attempt ${(e.attempt ?? 1) + 1})`);
  if ((e.attempt ?? 1) > 1 && !e.retrying) parts.push(`attempt ${e.attempt}`);
  if (e.flaky) parts.push('flaky: it failed before with the same hash');
  return parts.join(' · ');
}
