import { flakyTasks, type RunStore } from '../analytics';
import { percentile } from './percentile';
import type { TaskHistoryRow, TaskPage } from './types';

/**
 * A task's history (newest first, with each run's branch, commit and machine), the spread of
 * its executed durations and its flake rate over `days`, from `fleet flaky`'s query.
 */
export function taskPage(
  store: RunStore,
  taskId: string,
  q: { limit: number; days: number; now?: number; namespaces?: string[] },
): TaskPage | null {
  const runs = store.taskHistory(taskId, { limit: q.limit, namespaces: q.namespaces });
  if (!runs.length) return null;
  const summaries = new Map<string, ReturnType<RunStore['run']>>();
  const history: TaskHistoryRow[] = runs.map((t) => {
    if (!summaries.has(t.runId)) summaries.set(t.runId, store.run(t.runId));
    const run = summaries.get(t.runId);
    return {
      ...t,
      branch: run?.branch ?? null,
      commit: run?.commit ?? null,
      machine: run?.machine ?? '',
      runStartTime: run?.startTime ?? 0,
    };
  });
  const executed = runs
    .filter((t) => t.cache === 'miss' && t.startTime !== null && t.endTime !== null)
    .map((t) => t.endTime! - t.startTime!)
    .sort((a, b) => a - b);
  const target = runs[0].target;
  const flaky =
    flakyTasks(store, { days: q.days, now: q.now, target, namespaces: q.namespaces }).find(
      (f) => f.taskId === taskId,
    ) ?? null;
  return {
    taskId,
    history,
    durations: { p50: percentile(executed, 0.5), p90: percentile(executed, 0.9), executed: executed.length },
    flaky,
    flakeRate: flaky ? flaky.rate : executed.length ? 0 : null,
  };
}
