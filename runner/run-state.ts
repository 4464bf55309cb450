import type { RunEvent, TaskStatus, TaskSummary } from './job';
import type { PlannedTask } from './task-graph';
import { criticalPathLengths } from './task-graph';

interface TaskState extends TaskSummary {
  task: PlannedTask;
  /** When the coordinator first saw no live agent able to run it (for --agent-wait). */
  unservedSince?: number;
}

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['success', 'failure', 'unschedulable', 'cancelled']);

/** The coordinator's bookkeeping of one run, free of I/O so that its rules are easy to follow. */
export class RunState {
  private readonly states = new Map<string, TaskState>();
  private readonly dependents = new Map<string, string[]>();
  readonly rank: Map<string, number>;

  constructor(tasks: PlannedTask[]) {
    this.rank = criticalPathLengths(tasks);
    for (const t of tasks) {
      this.states.set(t.id, { taskId: t.id, task: t, status: 'pending', attempts: 0, requirement: t.requirement });
      this.dependents.set(t.id, []);
    }
    for (const t of tasks) for (const d of t.deps) this.dependents.get(d)?.push(t.id);
  }

  get(id: string): TaskState | undefined {
    return this.states.get(id);
  }

  all(): TaskState[] {
    return [...this.states.values()];
  }

  /** Pending tasks whose dependencies all succeeded, longest remaining critical path first. */
  ready(): PlannedTask[] {
    return this.all()
      .filter((s) => s.status === 'pending' && s.task.deps.every((d) => this.states.get(d)?.status === 'success'))
      .map((s) => s.task)
      .sort((a, b) => (this.rank.get(b.id) ?? 0) - (this.rank.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1));
  }

  queued(id: string, at: number): void {
    const s = this.states.get(id)!;
    s.status = 'queued';
    s.queuedAt = at;
  }

  done(): boolean {
    return this.all().every((s) => TERMINAL.has(s.status));
  }

  succeeded(): boolean {
    return this.all().every((s) => s.status === 'success');
  }

  /** Ends a task that never ran to a result, and cancels everything that depends on it. */
  end(id: string, status: 'failure' | 'unschedulable' | 'cancelled', message: string, at: number): void {
    const s = this.states.get(id);
    if (!s || TERMINAL.has(s.status)) return;
    Object.assign(s, { status, message, endedAt: at });
    this.cancelDependents(id, at);
  }

  private cancelDependents(id: string, at: number): void {
    for (const d of this.dependents.get(id) ?? []) this.end(d, 'cancelled', `dependency ${id} did not succeed`, at);
  }

  /** Applies an agent's event; returns a line for the progress output, if any. */
  apply(e: RunEvent): string | undefined {
    if (e.type === 'refused') {
      if (e.taskId) this.end(e.taskId, 'failure', `agent ${e.agent} refused the job: ${e.message} [${e.code}]`, Date.now());
      return `agent ${e.agent} refused ${e.taskId ?? 'a job'}: ${e.message} [${e.code}]`;
    }
    if (e.type === 'started') {
      const s = this.states.get(e.taskId);
      if (!s || TERMINAL.has(s.status)) return undefined;
      Object.assign(s, { status: 'running', agent: e.agent, startedAt: e.at, gpus: e.gpus, attempts: s.attempts + 1 });
      return `${e.taskId} started on ${e.agent}${e.gpus.length ? ` (GPUs ${e.gpus.join(',')})` : ''}`;
    }
    const r = e.result;
    const s = this.states.get(r.taskId);
    if (!s || TERMINAL.has(s.status)) return undefined;
    Object.assign(s, { status: r.status, agent: r.agent, startedAt: r.startedAt, endedAt: r.endedAt, exitCode: r.exitCode, gpus: r.gpus, hash: r.hash });
    if (r.message) s.message = r.message;
    if (r.status !== 'success') this.cancelDependents(r.taskId, r.endedAt);
    const secs = ((r.endedAt - r.startedAt) / 1000).toFixed(1);
    return `${r.taskId} ${r.status === 'success' ? 'succeeded' : `failed (${r.code ?? 'exit'} ${r.exitCode ?? ''})`} on ${r.agent} in ${secs}s`;
  }

  summaries(): TaskSummary[] {
    return this.all().map(({ task: _task, unservedSince: _u, ...summary }) => summary);
  }
}
