import {
  addDuration,
  decodeSketch,
  emptySketch,
  encodeSketch,
  sketchCount,
  type DurationSketch,
} from './duration-sketch';
import type { SqliteDatabase } from './sqlite-types';

/**
 * An executed task run: a cache miss that passed or failed, with a start time. Its duration
 * counts when it also has an end time; `fleet flaky` counts it either way.
 */
export interface ExecutedRun {
  /** The task's row in `tasks`. */
  task: number;
  target: string;
  success: boolean;
  startMs: number;
  endMs: number | null;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Adds executed task runs to the per-day rollups (UTC day of the task's start, the namespace
 * the run was stored under): a duration sketch per target (analytics/duration-sketch.ts, for
 * the trends page's p50/p90), and per task the timed runs' count and duration sum (the slowest
 * tasks' means), the untimed ones' count and the successes (`fleet flaky`'s totals).
 */
export function addDurationRollups(db: SqliteDatabase, namespace: string, runs: Iterable<ExecutedRun>): void {
  const sketches = new Map<string, DurationSketch>();
  const perTask = new Map<string, { n: number; ms: number; untimed: number; ok: number }>();
  for (const r of runs) {
    const day = dayOf(r.startMs);
    const tk = `${day}\u0000${r.task}`;
    const t = perTask.get(tk) ?? { n: 0, ms: 0, untimed: 0, ok: 0 };
    perTask.set(tk, t);
    if (r.success) t.ok++;
    if (r.endMs === null) {
      t.untimed++;
      continue;
    }
    const ms = r.endMs - r.startMs;
    t.n++;
    t.ms += ms;
    const sk = `${day}\u0000${r.target}`;
    let s = sketches.get(sk);
    if (!s) sketches.set(sk, (s = emptySketch()));
    addDuration(s, ms);
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
  const upsert =
    db.prepare(`INSERT INTO day_task_durations (day, namespace, task, executed, executed_ms, untimed, successes)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, namespace, task) DO UPDATE SET executed = executed + excluded.executed,
    executed_ms = executed_ms + excluded.executed_ms, untimed = untimed + excluded.untimed,
    successes = successes + excluded.successes`);
  for (const [key, t] of perTask) {
    const [day, task] = key.split('\u0000');
    upsert.run(day, namespace, Number(task), t.n, t.ms, t.untimed, t.ok);
  }
}

/** An executed task run in SQL over `task_runs tr` (kept equal to record()'s test). */
export const EXECUTED_RUN_SQL = `tr.cache = 'miss' AND tr.status IN ('success', 'failure') AND tr.start_ms IS NOT NULL`;
/** An executed task run whose duration counts. */
export const EXECUTED_SQL = `${EXECUTED_RUN_SQL} AND tr.end_ms IS NOT NULL`;

/**
 * Rebuilds the duration rollups from the stored task runs: the migration of a store written
 * before they existed (schema 3), grouped per namespace.
 */
export function rebuildDurationRollups(db: SqliteDatabase): void {
  db.exec('DELETE FROM day_durations; DELETE FROM day_task_durations');
  // By chunks of runs: memory stays bounded on a large store (each chunk merges into the rows
  // the ones before wrote, as record() does).
  const ids = (db.prepare('SELECT id FROM runs ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
  const chunk = db.prepare(
    `SELECT r.namespace, tr.task, t.target, tr.status, tr.start_ms, tr.end_ms FROM task_runs tr
     JOIN runs r ON r.id = tr.run JOIN tasks t ON t.id = tr.task WHERE tr.run >= ? AND tr.run <= ? AND ${EXECUTED_RUN_SQL}`,
  );
  for (let i = 0; i < ids.length; i += 500) {
    const rows = chunk.all(ids[i], ids[Math.min(ids.length, i + 500) - 1]) as Array<{
      namespace: string;
      task: number;
      target: string;
      status: string;
      start_ms: number;
      end_ms: number | null;
    }>;
    const byNamespace = new Map<string, ExecutedRun[]>();
    for (const r of rows) {
      const list = byNamespace.get(r.namespace) ?? [];
      list.push({
        task: r.task,
        target: r.target,
        success: r.status === 'success',
        startMs: r.start_ms,
        endMs: r.end_ms,
      });
      byNamespace.set(r.namespace, list);
    }
    for (const [ns, list] of byNamespace) addDurationRollups(db, ns, list);
  }
}
