import { flakyTasks, trendStats, type RunStore } from '../analytics';
import type { SqliteStatement } from '../analytics/sqlite-types';
import { percentile } from './percentile';
import type { TargetDay, TrendsPage } from './types';

const DAY = 86_400_000;

interface TaskName {
  id: number;
  task_id: string;
  target: string;
}

interface Rollup {
  day: string;
  target: string;
  task_runs: number;
  executed: number;
  hits: number;
  executed_ms: number;
}

/** The window's executed durations, grouped per target and UTC day, and per task. */
interface Durations {
  of(target: string, day: string): number[];
  perTask: Map<number, number[]>;
}

/**
 * The trends page over `days` (UTC days, as `fleet stats` counts them): the daily rollups for
 * hit rates and counts, one pass over the window's executed task runs for duration percentiles
 * per target and day and the slowest tasks, and `fleet flaky`'s query for the flakiest.
 * Executed runs only: a cache hit's duration is the restore, not the task.
 */
export function trendsPage(store: RunStore, q: { days: number; now?: number }): TrendsPage {
  const now = q.now ?? Date.now();
  const sinceDay = new Date(now - q.days * DAY).toISOString().slice(0, 10);
  const names = new Map(
    (store.db.prepare('SELECT id, task_id, target FROM tasks').all() as TaskName[]).map((t) => [t.id, t]),
  );
  const durations = executedDurations(store, names, Date.parse(`${sinceDay}T00:00:00Z`), now);
  const rollups = store.db
    .prepare(
      `SELECT day, target, task_runs, executed, hits, executed_ms FROM day_stats
       WHERE target != '*' AND day >= ? AND day <= ? ORDER BY target, day DESC`,
    )
    .all(sinceDay, new Date(now).toISOString().slice(0, 10)) as Rollup[];
  const saved = savedByDay(rollups);
  return {
    days: q.days,
    overall: trendStats(store, { days: q.days, now }),
    targets: targetDays(rollups, durations),
    slowest: slowestTasks(durations.perTask, names),
    flakiest: flakyTasks(store, { days: q.days, now }).slice(0, 10),
    savedMs: { total: saved.reduce((s, d) => s + d.ms, 0), days: saved },
  };
}

function executedDurations(store: RunStore, names: Map<number, TaskName>, since: number, now: number): Durations {
  // The failure index (status, start_ms, cache, task, hash) serves the range scan for both statuses.
  const stmt = store.db.prepare(
    `SELECT task, start_ms, end_ms FROM task_runs INDEXED BY task_runs_fail
       WHERE status IN ('success', 'failure') AND start_ms >= ? AND start_ms <= ? AND cache = 'miss' AND end_ms IS NOT NULL`,
  ) as SqliteStatement & { raw?: (on: boolean) => SqliteStatement };
  // Arrays, not objects, per row: a quarter of the time on a million rows (better-sqlite3's raw mode).
  const rows = stmt.raw
    ? (stmt.raw(true).all(since, now) as Array<[number, number, number]>)
    : (stmt.all(since, now) as Array<Record<string, number>>).map((r) => [r.task, r.start_ms, r.end_ms]);
  // Keyed by numbers, not strings: a date string per row was a third of the time on 300k rows.
  const targetIds = new Map<string, number>();
  const perTargetDay = new Map<number, number[]>();
  const perTask = new Map<number, number[]>();
  const push = <K>(m: Map<K, number[]>, k: K, v: number): void => {
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  };
  for (const [task, start, end] of rows) {
    const name = names.get(task);
    if (!name) continue;
    let tid = targetIds.get(name.target);
    if (tid === undefined) targetIds.set(name.target, (tid = targetIds.size));
    push(perTargetDay, tid * 1e6 + Math.floor(start / DAY), end - start);
    push(perTask, task, end - start);
  }
  return {
    perTask,
    of: (target, day) => {
      const tid = targetIds.get(target);
      return tid === undefined ? [] : (perTargetDay.get(tid * 1e6 + Date.parse(`${day}T00:00:00Z`) / DAY) ?? []);
    },
  };
}

function targetDays(rollups: Rollup[], durations: Durations): TrendsPage['targets'] {
  const targets = new Map<string, TargetDay[]>();
  for (const r of rollups) {
    const ds = durations.of(r.target, r.day).sort((a, b) => a - b);
    const list = targets.get(r.target) ?? [];
    list.push({
      day: r.day,
      executed: r.executed,
      hits: r.hits,
      taskRuns: r.task_runs,
      hitRate: r.task_runs ? r.hits / r.task_runs : 0,
      p50: percentile(ds, 0.5),
      p90: percentile(ds, 0.9),
    });
    targets.set(r.target, list);
  }
  return [...targets.entries()].map(([target, days]) => ({ target, days }));
}

/**
 * A hit saved what the task takes to run: that day's mean for its target, or the window's when
 * nothing of the target ran that day (a day of all hits saved the most, not nothing). Newest first.
 */
function savedByDay(rollups: Rollup[]): Array<{ day: string; ms: number }> {
  const totals = new Map<string, { ms: number; n: number }>();
  for (const r of rollups) {
    const t = totals.get(r.target) ?? { ms: 0, n: 0 };
    t.ms += r.executed_ms;
    t.n += r.executed;
    totals.set(r.target, t);
  }
  const saved = new Map<string, number>();
  for (const r of rollups) {
    const t = totals.get(r.target)!;
    const mean = r.executed ? r.executed_ms / r.executed : t.n ? t.ms / t.n : 0;
    if (r.hits && mean) saved.set(r.day, (saved.get(r.day) ?? 0) + Math.round(r.hits * mean));
  }
  return [...saved.entries()].sort(([a], [b]) => (a < b ? 1 : -1)).map(([day, ms]) => ({ day, ms }));
}

/** The 10 tasks with the longest mean executed duration in the window. */
function slowestTasks(perTask: Map<number, number[]>, names: Map<number, TaskName>): TrendsPage['slowest'] {
  return [...perTask.entries()]
    .map(([task, ds]) => {
      const n = names.get(task)!;
      return { task, n, ds, meanMs: Math.round(ds.reduce((s, d) => s + d, 0) / ds.length) };
    })
    .sort((a, b) => b.meanMs - a.meanMs || (a.n.task_id < b.n.task_id ? -1 : 1))
    .slice(0, 10)
    .map(({ n, ds, meanMs }) => ({
      taskId: n.task_id,
      target: n.target,
      executed: ds.length,
      meanMs,
      // Only the ten shown are sorted for their p90.
      p90: percentile(
        ds.slice().sort((a, b) => a - b),
        0.9,
      )!,
    }));
}
