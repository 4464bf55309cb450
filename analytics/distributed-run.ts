import { settleDeferred } from './deferred-runs';
import * as os from 'node:os';
import { readGitInfo } from './git-info';
import { resolveHistorySettings } from './history-settings';
import { cacheSourceOf } from './hook-context';
import { enqueueOutbox, startOutboxSender } from './history-outbox';
import { loadSqlite } from './load-sqlite';
import { drainPending, spoolPending } from './pending-runs';
import { openRunStore, storeFailureCode } from './run-store';
import { RECORD_FORMAT, type NxTaskStatus, type RunRecord, type TaskRunRecord } from './types';

/**
 * What `fleet run --summary-json` says of a task (runner/job.ts TaskSummary), kept structural
 * so that analytics/ needs nothing of runner/.
 */
export interface DistributedAttempt {
  attempt: number;
  agent: string;
  status: 'success' | 'failure';
  exitCode: number | null;
  startedAt: number;
  endedAt: number;
  hash?: string;
  code?: string;
  queuedAt?: number;
  nxStatus?: string;
}

export interface DistributedTask {
  taskId: string;
  status: string;
  agent?: string;
  queuedAt?: number;
  hash?: string;
  flaky?: boolean;
  history?: DistributedAttempt[];
  /** The run's tasks it depends on (the coordinator's task graph). */
  deps?: string[];
}

export interface DistributedRun {
  runId: string;
  commit?: string;
  tasks: DistributedTask[];
}

export interface DistributedRunMeta {
  workspaceRoot: string;
  /** The nx command the run distributed, from its command word on. */
  nxArgs: string[];
  startTime: number;
  endTime: number;
  env: NodeJS.ProcessEnv;
  /** Agent failure codes (timeout, checkout, ...): such an attempt is `stopped`, not the task's own failure. */
  infrastructure(code: string | undefined): boolean;
}

/** `project:target[:configuration]` as Nx writes task ids. */
function splitTaskId(taskId: string): { project: string; target: string; configuration: string | null } {
  const [project, target, ...rest] = taskId.split(':');
  return { project, target: target ?? '', configuration: rest.length ? rest.join(':') : null };
}

/**
 * A distributed run as a run record: one task run per attempt (so the store's flaky query sees
 * a failure and a success of the same hash), with its agent, queued/started/ended times and the
 * cache source Nx reported on the agent. A task that never ran (cancelled, unschedulable) is one
 * `skipped` row. Only the passing attempt of a task that failed before with the same hash is
 * marked flaky: the coordinator's own rule (runner/run-state.ts).
 */
export function distributedRunRecord(run: DistributedRun, meta: DistributedRunMeta): RunRecord {
  const tasks: TaskRunRecord[] = [];
  for (const t of run.tasks) {
    const id = splitTaskId(t.taskId);
    const attempts = t.history ?? [];
    if (!attempts.length) {
      tasks.push({
        taskId: t.taskId,
        ...id,
        hash: t.hash ?? '',
        status: 'skipped',
        cache: 'skipped',
        startTime: null,
        endTime: null,
        exitCode: null,
        outputBytes: 0,
        hashDetails: null,
        manifest: null,
        agent: t.agent ?? null,
        attempt: 1,
        queuedTime: t.queuedAt ?? null,
      });
      continue;
    }
    for (const a of attempts) {
      const status: NxTaskStatus =
        a.status === 'success' ? 'success' : meta.infrastructure(a.code) ? 'stopped' : 'failure';
      tasks.push({
        taskId: t.taskId,
        ...id,
        hash: a.hash ?? t.hash ?? '',
        status,
        cache: a.nxStatus ? cacheSourceOf(a.nxStatus) : 'miss',
        startTime: a.startedAt,
        endTime: a.endedAt,
        exitCode: a.exitCode,
        outputBytes: 0,
        hashDetails: null,
        manifest: null,
        agent: a.agent,
        attempt: a.attempt,
        queuedTime: a.queuedAt ?? (a.attempt === 1 ? (t.queuedAt ?? null) : null),
        flaky: Boolean(t.flaky) && a.status === 'success',
      });
    }
  }
  const git = readGitInfo(meta.workspaceRoot, meta.env);
  return {
    format: RECORD_FORMAT,
    runId: run.runId,
    kind: 'fleet-run',
    namespace: 'local',
    command: ['fleet', 'run', ...meta.nxArgs].join(' '),
    argv: meta.nxArgs,
    branch: git.branch,
    commit: run.commit ?? git.commit,
    machine: meta.env.FLEET_AGENT_NAME || os.hostname(),
    startTime: meta.startTime,
    endTime: meta.endTime,
    tasks,
    ...distributedDeps(run),
  };
}

