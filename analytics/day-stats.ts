import type { SqliteDatabase } from './sqlite-types';
import type { RunRecord } from './types';

/** Adds a run's tasks to the daily rollups (day of each task's start, UTC). */
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
  const upsert = db.prepare(`INSERT INTO day_stats (day, target, runs, task_runs, executed, hits, failures, executed_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, target) DO UPDATE SET runs = runs + excluded.runs,
    task_runs = task_runs + excluded.task_runs, executed = executed + excluded.executed, hits = hits + excluded.hits,
    failures = failures + excluded.failures, executed_ms = executed_ms + excluded.executed_ms`);
  for (const [key, a] of acc) {
    const [day, target] = key.split('\u0000');
    upsert.run(day, target, a.runs, a.n, a.executed, a.hits, a.failures, a.ms);
  }
}
