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
}

/**
 * Flaky tasks: the same hash (the same inputs) both failed and passed. Only executed runs
 * count (a cache hit replays a result, it does not test anything again). One SQL pass over
 * the window, grouped by task and hash, then by task.
 */
export function flakyTasks(store: RunStore, q: { days: number; now?: number; target?: string }): FlakyTask[] {
  const since = (q.now ?? Date.now()) - q.days * 86_400_000;
  const rows = store.db
    .prepare(
      `WITH w AS (
         SELECT tr.task, tr.hash, tr.status, tr.start_ms, tr.end_ms FROM task_runs tr
         WHERE tr.start_ms >= ? AND tr.cache = 'miss' AND tr.status IN ('success', 'failure')
       ), byhash AS (
         SELECT task, hash, sum(status = 'success') AS ok, sum(status = 'failure') AS bad,
           max(CASE WHEN status = 'failure' THEN start_ms END) AS last_bad, count(*) AS n,
           sum(coalesce(end_ms - start_ms, 0)) AS dur
         FROM w GROUP BY task, hash
       ), bytask AS (
         SELECT task, sum(n) AS runs, sum(ok) AS successes, sum(CASE WHEN bad > 0 THEN ok ELSE 0 END) AS flaky_ok,
           sum(bad > 0 AND ok > 0) AS flaky_hashes, sum(CASE WHEN ok > 0 THEN bad ELSE 0 END) AS reruns,
           sum(dur) AS dur, max(CASE WHEN ok > 0 AND bad > 0 THEN last_bad END) AS last_seen
         FROM byhash GROUP BY task
       )
       SELECT t.task_id, t.project, t.target, b.* FROM bytask b JOIN tasks t ON t.id = b.task
       WHERE b.flaky_hashes > 0 ${q.target ? 'AND t.target = ?' : ''}`,
    )
    .all(...[since, ...(q.target ? [q.target] : [])]) as Array<Record<string, number | string>>;
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
      };
    })
    .sort((a, b) => b.rate - a.rate || b.wastedMs - a.wastedMs || (a.taskId < b.taskId ? -1 : 1));
}
