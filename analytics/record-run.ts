import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readGitInfo } from './git-info';
import { resolveHistorySettings, type HistorySettings } from './history-settings';
import { completerPid, startCompleter, writeDeferred } from './deferred-runs';
import { asStatus, cacheSourceOf, type HookContext } from './hook-context';
import { computeInputManifests } from './input-manifests';
import { inputsKeyOf } from './inputs-key';
import { loadSqlite } from './load-sqlite';
import { loadNxInternals, type NxInternals } from './nx-internals';
import { enqueueOutbox, startOutboxSender } from './history-outbox';
import { drainPending, spoolPending } from './pending-runs';
import { openRunStore, storeFailureCode, type RunStore } from './run-store';
import { RECORD_FORMAT, type InputManifest, type RunRecord, type TaskRunRecord } from './types';

export interface RecordRunOptions {
  env: NodeJS.ProcessEnv;
  /** Where the one line saying history is off goes (the plugin passes stderr). */
  report(line: string): void;
  /** Test seam: the module id of the SQLite driver (point it at a missing one). */
  sqliteModule?: string;
  /** Test seam: Nx internals (default: the workspace's own nx). */
  internals?: NxInternals;
}

/** What one call did; never an exception. */
export type RecordOutcome =
  | {
      code: 'RECORDED';
      runId: string;
      tasks: number;
      manifestsComputed: number;
      /** Tasks whose manifest and hashDetails the detached completer adds (analytics/complete-runs.ts). */
      deferred?: number;
      spooled: boolean;
      ms: number;
    }
  | { code: 'HISTORY_OFF'; reason: string }
  | { code: string; message: string };

/**
 * The postTasksExecution hook's work: turn Nx's task results into a run record and write it to
 * the local store in one transaction (durable when this returns). Per-file input manifests are
 * computed only for hashes the store has no manifest for, so a run of cache hits costs a few
 * milliseconds. Never throws and never fails the Nx command: problems are reported once, as
 * one line with a code, and history simply does not record.
 */
export async function recordRun(ctx: HookContext, opts: RecordRunOptions): Promise<RecordOutcome> {
  const t0 = performance.now();
  const outcome = await recordRunUntraced(ctx, opts);
  // The hook's whole time, closing the store (SQLite checkpoints the WAL then) included.
  if ('ms' in outcome) outcome.ms = +(performance.now() - t0).toFixed(2);
  const trace = opts.env.FLEET_HISTORY_TRACE;
  if (trace) {
    try {
      // bench/analytics reads this: the hook's own time, beside the end-to-end difference.
      fs.appendFileSync(trace, JSON.stringify({ ...outcome, phases }) + '\n');
    } catch {
      // A trace that cannot be written is not the command's problem.
    }
  }
  return outcome;
}

/** Where the hook's time goes (FLEET_HISTORY_TRACE only: bench/analytics prints it). */
const phases: Record<string, number> = {};
let phaseStart = 0;
function phase(name: string): void {
  const now = performance.now();
  phases[name] = +((phases[name] ?? 0) + now - phaseStart).toFixed(2);
  phaseStart = now;
}