/** The run's task dependencies from the coordinator's task graph, when its summary has them. */
function distributedDeps(run: DistributedRun): { deps?: Record<string, string[]> } {
  if (!run.tasks.some((t) => t.deps)) return {};
  const ids = new Set(run.tasks.map((t) => t.taskId));
  return {
    deps: Object.fromEntries(run.tasks.map((t) => [t.taskId, (t.deps ?? []).filter((d) => ids.has(d)).sort()])),
  };
}

export type DistributedRecordOutcome =
  | { code: 'RECORDED'; runId: string; taskRuns: number; spooled: boolean }
  | { code: 'HISTORY_OFF'; reason: string }
  | { code: string; message: string };

/**
 * Writes a distributed run into the local store (and the central store's outbox when one is
 * configured), as the hook does for an Nx command: durable when this returns, never an
 * exception. Manifests are not computed here: the run's replay (`nx` on this machine, with the
 * hook) records them for the same hashes, and they are linked by hash.
 */
export function recordDistributedRun(
  run: DistributedRun,
  meta: DistributedRunMeta,
  report: (line: string) => void,
): DistributedRecordOutcome {
  const say = (code: string, message: string): DistributedRecordOutcome => {
    report(`run history does not record this distributed run: ${message} [${code}]`);
    return { code, message };
  };
  try {
    const resolved = resolveHistorySettings(meta.env, meta.workspaceRoot);
    if (!resolved.ok) return say('HISTORY_BAD_OPTIONS', resolved.problems.join('; '));
    if (!resolved.settings.enabled) return { code: 'HISTORY_OFF', reason: 'FLEET_HISTORY is off' };
    const sqlite = loadSqlite(meta.env.FLEET_HISTORY_SQLITE_MODULE || undefined);
    if (!sqlite.ok) return say(sqlite.code, sqlite.message);
    const record = distributedRunRecord(run, meta);
    const dbPath = resolved.settings.dbPath;
    const spooled = (): DistributedRecordOutcome => {
      spoolPending(dbPath, record);
      return { code: 'RECORDED', runId: record.runId, taskRuns: record.tasks.length, spooled: true };
    };
    // The replay's manifests may still be with its completer (deferred-runs.ts): wait for them.
    settleDeferred(dbPath, meta.env);
    const opened = openRunStore({ Database: sqlite.Database, file: dbPath, busyTimeoutMs: 1500 });
    if (!opened.ok)
      return opened.code === 'HISTORY_STORE_BUSY' ? spooled() : say(opened.code, `${dbPath}: ${opened.message}`);
    const store = opened.store;
    try {
      const known = store.manifestsByHash([...new Set(record.tasks.map((t) => t.hash).filter(Boolean))]);
      try {
        store.record(record, known);
      } catch (err) {
        if (storeFailureCode(err) !== 'HISTORY_STORE_BUSY') throw err;
        return spooled();
      }
      drainPending(dbPath, store);
      if (resolved.settings.remote) {
        for (const t of record.tasks) t.manifestId = known.get(t.hash) ?? null;
        enqueueOutbox(dbPath, record);
        startOutboxSender(dbPath, resolved.settings.remote, meta.env, meta.workspaceRoot);
      }
      return { code: 'RECORDED', runId: record.runId, taskRuns: record.tasks.length, spooled: false };
    } finally {
      store.close();
    }
  } catch (err) {
    return say('HISTORY_RECORD_FAILED', err instanceof Error ? err.message : String(err));
  }
}
