import type { SqliteDatabase } from './sqlite-types';
import type { RunRecord } from './types';

/** Adds a run's tasks to the daily rollups (day of each task's start, UTC; the run's namespace). */
export function addDayStats(db: SqliteDatabase, run: RunRecord): void {
  const acc = new Map<
    string,
    { runs: number; n: number; executed: number; hits: number; failures: number; ms: number }
  >();
  const seen = new Set<string>();
  for (const t of run.tasks) {
    const day = new Date(t.startTime ?? run.startTime).toISOString().slice(0, 10);
    for (const target of [t.target, '*']) {
      const key = `${day}\u0000${target}`;
      const a = acc.get(key) ?? { runs: 0, n: 0, executed: 0, hits: 0, failures: 0, ms: 0 };
      if (!seen.has(key)) {
        seen.add(key);
        a.runs = 1;
      }
      a.n++;
      if (t.cache === 'miss') {
        a.executed++;
        a.ms += t.startTime !== null && t.endTime !== null ? t.endTime - t.startTime : 0;
      }
      if (t.cache === 'local' || t.cache === 'remote') a.hits++;
      if (t.status === 'failure') a.failures++;
      acc.set(key, a);
    }
  }
  const upsert = db.prepare(`INSERT INTO day_stats (day, namespace, target, runs, task_runs, executed, hits, failures,
    executed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, namespace, target) DO UPDATE SET runs = runs + excluded.runs,
    task_runs = task_runs + excluded.task_runs, executed = executed + excluded.executed, hits = hits + excluded.hits,
    failures = failures + excluded.failures, executed_ms = executed_ms + excluded.executed_ms`);
  for (const [key, a] of acc) {
    const [day, target] = key.split('\u0000');
    upsert.run(day, run.namespace, target, a.runs, a.n, a.executed, a.hits, a.failures, a.ms);
  }
}

/**
 * Rebuilds the daily rollups from the stored runs (the schema-3 migration: they became per
 * namespace), as {@link addDayStats} counts them.
 */
export function rebuildDayStats(db: SqliteDatabase): void {
  const day = "strftime('%Y-%m-%d', coalesce(tr.start_ms, r.start_ms) / 1000.0, 'unixepoch')";
  const counts = `count(DISTINCT tr.run), count(*), sum(tr.cache = 'miss'), sum(tr.cache IN ('local', 'remote')),
    sum(tr.status = 'failure'), sum(CASE WHEN tr.cache = 'miss' THEN coalesce(tr.end_ms - tr.start_ms, 0) ELSE 0 END)`;
  const from = 'FROM task_runs tr JOIN runs r ON r.id = tr.run JOIN tasks t ON t.id = tr.task';
  db.exec(`DELETE FROM day_stats;
    INSERT INTO day_stats (day, namespace, target, runs, task_runs, executed, hits, failures, executed_ms)
    SELECT ${day}, r.namespace, t.target, ${counts} ${from} GROUP BY 1, 2, 3;
    INSERT INTO day_stats (day, namespace, target, runs, task_runs, executed, hits, failures, executed_ms)
    SELECT ${day}, r.namespace, '*', ${counts} ${from} GROUP BY 1, 2`);
}

/** ` AND <column> IN (...)` for a namespace filter, or nothing (all namespaces), and its values. */
export function namespaceFilter(column: string, namespaces: string[] | undefined): { sql: string; params: string[] } {
  if (!namespaces) return { sql: '', params: [] };
  return { sql: ` AND ${column} IN (${namespaces.map(() => '?').join(',') || "''"})`, params: namespaces };
}