async function recordRunUntraced(ctx: HookContext, opts: RecordRunOptions): Promise<RecordOutcome> {
  const t0 = performance.now();
  phaseStart = t0;
  for (const k of Object.keys(phases)) delete phases[k];
  try {
    const resolved = resolveHistorySettings(opts.env, ctx.workspaceRoot);
    if (!resolved.ok) return say(opts, 'HISTORY_BAD_OPTIONS', resolved.problems.join('; '));
    if (!resolved.settings.enabled) return { code: 'HISTORY_OFF', reason: 'FLEET_HISTORY is off' };
    phase('settings');
    const sqlite = loadSqlite(opts.sqliteModule ?? (opts.env.FLEET_HISTORY_SQLITE_MODULE || undefined));
    if (!sqlite.ok) return say(opts, sqlite.code, sqlite.message);
    phase('loadSqlite');
    const run = buildRunRecord(ctx, opts.env);
    phase('buildRecord');
    const opened = openRunStore({
      Database: sqlite.Database,
      file: resolved.settings.dbPath,
      busyTimeoutMs: 1500,
      autoCheckpoint: false,
    });
    phase('openStore');
    if (!opened.ok) {
      if (opened.code === 'HISTORY_STORE_BUSY') {
        spoolPending(resolved.settings.dbPath, run);
        return {
          code: 'RECORDED',
          runId: run.runId,
          tasks: run.tasks.length,
          manifestsComputed: 0,
          spooled: true,
          ms: performance.now() - t0,
        };
      }
      return say(opts, opened.code, `${resolved.settings.dbPath}: ${opened.message}`);
    }
    const store = opened.store;
    try {
      const known = store.manifestsByHash(run.tasks.map((t) => t.hash));
      if (resolved.settings.defer && !opts.internals) {
        // New hashes: their manifests and hashDetails go to the detached completer.
        const deferred = run.tasks.filter((t) => !known.has(t.hash) && t.cache !== 'skipped').map((t) => t.taskId);
        if (deferred.length) {
          phase('knownLookup');
          return recordDeferred(ctx, opts, resolved.settings, store, run, known, deferred, t0);
        }
      }
      // New hashes whose file inputs are known (only an env or runtime value changed): no expansion.
      // Keys only for new hashes: a run of known hashes (the common case) hashes nothing more.
      for (const t of run.tasks) if (!known.has(t.hash)) t.inputsKey = inputsKeyOf(t.hashDetails);
      const byKey = store.manifestsByInputsKey(run.tasks.flatMap((t) => (t.inputsKey ? [t.inputsKey] : [])));
      for (const t of run.tasks)
        if (!known.has(t.hash) && t.inputsKey && byKey.has(t.inputsKey)) known.set(t.hash, byKey.get(t.inputsKey)!);
      const wanted = run.tasks.filter((t) => !known.has(t.hash) && t.cache !== 'skipped');
      phase('knownLookup');
      let computed = 0;
      if (wanted.length) {
        const manifests = await manifestsFor(ctx, wanted, opts);
        for (const t of wanted) {
          t.manifest = manifests.get(t.taskId) ?? null;
          if (t.manifest) computed++;
        }
      }
      phase('manifests');
      try {
        store.record(run, known);
        phase('record');
      } catch (err) {
        if (storeFailureCode(err) !== 'HISTORY_STORE_BUSY') throw err;
        spoolPending(resolved.settings.dbPath, run);
        return {
          code: 'RECORDED',
          runId: run.runId,
          tasks: run.tasks.length,
          manifestsComputed: computed,
          spooled: true,
          ms: performance.now() - t0,
        };
      }
      drainPending(resolved.settings.dbPath, store);
      phase('drainPending');
      if (resolved.settings.remote) {
        // Known manifests go by their content address; the central store has them from their producer.
        for (const t of run.tasks) if (!t.manifest) t.manifestId = known.get(t.hash) ?? null;
        enqueueOutbox(resolved.settings.dbPath, run);
        startOutboxSender(resolved.settings.dbPath, resolved.settings.remote, opts.env, ctx.workspaceRoot);
      }
      return {
        code: 'RECORDED',
        runId: run.runId,
        tasks: run.tasks.length,
        manifestsComputed: computed,
        spooled: false,
        ms: performance.now() - t0,
      };
    } finally {
      // This connection does not checkpoint on commit; a reader that keeps the store open (so
      // that no close is the last) must not let the WAL grow without end.
      const wal = fs.statSync(`${resolved.settings.dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      if (wal > 16 << 20) store.db.pragma('wal_checkpoint(PASSIVE)');
      store.close();
      phase('close');
    }
  } catch (err) {
    return say(opts, 'HISTORY_RECORD_FAILED', err instanceof Error ? err.message : String(err));
  }
}

/**
 * The cold path: the work file for the completer first (so a hook killed after its transaction
 * leaves the completer what it needs), then the run and every task row in one transaction
 * (`synchronous=FULL`: on disk when this returns), then the detached completer. The completer
 * adds the deferred tasks' manifests and hashDetails, and queues the run for the central store.
 */
function recordDeferred(
  ctx: HookContext,
  opts: RecordRunOptions,
  settings: HistorySettings,
  store: RunStore,
  run: RunRecord,
  known: Map<string, string>,
  deferred: string[],
  t0: number,
): RecordOutcome {
  writeDeferred(settings.dbPath, {
    format: 1,
    workspaceRoot: ctx.workspaceRoot,
    nxJson: ctx.nxJsonConfiguration,
    endedAt: Date.now(),
    deferred,
    remote: !!settings.remote,
    ...(opts.env.FLEET_HISTORY_TRACE ? { trace: opts.env.FLEET_HISTORY_TRACE } : {}),
    run,
  });
  phase('writeWork');
  let spooled = false;
  try {
    store.record(run, known, new Set(deferred));
  } catch (err) {
    if (storeFailureCode(err) !== 'HISTORY_STORE_BUSY') throw err;
    // The completer writes the whole run from its work file once the store is free.
    spooled = true;
  }
  phase('record');
  if (!spooled) drainPending(settings.dbPath, store);
  phase('drainPending');
  // A completer still lingering after an earlier command takes this work at once (written
  // above, before this look: one that leaves after the look sees the file on its way out).
  const started = settings.remote || completerPid(settings.dbPath) === null;
  if (started) startCompleter(settings.dbPath, opts.env, ctx.workspaceRoot);
  phase(started ? 'startCompleter' : 'completerRunning');
  return {
    code: 'RECORDED',
    runId: run.runId,
    tasks: run.tasks.length,
    manifestsComputed: 0,
    deferred: deferred.length,
    spooled,
    ms: performance.now() - t0,
  };
}

function say(opts: RecordRunOptions, code: string, message: string): RecordOutcome {
  try {
    opts.report(
      `nx-fleet: run history is off for this command: ${message} [${code}] (FLEET_HISTORY=0 turns it off quietly)`,
    );
  } catch {
    // Nothing to do: a closed stderr must not fail the command either.
  }
  return { code, message };
}

async function manifestsFor(
  ctx: HookContext,
  wanted: TaskRunRecord[],
  opts: RecordRunOptions,
): Promise<Map<string, InputManifest>> {
  try {
    const internals = opts.internals ?? loadNxInternals(ctx.workspaceRoot);
    phase('loadNxInternals');
    const graph = internals.readCachedProjectGraph();
    phase('readProjectGraph');
    return await computeInputManifests({
      phase,
      internals,
      workspaceRoot: ctx.workspaceRoot,
      nxJson: ctx.nxJsonConfiguration,
      graph,
      tasks: wanted.map((t) => ctx.taskResults[t.taskId].task),
    });
  } catch (err) {
    // The run is still worth recording without file manifests; explain then says so.
    opts.report(
      `nx-fleet: run history records no file inputs for this command: ${(err as Error).message} [HISTORY_INPUTS_UNAVAILABLE]`,
    );
    return new Map();
  }
}

/** Nx's task results as a run record (no manifests yet). */
export function buildRunRecord(ctx: HookContext, env: NodeJS.ProcessEnv): RunRecord {
  const git = readGitInfo(ctx.workspaceRoot, env);
  const tasks: TaskRunRecord[] = Object.entries(ctx.taskResults).map(([taskId, r]) => ({
    taskId,
    project: r.task.target.project,
    target: r.task.target.target,
    configuration: r.task.target.configuration ?? null,
    hash: r.task.hash ?? '',
    status: asStatus(r.status),
    cache: cacheSourceOf(r.status),
    startTime: r.task.startTime ?? null,
    endTime: r.task.endTime ?? null,
    exitCode: typeof r.code === 'number' ? r.code : null,
    outputBytes: Buffer.byteLength(r.terminalOutput ?? ''),
    hashDetails: r.task.hashDetails ?? null,
    manifest: null,
  }));
  const startTime = ctx.startTime ?? Math.min(...tasks.map((t) => t.startTime ?? Date.now()));
  const args = ctx.argv.slice(2);
  return {
    format: RECORD_FORMAT,
    runId: `${startTime.toString(36)}-${randomBytes(4).toString('hex')}`,
    namespace: 'local',
    command: ['nx', ...args].join(' '),
    argv: args,
    branch: git.branch,
    commit: git.commit,
    machine: env.FLEET_AGENT_NAME || os.hostname(),
    startTime,
    endTime: ctx.endTime ?? Date.now(),
    tasks,
  };
}
