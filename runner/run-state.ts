import {
  INFRASTRUCTURE_FAILURES,
  type AttemptSummary,
  type RunEvent,
  type TaskResult,
  type TaskStatus,
  type TaskSummary,
} from './job';
import type { PlannedTask } from './task-graph';
import { criticalPathLengths } from './task-graph';

interface TaskState extends TaskSummary {
  task: PlannedTask;
  /** The attempt now queued or running (1-based); a retry is a new job with the next number. */
  attempt: number;
  /** BullMQ job id of the current attempt. */
  jobId?: string;
  /** Agents that failed this task: a retry prefers another one. */
  avoid: string[];
  /** When the coordinator first saw no live agent able to run it (for --agent-wait). */
  unservedSince?: number;
  /** When the current attempt was queued (`queuedAt` is the first attempt's). */
  attemptQueuedAt?: number;
}

/** When a failed task runs again. */
export interface RetryPolicy {
  /** Extra attempts after a task's own failure (`--retry-failed N`). Default 0. */
  retryFailed: number;
  /** Extra attempts for tasks seen flaky in earlier runs. Default 1. */
  retryFlaky: number;
  /** Attempts in all after infrastructure failures (timeout, checkout, spawn). Default 3. */
  maxAttempts: number;
}

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['success', 'failure', 'unschedulable', 'cancelled']);
/** Attempts in all of a task after infrastructure failures: the one default (`--max-attempts`). */
export const DEFAULT_MAX_ATTEMPTS = 3;

const DEFAULT_POLICY: RetryPolicy = { retryFailed: 0, retryFlaky: 1, maxAttempts: DEFAULT_MAX_ATTEMPTS };

/** What applying an event did, for the coordinator's output. */
export interface Applied {
  line?: string;
  /** The task's attempt ended (its output can be printed under a header of these). */
  ended?: {
    taskId: string;
    status: 'success' | 'failure';
    retrying: boolean;
    agent?: string;
    attempt?: number;
    ms?: number;
    nxStatus?: string;
    code?: string;
    exitCode?: number | null;
    /** It passed after failing with the same hash. */
    flaky?: boolean;
  };
}

/** The coordinator's bookkeeping of one run, free of I/O so that its rules are easy to follow. */
export class RunState {
  private readonly states = new Map<string, TaskState>();
  private readonly dependents = new Map<string, string[]>();
  readonly rank: Map<string, number>;
  /** The longest weighted path of the run (at least 1): priorities are scaled by it. */
  readonly maxRank: number;

  constructor(
    tasks: PlannedTask[],
    private readonly policy: RetryPolicy = DEFAULT_POLICY,
    private readonly durations: ReadonlyMap<string, number> = new Map(),
    private readonly knownFlaky: ReadonlySet<string> = new Set(),
  ) {
    this.rank = criticalPathLengths(tasks, durations);
    this.maxRank = Math.max(1, ...this.rank.values());
    for (const t of tasks) {
      this.states.set(t.id, {
        taskId: t.id,
        task: t,
        status: 'pending',
        attempts: 0,
        attempt: 1,
        avoid: [],
        requirement: t.requirement,
        history: [],
      });
      this.dependents.set(t.id, []);
    }
    for (const t of tasks) for (const d of t.deps) this.dependents.get(d)?.push(t.id);
  }

  /** The task's typical duration from earlier runs (ms), if known: `--budget` estimates with it. */
  typicalMs(id: string): number | undefined {
    return this.durations.get(id);
  }

  get(id: string): TaskState | undefined {
    return this.states.get(id);
  }

  all(): TaskState[] {
    return [...this.states.values()];
  }

  /** Pending tasks whose dependencies all succeeded, longest remaining critical path first. */
  ready(now = Date.now()): TaskState[] {
    const out: TaskState[] = [];
    for (const s of this.states.values()) {
      if (s.status !== 'pending' || !s.task.deps.every((d) => this.states.get(d)?.status === 'success')) continue;
      s.readyAt ??= s.task.deps.length ? Math.max(...s.task.deps.map((d) => this.states.get(d)?.endedAt ?? now)) : now;
      out.push(s);
    }
    return out.sort(
      (a, b) => (this.rank.get(b.taskId) ?? 0) - (this.rank.get(a.taskId) ?? 0) || (a.taskId < b.taskId ? -1 : 1),
    );
  }

