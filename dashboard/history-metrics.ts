import type { RunStore } from '../analytics';
import { namespaceFilter } from '../analytics/day-stats';
import type { TrendsPage } from './types';

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * `/metrics` for Prometheus: counters over the whole store from the daily rollups (cheap at any
 * size), the cache hit ratio, and executed-duration quantiles per target over the last day
 * (`day` is the trends page of that one day, already computed). With `namespaces`, of the runs
 * stored under those only (`day` must be computed for the same namespaces).
 */
export function renderHistoryMetrics(store: RunStore, day: TrendsPage, namespaces?: string[]): string {
  const ns = namespaceFilter('namespace', namespaces);
  const where = ns.sql ? `WHERE ${ns.sql.slice(' AND '.length)}` : '';
  const rows = store.db
    .prepare(
      `SELECT target, sum(runs) AS runs, sum(task_runs) AS n, sum(executed) AS executed, sum(hits) AS hits,
       sum(failures) AS failures, sum(executed_ms) AS ms FROM day_stats ${where} GROUP BY target ORDER BY target`,
    )
    .all(...ns.params) as Array<{
    target: string;
    runs: number;
    n: number;
    executed: number;
    hits: number;
    failures: number;
    ms: number;
  }>;
  const all = rows.find((r) => r.target === '*');
  const per = rows.filter((r) => r.target !== '*');
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, lines: string[]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  };
  metric('fleet_history_runs_total', 'counter', 'Nx runs recorded.', [
    `fleet_history_runs_total ${(store.db.prepare(`SELECT count(*) AS n FROM runs ${where}`).get(...ns.params) as { n: number }).n}`,
  ]);
  const byTarget = (name: string, help: string, pick: (r: (typeof per)[number]) => number, type = 'counter'): void =>
    metric(
      name,
      type,
      help,
      per.map((r) => `${name}{target="${label(r.target)}"} ${pick(r)}`),
    );
  byTarget('fleet_history_task_runs_total', 'Task runs recorded, by target.', (r) => r.n);
  byTarget(
    'fleet_history_task_runs_executed_total',
    'Task runs that executed (cache misses), by target.',
    (r) => r.executed,
  );
  byTarget(
    'fleet_history_cache_hits_total',
    'Task runs served from the local or remote cache, by target.',
    (r) => r.hits,
  );
  byTarget('fleet_history_task_failures_total', 'Task runs that failed, by target.', (r) => r.failures);
  byTarget('fleet_history_executed_seconds_total', 'Seconds spent executing tasks, by target.', (r) => r.ms / 1000);
  metric('fleet_history_cache_hit_ratio', 'gauge', 'Cache hits / task runs over the whole store.', [
    `fleet_history_cache_hit_ratio ${all && all.n ? all.hits / all.n : 0}`,
  ]);
  const q: string[] = [];
  for (const t of day.targets) {
    const today = t.days[0];
    if (!today || today.p50 === null) continue;
    const l = label(t.target);
    q.push(`fleet_history_task_duration_seconds{target="${l}",quantile="0.5"} ${today.p50 / 1000}`);
    q.push(`fleet_history_task_duration_seconds{target="${l}",quantile="0.9"} ${(today.p90 ?? 0) / 1000}`);
    q.push(`fleet_history_task_duration_seconds_count{target="${l}"} ${today.executed}`);
  }
  metric('fleet_history_task_duration_seconds', 'summary', 'Executed task durations, by target, over the last day.', q);
  return out.join('\n') + '\n';
}
