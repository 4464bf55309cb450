import {
  addDuration,
  decodeSketch,
  emptySketch,
  encodeSketch,
  sketchCount,
  type DurationSketch,
} from './duration-sketch';
import type { SqliteDatabase } from './sqlite-types';

/** An executed task run (a cache miss that passed or failed, with both times): what durations count. */
export interface ExecutedDuration {
  /** The task's row in `tasks`. */
  task: number;
  target: string;
  startMs: number;
  endMs: number;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Adds executed durations to the per-day duration rollups (UTC day of the task's start, the
 * namespace the run was stored under): a duration sketch per target (analytics/duration-sketch.ts,
 * for the trends page's p50/p90) and a count and sum per task (for the slowest tasks' means).
 */
export function addDurationRollups(db: SqliteDatabase, namespace: string, runs: Iterable<ExecutedDuration>): void {
  const sketches = new Map<string, DurationSketch>();
  const perTask = new Map<string, { n: number; ms: number }>();
  for (const r of runs) {
    const day = dayOf(r.startMs);
    const ms = r.endMs - r.startMs;
    const sk = `${day}\u0000${r.target}`;
    let s = sketches.get(sk);
    if (!s) sketches.set(sk, (s = emptySketch()));
    addDuration(s, ms);
    const tk = `${day}\u0000${r.task}`;
    const t = perTask.get(tk) ?? { n: 0, ms: 0 };
    t.n++;
    t.ms += ms;
    perTask.set(tk, t);
  }
  const read = db.prepare('SELECT sketch FROM day_durations WHERE day = ? AND namespace = ? AND target = ?');
  const write = db.prepare(`INSERT OR REPLACE INTO day_durations (day, namespace, target, executed, sketch)
    VALUES (?, ?, ?, ?, ?)`);
  for (const [key, s] of sketches) {
    const [day, target] = key.split('\u0000');
    const old = read.get(day, namespace, target) as { sketch: Uint8Array } | undefined;
    if (old) decodeSketch(old.sketch, s);
    write.run(day, namespace, target, sketchCount(s), encodeSketch(s));
  }
  const upsert = db.prepare(`INSERT INTO day_task_durations (day, namespace, task, executed, executed_ms)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, namespace, task) DO UPDATE SET executed = executed + excluded.executed,
    executed_ms = executed_ms + excluded.executed_ms`);
  for (const [key, t] of perTask) {
    const [day, task] = key.split('\u0000');
    upsert.run(day, namespace, Number(task), t.n, t.ms);
  }
}

/** The predicate of an executed duration, in SQL over `task_runs tr` (kept equal to record()'s). */
export const EXECUTED_SQL = `tr.cache = 'miss' AND tr.status IN ('success', 'failure') AND tr.start_ms IS NOT NULL
  AND tr.end_ms IS NOT NULL`;

/**
 * Rebuilds the duration rollups from the stored task runs: the migration of a store written
 * before they existed (schema 3). One pass, grouped per namespace.
 */
export function rebuildDurationRollups(db: SqliteDatabase): void {
  db.exec('DELETE FROM day_durations; DELETE FROM day_task_durations');
  const rows = db
    .prepare(
      `SELECT r.namespace, tr.task, t.target, tr.start_ms, tr.end_ms FROM task_runs tr JOIN runs r ON r.id = tr.run
       JOIN tasks t ON t.id = tr.task WHERE ${EXECUTED_SQL}`,
    )
    .all() as Array<{ namespace: string; task: number; target: string; start_ms: number; end_ms: number }>;
  const byNamespace = new Map<string, ExecutedDuration[]>();
  for (const r of rows) {
    const list = byNamespace.get(r.namespace) ?? [];
    list.push({ task: r.task, target: r.target, startMs: r.start_ms, endMs: r.end_ms });
    byNamespace.set(r.namespace, list);
  }
  for (const [ns, list] of byNamespace) addDurationRollups(db, ns, list);
}