  queued(id: string, jobId: string, at: number): void {
    const s = this.states.get(id)!;
    s.status = 'queued';
    s.jobId = jobId;
    s.queuedAt ??= at;
    s.attemptQueuedAt = at;
  }

  done(): boolean {
    return this.all().every((s) => TERMINAL.has(s.status));
  }

  succeeded(): boolean {
    return this.all().every((s) => s.status === 'success');
  }

  /**
   * The BullMQ priority of a task's job (1 is taken first): the longest weighted critical path
   * first, scaled into BullMQ's integer range.
   */
  priority(id: string): number {
    return Math.round(((this.maxRank - (this.rank.get(id) ?? 0)) / this.maxRank) * 1_000_000) + 1;
  }

  /**
   * Redis lost the run's jobs: every task queued or running goes back to pending, to be queued
   * again (a task still running reports into the new streams, or runs again: a cache hit at worst).
   */
  requeueUnfinished(): number {
    const open = this.all().filter((s) => s.status === 'queued' || s.status === 'running');
    for (const s of open) s.status = 'pending';
    return open.length;
  }

  /** Ctrl-C: every task not started yet is cancelled; returns those whose queued job is to be removed. */
  cancelWaiting(at: number): TaskState[] {
    const queued = this.all().filter((s) => s.status === 'queued' && s.jobId);
    for (const s of this.all())
      if (s.status === 'queued' || s.status === 'pending')
        this.end(s.taskId, 'cancelled', 'the run was cancelled', at, 'FLEET_RUN_CANCELLED');
    return queued;
  }

  /** Ends a task that never ran to a result, and cancels everything that depends on it. */
  end(id: string, status: 'failure' | 'unschedulable' | 'cancelled', message: string, at: number, code?: string): void {
    const s = this.states.get(id);
    if (!s || TERMINAL.has(s.status)) return;
    Object.assign(s, { status, message, endedAt: at });
    if (code) s.code = code;
    this.cancelDependents(id, at);
  }

  private cancelDependents(id: string, at: number): void {
    for (const d of this.dependents.get(id) ?? [])
      this.end(d, 'cancelled', `dependency ${id} did not succeed`, at, 'FLEET_DEPENDENCY_FAILED');
  }

  /** Whether the failed attempt gets another one, and why. */
  private retryReason(s: TaskState, r: TaskResult): string | undefined {
    if (r.code === 'FLEET_RUN_CANCELLED' || r.code === 'FLEET_RUN_ABANDONED') return undefined;
    if (INFRASTRUCTURE_FAILURES.has(r.code ?? ''))
      return s.attempt < this.policy.maxAttempts ? `${r.code} is an infrastructure failure` : undefined;
    const ownFailures = s.history!.filter(
      (h) => h.status === 'failure' && !INFRASTRUCTURE_FAILURES.has(h.code ?? ''),
    ).length;
    if (ownFailures <= this.policy.retryFailed) return `--retry-failed ${this.policy.retryFailed}`;
    if (this.knownFlaky.has(s.taskId) && ownFailures <= this.policy.retryFlaky) return 'it was flaky in an earlier run';
    return undefined;
  }

