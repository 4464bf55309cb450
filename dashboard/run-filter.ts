import { namespaceFilter } from '../analytics/day-stats';
import type { RunStore, RunSummary } from '../analytics';

/** The run list's filters (`GET /api/runs?branch=&command=&status=&machine=&limit=&before=`). */
export interface RunFilter {
  branch?: string;
  command?: string;
  machine?: string;
  /** `failed`: runs with a failed task; `passed`: runs without. */
  status?: 'failed' | 'passed';
  limit?: number;
  before?: number;
  namespaces?: string[];
}

/**
 * Runs matching every filter, newest first, in `RunStore.listRuns`'s shape. Its own query:
 * listRuns filters by branch only, and the status filter needs the failure count in WHERE.
 */
export function filterRuns(store: RunStore, f: RunFilter): RunSummary[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]): void => {
    where.push(clause);
    params.push(...values);
  };
  if (f.branch) add('r.branch = ?', f.branch);
  if (f.command) add('r.command = ?', f.command);
  if (f.machine) add('r.machine = ?', f.machine);
  if (f.before !== undefined) add('r.start_ms < ?', f.before);
  if (f.namespaces) add(`r.namespace IN (${f.namespaces.map(() => '?').join(',') || "''"})`, ...f.namespaces);
  const failed = "EXISTS (SELECT 1 FROM task_runs tr WHERE tr.run = r.id AND tr.status = 'failure')";
  if (f.status === 'failed') where.push(failed);
  if (f.status === 'passed') where.push(`NOT ${failed}`);
  const rows = store.db
    .prepare(
      `SELECT r.run_id FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY r.start_ms DESC, r.id DESC LIMIT ?`,
    )
    .all(...params, f.limit ?? 50) as Array<{ run_id: string }>;
  return rows.map((r) => store.run(r.run_id)).filter((r): r is RunSummary => r !== null);
}

/** The values the run filters offer: distinct branches, commands and machines (most recent 200 each). */
export function runFacets(
  store: RunStore,
  namespaces?: string[],
): { branches: string[]; commands: string[]; machines: string[] } {
  const ns = namespaceFilter('namespace', namespaces);
  const distinct = (col: string): string[] =>
    (
      store.db
        .prepare(
          `SELECT ${col} AS v FROM runs WHERE ${col} IS NOT NULL${ns.sql} GROUP BY ${col} ORDER BY max(start_ms) DESC LIMIT 200`,
        )
        .all(...ns.params) as Array<{ v: string }>
    ).map((r) => r.v);
  return { branches: distinct('branch'), commands: distinct('command'), machines: distinct('machine') };
}
