import { criticalPath, workerIdle, type CriticalPath, type WorkerIdle } from './critical-path';
import { namespaceFilter } from './day-stats';
import type { RunStore } from './run-store';
import type { RunSummary } from './types';

/** `fleet stats --run RUN --json` (docs/json-output.md). */
export interface RunStats {
  run: RunSummary;
  durationMs: number;
  tasks: { total: number; executed: number; local: number; remote: number; failed: number; skipped: number };
  /** Time the cache saved: the original (producing) durations of the tasks served from cache. */
  cacheSavedMs: number;
  /** Cache hits whose producing run is not in this store (their saving is not counted). */
  cacheHitsWithoutProducer: number;
  criticalPath: CriticalPath | null;
  workers: WorkerIdle[];
  notes: string[];
}

/**
 * Per-run numbers; `deps` (task → tasks it waits for) comes from the project graph, or null.
 * With `namespaces` (the central store: a token's read namespaces), a hit's producer is looked
 * up in those only, in their order (as the cache reads them).
 */
export function runStats(
  store: RunStore,
  runId: string,
  deps: Record<string, string[]> | null,
  namespaces?: string[],
): RunStats | null {
  const run = store.run(runId);
  if (!run) return null;
  const tasks = store.runTasks(runId);
  let saved = 0;
  let withoutProducer = 0;
  for (const t of tasks) {
    if (t.cache !== 'local' && t.cache !== 'remote') continue;
    const p = store.producerOf(t.hash, namespaces);
    if (p && p.startTime !== null && p.endTime !== null) saved += p.endTime - p.startTime;
    else withoutProducer++;
  }
  const notes: string[] = [];
  if (!deps) notes.push('no project graph: critical path not computed');
  if (tasks.some((t) => !t.agent))
    notes.push('local workers are inferred lanes (Nx does not say which worker ran a task)');
  return {
    run,
    durationMs: run.endTime - run.startTime,
    tasks: {
      total: tasks.length,
      executed: tasks.filter((t) => t.cache === 'miss').length,
      local: tasks.filter((t) => t.cache === 'local').length,
      remote: tasks.filter((t) => t.cache === 'remote').length,
      failed: tasks.filter((t) => t.status === 'failure').length,
      skipped: tasks.filter((t) => t.cache === 'skipped').length,
    },
    cacheSavedMs: saved,
    cacheHitsWithoutProducer: withoutProducer,
    criticalPath: deps ? criticalPath(tasks, deps) : null,
    workers: workerIdle(
      tasks.map((t) => ({ ...t, worker: t.agent })),
      { start: run.startTime, end: run.endTime },
    ),
    notes,
  };
}

/** One day of `fleet stats --json` trends. */
export interface DayTrend {
  day: string;
  runs: number;
  taskRuns: number;
  executed: number;
  cacheHits: number;
  hitRate: number;
  failures: number;
  executedMs: number;
}

/**
 * Daily trends over the window (UTC days, whole days: the day the window starts in is
 * included), newest first, from the rollups record() keeps; with `namespaces`, of those only.
 */
export function trendStats(
  store: RunStore,
  q: { days: number; now?: number; target?: string; namespaces?: string[] },
): DayTrend[] {
  const since = new Date((q.now ?? Date.now()) - q.days * 86_400_000).toISOString().slice(0, 10);
  const until = new Date(q.now ?? Date.now()).toISOString().slice(0, 10);
  const ns = namespaceFilter('namespace', q.namespaces);
  const rows = store.db
    .prepare(
      `SELECT day, sum(runs) AS runs, sum(task_runs) AS task_runs, sum(executed) AS executed, sum(hits) AS hits,
       sum(failures) AS failures, sum(executed_ms) AS executed_ms FROM day_stats
       WHERE target = ? AND day >= ? AND day <= ?${ns.sql} GROUP BY day ORDER BY day DESC`,
    )
    .all(q.target ?? '*', since, until, ...ns.params) as Array<Record<string, number | string>>;
  return rows.map((r) => {
    const taskRuns = Number(r.task_runs);
    const hits = Number(r.hits);
    return {
      day: String(r.day),
      runs: Number(r.runs),
      taskRuns,
      executed: Number(r.executed),
      cacheHits: hits,
      hitRate: taskRuns ? hits / taskRuns : 0,
      failures: Number(r.failures),
      executedMs: Number(r.executed_ms),
    };
  });
}
