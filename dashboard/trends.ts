import { flakyTasks, trendStats, type RunStore } from '../analytics';
import { EXECUTED_SQL } from '../analytics/day-durations';
import { namespaceFilter } from '../analytics/day-stats';
import { decodeSketch, emptySketch, sketchPercentile, type DurationSketch } from '../analytics/duration-sketch';
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

/**
 * The trends page over `days` (UTC days, as `fleet stats` counts them: whole days, the day the
 * window starts in included): the daily rollups for hit rates and counts, the per-day duration
 * rollups (analytics/day-durations.ts) for the p50/p90 per target and day (a sketch: exact up
 * to 256 executed runs a day, else within 1 % of the exact nearest-rank value) and the slowest tasks' means (exact), the ten slowest tasks'
 * own runs for their p90 (exact), and `fleet flaky`'s query for the flakiest. Executed runs
 * only: a cache hit's duration is the restore, not the task. With `namespaces` (the central
 * store: a token's read namespaces), every number covers the runs stored under those only.
 */
export function trendsPage(store: RunStore, q: { days: number; now?: number; namespaces?: string[] }): TrendsPage {
  const now = q.now ?? Date.now();
  const sinceDay = new Date(now - q.days * DAY).toISOString().slice(0, 10);
  const names = new Map(
    (store.db.prepare('SELECT id, task_id, target FROM tasks').all() as TaskName[]).map((t) => [t.id, t]),
  );
  const untilDay = new Date(now).toISOString().slice(0, 10);
  const window = { sinceDay, untilDay, namespaces: q.namespaces };
  const ns = namespaceFilter('namespace', q.namespaces);
  const rollups = store.db
    .prepare(
      `SELECT day, target, sum(task_runs) AS task_runs, sum(executed) AS executed, sum(hits) AS hits,
       sum(executed_ms) AS executed_ms FROM day_stats
       WHERE target != '*' AND day >= ? AND day <= ?${ns.sql} GROUP BY target, day ORDER BY target, day DESC`,
    )
    .all(sinceDay, untilDay, ...ns.params) as Rollup[];
  const saved = savedByDay(rollups);
  return {
    days: q.days,
    overall: trendStats(store, { days: q.days, now, namespaces: q.namespaces }),
    targets: targetDays(rollups, daySketches(store, window)),
    slowest: slowestTasks(store, names, window),
    flakiest: flakyTasks(store, { days: q.days, now, namespaces: q.namespaces }).slice(0, 10),
    savedMs: { total: saved.reduce((s, d) => s + d.ms, 0), days: saved },
  };
}

interface Window {
  sinceDay: string;
  untilDay: string;
  namespaces: string[] | undefined;
}

/** The window's duration sketches per target and day, summed over the namespaces read. */
function daySketches(store: RunStore, w: Window): Map<string, DurationSketch> {
  const ns = namespaceFilter('namespace', w.namespaces);
  const rows = store.db
    .prepare(`SELECT day, target, sketch FROM day_durations WHERE day >= ? AND day <= ?${ns.sql}`)
    .all(w.sinceDay, w.untilDay, ...ns.params) as Array<{ day: string; target: string; sketch: Uint8Array }>;
  const out = new Map<string, DurationSketch>();
  for (const r of rows) {
    const key = `${r.target}\u0000${r.day}`;
    out.set(key, decodeSketch(r.sketch, out.get(key)));
  }
  return out;
}

function targetDays(rollups: Rollup[], sketches: Map<string, DurationSketch>): TrendsPage['targets'] {
  const targets = new Map<string, TargetDay[]>();
  for (const r of rollups) {
    const ds = sketches.get(`${r.target}\u0000${r.day}`) ?? emptySketch();
    const list = targets.get(r.target) ?? [];
    list.push({
      day: r.day,
      executed: r.executed,
      hits: r.hits,
      taskRuns: r.task_runs,
      hitRate: r.task_runs ? r.hits / r.task_runs : 0,
      p50: sketchPercentile(ds, 0.5),
      p90: sketchPercentile(ds, 0.9),
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

/**
 * The 10 tasks with the longest mean executed duration in the window: the means from the per-day
 * task rollups (exact), the p90 of the ten shown from their own executed runs in the window
 * (exact; the task index, a few hundred rows each).
 */
function slowestTasks(store: RunStore, names: Map<number, TaskName>, w: Window): TrendsPage['slowest'] {
  const ns = namespaceFilter('namespace', w.namespaces);
  const sums = store.db
    .prepare(
      `SELECT task, sum(executed) AS n, sum(executed_ms) AS ms FROM day_task_durations
       WHERE day >= ? AND day <= ?${ns.sql} GROUP BY task`,
    )
    .all(w.sinceDay, w.untilDay, ...ns.params) as Array<{ task: number; n: number; ms: number }>;
  const runNs = w.namespaces
    ? ` AND tr.run IN (SELECT id FROM runs WHERE namespace IN (${w.namespaces.map(() => '?').join(',') || "''"}))`
    : '';
  const runsOf = store.db.prepare(
    `SELECT tr.end_ms - tr.start_ms AS ms FROM task_runs tr INDEXED BY task_runs_task
     WHERE tr.task = ? AND tr.start_ms >= ? AND tr.start_ms < ? AND ${EXECUTED_SQL}${runNs}`,
  );
  const since = Date.parse(`${w.sinceDay}T00:00:00Z`);
  const until = Date.parse(`${w.untilDay}T00:00:00Z`) + DAY;
  return sums
    .filter((s) => s.n > 0 && names.has(s.task))
    .map((s) => ({ task: s.task, n: names.get(s.task)!, executed: s.n, meanMs: Math.round(s.ms / s.n) }))
    .sort((a, b) => b.meanMs - a.meanMs || (a.n.task_id < b.n.task_id ? -1 : 1))
    .slice(0, 10)
    .map(({ task, n, executed, meanMs }) => {
      const ds = (runsOf.all(task, since, until, ...ns.params) as Array<{ ms: number }>)
        .map((r) => r.ms)
        .sort((a, b) => a - b);
      return { taskId: n.task_id, target: n.target, executed, meanMs, p90: percentile(ds, 0.9)! };
    });
}
