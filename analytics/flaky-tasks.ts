import type { RunStore } from './run-store';

/** One task's flakiness over the window (`fleet flaky --json`, docs/json-output.md). */
export interface FlakyTask {
  taskId: string;
  project: string;
  target: string;
  /** Executed runs (cache misses that passed or failed) in the window. */
  runs: number;
  successes: number;
  /** Successes of a hash that also failed in the window. */
  flakySuccesses: number;
  /** flakySuccesses ÷ successes. */
  rate: number;
  /** Hashes that both failed and passed. */
  flakyHashes: number;
  /** Failures of those hashes: each cost a rerun. */
  reruns: number;
  meanDurationMs: number;
  /** reruns × mean duration. */
  wastedMs: number;
  lastSeen: number;
  /** The hashes that both failed and passed (what Nx's own task history is asked about). */
  hashes: string[];
}

/**
 * Flaky tasks: the same hash (the same inputs) both failed and passed. Only executed runs
 * count (a cache hit replays a result, it does not test anything again). One SQL pass over
 * the window.
 */
export function flakyTasks(
  store: RunStore,
  q: { days: number; now?: number; target?: string; namespaces?: string[] },
): FlakyTask[] {
  const now = q.now ?? Date.now();
  const since = now - q.days * 86_400_000;
  // From the window's failures (few) to their hashes' successes, then totals of those tasks
  // only: the window's executed runs are never all read (bench/analytics: 1M task runs).
  // The flaky tasks' totals come from the per-day rollups for the whole days of the window.
  // CROSS JOIN keeps SQLite's order (the few rows outside): left to itself it scanned all task
  // runs once per query, 1.5 s instead of 40 ms on 1M.
  // With namespaces (the central store: a token's read namespaces), only runs stored under them:
  // task runs by their run's namespace, rollups by theirs.
  const nsParams = Object.fromEntries((q.namespaces ?? []).map((n, i) => [`ns${i}`, n]));
  const nsList =
    Object.keys(nsParams)
      .map((k) => `@${k}`)
      .join(',') || "''";
  const runNs = q.namespaces ? ` AND run IN (SELECT id FROM runs WHERE namespace IN (${nsList}))` : '';
  const trNs = runNs.replace(' AND run IN', ' AND tr.run IN');
  const dNs = q.namespaces ? ` AND d.namespace IN (${nsList})` : '';
  const rows = store.db
    .prepare(
      `WITH fails AS MATERIALIZED (
         SELECT DISTINCT task, hash FROM task_runs INDEXED BY task_runs_fail
         WHERE status = 'failure' AND start_ms >= @since AND start_ms <= @now AND cache = 'miss'${runNs}
       ), byhash AS MATERIALIZED (
         SELECT f.task, f.hash, sum(tr.status = 'success') AS ok, sum(tr.status = 'failure') AS bad,
           max(CASE WHEN tr.status = 'failure' THEN tr.start_ms END) AS last_bad
         FROM fails f CROSS JOIN task_runs tr INDEXED BY task_runs_hash ON tr.hash = f.hash AND tr.task = f.task
         WHERE tr.cache = 'miss' AND tr.start_ms >= @since AND tr.start_ms <= @now${trNs}
         GROUP BY f.task, f.hash HAVING ok > 0
       ), flaky AS MATERIALIZED (
         SELECT task, sum(ok) AS flaky_ok, count(*) AS flaky_hashes, group_concat(hash) AS hash_list, sum(bad) AS reruns, max(last_bad) AS last_seen
         FROM byhash GROUP BY task
       ), totals AS (
         -- Whole days inside the window from the per-day task rollups (record() keeps them);
         -- the window's partial first and last days from their task runs.
         SELECT task, sum(runs) AS runs, sum(ok) AS successes, sum(dur) AS dur FROM (
           SELECT d.task, d.executed + d.untimed AS runs, d.successes AS ok, d.executed_ms AS dur
           FROM day_task_durations d
           WHERE d.day >= @fullFrom AND d.day < @fullTo AND d.task IN (SELECT task FROM flaky)${dNs}
           UNION ALL
           SELECT tr.task, 1, tr.status = 'success', coalesce(tr.end_ms - tr.start_ms, 0)
           FROM task_runs tr INDEXED BY task_runs_fail
           WHERE tr.status IN ('success', 'failure') AND tr.start_ms >= @since AND tr.start_ms < @edgeA
             AND tr.cache = 'miss' AND tr.task IN (SELECT task FROM flaky)${trNs}
           UNION ALL
           SELECT tr.task, 1, tr.status = 'success', coalesce(tr.end_ms - tr.start_ms, 0)
           FROM task_runs tr INDEXED BY task_runs_fail
           WHERE tr.status IN ('success', 'failure') AND tr.start_ms >= @edgeB AND tr.start_ms <= @now
             AND tr.cache = 'miss' AND tr.task IN (SELECT task FROM flaky)${trNs}
         ) GROUP BY task
       )
       SELECT t.task_id, t.project, t.target, fl.flaky_ok, fl.flaky_hashes, fl.hash_list, fl.reruns, fl.last_seen,
         tot.runs, tot.successes, tot.dur
       FROM flaky fl JOIN totals tot ON tot.task = fl.task JOIN tasks t ON t.id = fl.task
       ${q.target ? 'WHERE t.target = @target' : ''}`,
    )
    .all({ since, now, ...wholeDays(since, now), ...nsParams, ...(q.target ? { target: q.target } : {}) }) as Array<
    Record<string, number | string>
  >;
  return rows
    .map((r) => {
      const runs = Number(r.runs);
      const successes = Number(r.successes);
      const flakySuccesses = Number(r.flaky_ok);
      const reruns = Number(r.reruns);
      const meanDurationMs = runs ? Number(r.dur) / runs : 0;
      return {
        taskId: String(r.task_id),
        project: String(r.project),
        target: String(r.target),
        runs,
        successes,
        flakySuccesses,
        rate: successes ? flakySuccesses / successes : 0,
        flakyHashes: Number(r.flaky_hashes),
        reruns,
        meanDurationMs: Math.round(meanDurationMs),
        wastedMs: Math.round(reruns * meanDurationMs),
        lastSeen: Number(r.last_seen),
        hashes: String(r.hash_list).split(',').sort(),
      };
    })
    .sort((a, b) => b.rate - a.rate || b.wastedMs - a.wastedMs || (a.taskId < b.taskId ? -1 : 1));
}

const DAY = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The whole UTC days inside [since, now]: [fullFrom, fullTo) as day strings, and the edges
 * [since, edgeA) and [edgeB, now] that are read from task runs. No whole day: all of it is edge.
 */
function wholeDays(since: number, now: number): { fullFrom: string; fullTo: string; edgeA: number; edgeB: number } {
  const a = Math.ceil(since / DAY) * DAY;
  const b = Math.floor(now / DAY) * DAY;
  if (a >= b) return { fullFrom: '', fullTo: '', edgeA: now + 1, edgeB: now + 1 };
  return { fullFrom: dayOf(a), fullTo: dayOf(b), edgeA: a, edgeB: b };
}