  /** Applies an agent's event (received at `now` on the coordinator's clock); says what to print. */
  apply(e: RunEvent, now = Date.now()): Applied {
    if (e.type === 'refused') {
      if (e.taskId) this.end(e.taskId, 'failure', `agent ${e.agent} refused the job: ${e.message}`, Date.now(), e.code);
      return { line: `agent ${e.agent} refused ${e.taskId ?? 'a job'}: ${e.message} [${e.code}]` };
    }
    if (e.type === 'started') {
      const s = this.states.get(e.taskId);
      if (!s || TERMINAL.has(s.status) || e.attempt !== s.attempt) return {};
      Object.assign(s, { status: 'running', agent: e.agent, startedAt: e.at, gpus: e.gpus, attempts: s.attempts + 1 });
      return {
        line: `${e.taskId} started on ${e.agent}${e.gpus.length ? ` (GPUs ${e.gpus.join(',')})` : ''}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}`,
      };
    }
    const r = e.result;
    const s = this.states.get(r.taskId);
    // A result of an attempt that is not the current one (a duplicate after Redis lost its data) changes nothing.
    if (!s || TERMINAL.has(s.status) || r.attempt !== s.attempt) return {};
    const attempt: AttemptSummary = {
      attempt: r.attempt,
      agent: r.agent,
      status: r.status,
      exitCode: r.exitCode,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      resultAt: now,
    };
    if (r.hash) attempt.hash = r.hash;
    if (r.code) attempt.code = r.code;
    if (s.attemptQueuedAt !== undefined) attempt.queuedAt = s.attemptQueuedAt;
    if (r.nxStatus) attempt.nxStatus = r.nxStatus;
    if (typeof r.costPerHour === 'number') attempt.costPerHour = r.costPerHour;
    if (r.gpus?.length) attempt.gpus = r.gpus;
    s.history!.push(attempt);
    Object.assign(s, {
      agent: r.agent,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      resultAt: now,
      exitCode: r.exitCode,
      gpus: r.gpus,
      hash: r.hash ?? s.hash,
    });
    const secs = ((r.endedAt - r.startedAt) / 1000).toFixed(1);
    const about = {
      agent: r.agent,
      attempt: r.attempt,
      ms: r.endedAt - r.startedAt,
      nxStatus: r.nxStatus,
      code: r.code,
      exitCode: r.exitCode,
    };
    if (r.status === 'success') {
      s.status = 'success';
      s.message = undefined;
      s.code = undefined;
      // Flaky: an earlier attempt failed on its own (not the agent's fault) with the same inputs.
      const same = (h: AttemptSummary): boolean => h.hash === undefined || r.hash === undefined || h.hash === r.hash;
      if (s.history!.some((h) => h.status === 'failure' && !INFRASTRUCTURE_FAILURES.has(h.code ?? '') && same(h)))
        s.flaky = true;
      return {
        line: `${r.taskId} succeeded on ${r.agent} in ${secs}s${s.flaky ? ' (flaky: it failed before with the same hash)' : ''}`,
        ended: { taskId: r.taskId, status: 'success', retrying: false, ...about, ...(s.flaky ? { flaky: true } : {}) },
      };
    }
    const failed = `${r.taskId} failed (${r.code ?? 'exit'}${r.exitCode !== null && r.exitCode !== undefined ? ` ${r.exitCode}` : ''}) on ${r.agent} in ${secs}s`;
    const why = this.retryReason(s, r);
    if (why) {
      s.avoid = [...new Set([...s.avoid, r.agent])];
      s.attempt++;
      s.status = 'pending';
      s.message = r.message;
      s.code = r.code;
      return {
        line: `${failed}; retrying (attempt ${s.attempt}, ${why}) on another agent if one is free`,
        ended: { taskId: r.taskId, status: 'failure', retrying: true, ...about },
      };
    }
    s.status = r.code === 'FLEET_RUN_CANCELLED' ? 'cancelled' : 'failure';
    if (r.message) s.message = r.message;
    s.code = r.code;
    this.cancelDependents(r.taskId, r.endedAt);
    return { line: failed, ended: { taskId: r.taskId, status: 'failure', retrying: false, ...about } };
  }

  summaries(): TaskSummary[] {
    return this.all().map(
      ({ task, unservedSince: _u, attempt: _a, jobId: _j, avoid: _v, attemptQueuedAt: _q, ...summary }) => {
        if (summary.code === undefined) delete summary.code;
        return { ...summary, deps: [...task.deps] };
      },
    );
  }
}
