import type { RunStore } from './run-store';
import { RECORD_FORMAT, type RunRecord, type StoredTaskRun } from './types';

/** A task run as the central store answers it: with the namespace its run belongs to. */
export type CentralTaskRun = StoredTaskRun & {
  namespace: string;
  commit: string | null;
  branch: string | null;
  machine: string;
};

const CACHE_SOURCES = new Set<unknown>(['local', 'remote', 'miss', 'skipped']);
const nullableString = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string';

/** One problem with a posted run record, or null. */
export function runRecordProblem(v: unknown): string | null {
  const r = v as Partial<RunRecord> | null;
  if (!r || typeof r !== 'object') return 'not an object';
  if (r.format !== RECORD_FORMAT) return `format: expected ${RECORD_FORMAT}, got ${JSON.stringify(r.format)}`;
  if (typeof r.runId !== 'string' || !/^[\w.:-]{1,128}$/.test(r.runId))
    return 'runId: expected 1-128 of [A-Za-z0-9_.:-]';
  if (typeof r.startTime !== 'number' || typeof r.endTime !== 'number') return 'startTime/endTime: expected numbers';
  if (r.kind !== undefined && r.kind !== 'nx' && r.kind !== 'fleet-run') return "kind: expected 'nx' or 'fleet-run'";
  if (!Array.isArray(r.tasks)) return 'tasks: expected an array';
  if (typeof r.command !== 'string' || typeof r.machine !== 'string') return 'command/machine: expected strings';
  if (!Array.isArray(r.argv) || !r.argv.every((a) => typeof a === 'string'))
    return 'argv: expected an array of strings';
  if (!nullableString(r.branch) || !nullableString(r.commit)) return 'branch/commit: expected strings or null';
  for (const t of r.tasks) {
    if (
      !t ||
      typeof t.taskId !== 'string' ||
      typeof t.project !== 'string' ||
      typeof t.target !== 'string' ||
      typeof t.hash !== 'string'
    )
      return 'tasks: each needs taskId, project, target and hash strings';
    if (typeof t.status !== 'string' || !CACHE_SOURCES.has(t.cache))
      return `tasks: ${JSON.stringify(t.taskId).slice(0, 80)}: needs a status string and cache (local, remote, miss or skipped)`;
    const numbers = [t.startTime, t.endTime, t.exitCode, t.outputBytes, t.attempt, t.queuedTime];
    if (!numbers.every((n) => n === undefined || n === null || Number.isFinite(n)))
      return `tasks: ${JSON.stringify(t.taskId).slice(0, 80)}: startTime, endTime, exitCode, outputBytes, attempt and queuedTime are numbers or null`;
  }
  return r.deps === undefined ? null : depsProblem(r.deps, new Set(r.tasks.map((t) => t.taskId)));
}

/** At most this many dependency edges per posted run (a run of 10,000 tasks has far fewer). */
const MAX_DEP_EDGES = 200_000;

/** `deps` must name only the run's own tasks: it is drawn as that run's critical path. */
function depsProblem(deps: unknown, ids: Set<string>): string | null {
  if (!deps || typeof deps !== 'object' || Array.isArray(deps))
    return 'deps: expected an object of task id -> task ids';
  let edges = 0;
  for (const [id, list] of Object.entries(deps)) {
    if (!ids.has(id)) return `deps: ${JSON.stringify(id).slice(0, 80)} is not a task of the run`;
    if (!Array.isArray(list)) return `deps: ${JSON.stringify(id).slice(0, 80)}: expected an array of task ids`;
    for (const d of list)
      if (typeof d !== 'string' || !ids.has(d))
        return `deps: ${JSON.stringify(id).slice(0, 80)} depends on ${JSON.stringify(d).slice(0, 80)}, not a task of the run`;
    edges += list.length;
    if (edges > MAX_DEP_EDGES) return `deps: more than ${MAX_DEP_EDGES} edges`;
  }
  return null;
}

/**
 * The central run history kept by `fleet cache serve` (it implements cache/history-routes.ts's
 * HistoryBackend). A posted run always lands in the poster's write namespace, whatever it
 * claims; a run id already taken by another namespace is refused, one taken by the same is a
 * duplicate (retries are safe). Reads see only the caller's read namespaces, in their order:
 * so a pull request's token finds producers in `main` before its own namespace, as the cache
 * reads entries, and `main` never sees a pull request's runs.
 */
export class CentralHistory {
  constructor(private readonly store: RunStore) {}

  ingest(namespace: string, body: unknown): { status: number; value: unknown } {
    const runs = (body as { runs?: unknown } | null)?.runs;
    if (!Array.isArray(runs))
      return { status: 400, value: { code: 'HISTORY_BAD_BODY', problem: 'expected {runs: [...]}' } };
    let accepted = 0;
    let duplicates = 0;
    const rejected: Array<{ runId: unknown; problem: string }> = [];
    for (const r of runs) {
      const problem = runRecordProblem(r);
      if (problem) {
        rejected.push({ runId: (r as { runId?: unknown })?.runId ?? null, problem });
        continue;
      }
      const run = { ...(r as RunRecord), namespace };
      const owner = this.store.namespaceOf(run.runId);
      if (owner && owner !== namespace) {
        rejected.push({ runId: run.runId, problem: 'run id taken by another namespace' });
        continue;
      }
      let inserted: boolean;
      try {
        inserted = this.store.record(run).inserted;
      } catch (err) {
        // A record the checks above let through but SQLite refuses: that run is refused, not the request.
        const message = err instanceof Error ? err.message : String(err);
        if (/SQLITE_BUSY|database is locked/i.test(message)) throw err;
        rejected.push({ runId: run.runId, problem: `not storable: ${message.slice(0, 200)}` });
        continue;
      }
      if (inserted) accepted++;
      else duplicates++;
    }
    return { status: 200, value: { accepted, duplicates, rejected } };
  }

  query(route: string, arg: string, params: URLSearchParams, read: string[]): { status: number; value: unknown } {
    const limit = Math.min(1000, Math.max(1, Number(params.get('limit') ?? '20') || 20));
    if (route === 'runs')
      return {
        status: 200,
        value: { runs: this.store.listRuns({ limit, branch: params.get('branch') ?? undefined, namespaces: read }) },
      };
    if (route === 'producer') {
      const p = this.store.producerOf(arg, read);
      return { status: 200, value: { producer: p ? this.withRun(p) : null } };
    }
    if (route === 'tasks') {
      const tasks = this.store.taskHistory(arg, {
        limit,
        withManifest: params.get('withManifest') === '1',
        namespaces: read,
      });
      return { status: 200, value: { tasks: tasks.map((t) => this.withRun(t)) } };
    }
    if (route === 'manifests') {
      const visible = this.store.db
        .prepare(
          `SELECT 1 FROM task_runs tr JOIN runs r ON r.id = tr.run WHERE tr.manifest_id = ?
          AND r.namespace IN (${read.map(() => '?').join(',') || "''"}) LIMIT 1`,
        )
        .get(arg, ...read);
      const manifest = visible ? this.store.manifest(arg) : null;
      return manifest ? { status: 200, value: { manifest } } : { status: 404, value: { code: 'HISTORY_NOT_FOUND' } };
    }
    return { status: 404, value: { code: 'HISTORY_NOT_FOUND' } };
  }

  private withRun(t: StoredTaskRun): CentralTaskRun {
    const run = this.store.run(t.runId);
    return {
      ...t,
      namespace: run?.namespace ?? '',
      commit: run?.commit ?? null,
      branch: run?.branch ?? null,
      machine: run?.machine ?? '',
    };
  }
}
