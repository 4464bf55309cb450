import { runStats, type RunStore, type StoredTaskRun } from '../analytics';
import type { RunPage, TimelineTask } from './types';

/**
 * Each task's lane, by the rule analytics/critical-path.ts's workerIdle uses for its counts:
 * an agent's tasks are its own lane; local tasks (Nx does not say which worker ran them) go to
 * the earliest-free inferred lane `lane-N`, in start order. So the timeline draws exactly the
 * lanes `fleet stats` reports. Untimed tasks (skipped) get the lane `not run`.
 */
export function assignLanes(tasks: StoredTaskRun[]): Map<StoredTaskRun, string> {
  const out = new Map<StoredTaskRun, string>();
  const timed = tasks
    .filter((t) => t.startTime !== null && t.endTime !== null)
    .sort((a, b) => a.startTime! - b.startTime!);
  const lanes: Array<{ name: string; freeAt: number }> = [];
  for (const t of timed) {
    if (t.agent) {
      out.set(t, t.agent);
      continue;
    }
    // Earliest-free lane among the free ones; ties keep the first created.
    let lane: { name: string; freeAt: number } | undefined;
    for (const l of lanes) if (l.freeAt <= t.startTime! && (!lane || l.freeAt < lane.freeAt)) lane = l;
    if (!lane) lanes.push((lane = { name: `lane-${lanes.length + 1}`, freeAt: 0 }));
    lane.freeAt = Math.max(lane.freeAt, t.endTime!);
    out.set(t, lane.name);
  }
  for (const t of tasks) if (!out.has(t)) out.set(t, 'not run');
  return out;
}

/** Orders lanes: inferred lanes by number, then agents by name, `not run` last. */
function laneOrder(a: string, b: string): number {
  const rank = (l: string): [number, number, string] =>
    l === 'not run' ? [2, 0, l] : /^lane-\d+$/.test(l) ? [0, Number(l.slice(5)), l] : [1, 0, l];
  const [x, y] = [rank(a), rank(b)];
  return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
}

/** A run's page: its stats (critical path, workers, cache savings) and its tasks on lanes. */
export function runPage(
  store: RunStore,
  runId: string,
  deps: Record<string, string[]> | null,
  namespaces?: string[],
): RunPage | null {
  const stats = runStats(store, runId, deps, namespaces);
  if (!stats) return null;
  const tasks = store.runTasks(runId);
  const lanes = assignLanes(tasks);
  const critical = new Set(stats.criticalPath?.tasks ?? []);
  const out: TimelineTask[] = tasks.map((t) => ({ ...t, lane: lanes.get(t)!, critical: critical.has(t.taskId) }));
  return { run: stats.run, stats, lanes: [...new Set(lanes.values())].sort(laneOrder), tasks: out };
}
