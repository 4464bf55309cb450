import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  completerPid,
  DEFAULT_LINGER_MS,
  deferredFiles,
  isRemoteWork,
  readDeferred,
  releaseCompleterLock,
  takeCompleterLock,
  type DeferredWork,
} from './deferred-runs';
import { enqueueOutbox, startOutboxSender } from './history-outbox';
import { resolveHistorySettings } from './history-settings';
import { computeInputManifests } from './input-manifests';
import { inputsKeyOf } from './inputs-key';
import { loadSqlite } from './load-sqlite';
import { loadNxInternals, type NxInternals } from './nx-internals';
import { openRunStore, type RunStore } from './run-store';
import type { InputManifest, TaskRunRecord } from './types';

/** What one completer did, per run (FLEET_HISTORY_TRACE gets one line per run, `code: COMPLETED`). */
export interface CompletedRun {
  code: 'COMPLETED';
  runId: string;
  /** The completer's process (a lingering one completes several commands' runs). */
  pid: number;
  tasks: number;
  manifestsComputed: number;
  /** Tasks whose manifest was found stored (by hash or inputs key) instead. */
  manifestsReused: number;
  /** Tasks recorded without a manifest: an input file changed after the command ended. */
  manifestsStale: number;
  /** Why no manifests could be computed (the hook would have printed it; the completer has no terminal). */
  problem?: string;
  ms: number;
  phases: Record<string, number>;
}

export interface CompleteOptions {
  env: NodeJS.ProcessEnv;
  /** Test seam: Nx internals (default: the workspace's own nx). */
  internals?: NxInternals;
  /** Test seam (FLEET_HISTORY_COMPLETER_DELAY_MS): waits this long holding the lock, so a test can kill it. */
  delayMs?: number;
  /** How long to stay, idle, for the next command's work (FLEET_HISTORY_COMPLETER_LINGER_MS). */
  lingerMs?: number;
}

/**
 * The completer: finishes every deferred run of a store (analytics/deferred-runs.ts), oldest
 * first, one completer per store at a time. Per run: records it if the hook's transaction never
 * happened (idempotent by run id), finds stored manifests by hash or inputs key, expands the
 * rest through Nx's inspector exactly as the hook did before, and writes manifests and
 * hashDetails into the run's task rows in one transaction. A task any of whose input files (or
 * their folders) changed after the command ended gets no manifest: the expansion sees the
 * workspace now, and a manifest must be the run's. Then the run is queued for the central store
 * if configured. Work that fails stays for the next completer; a file that does not parse is
 * left aside as `.bad`.
 */
export async function completeDeferredRuns(dbPath: string, opts: CompleteOptions): Promise<CompletedRun[]> {
  const done: CompletedRun[] = [];
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  // Another completer holds the lock: wait for it (it may be lingering, below), then look again.
  const waitUntil = Date.now() + 60_000;
  while (!takeCompleterLock(dbPath)) {
    if (Date.now() > waitUntil || !deferredFiles(dbPath).length) return done;
    await sleep(50);
  }
  try {
    if (opts.delayMs) await sleep(opts.delayMs);
    const sqlite = loadSqlite(opts.env.FLEET_HISTORY_SQLITE_MODULE || undefined);
    if (!sqlite.ok) return done;
    const opened = openRunStore({ Database: sqlite.Database, file: dbPath, busyTimeoutMs: 10_000 });
    if (!opened.ok) return done;
    try {
      let idleSince = Date.now();
      for (let first = true; ; first = false) {
        const files = deferredFiles(dbPath);
        // Lingering, this completer keeps the store open (so the hooks' own closes do not
        // checkpoint the WAL) and takes new work at once; a run for the central store needs the
        // environment of its own command's completer, which waits for this one to leave.
        if (!first && files.some(isRemoteWork)) break;
        if (!files.length) {
          if (Date.now() - idleSince >= (opts.lingerMs ?? 0)) break;
          checkpointIfLarge(opened.store, dbPath);
          await sleep(50);
          continue;
        }
        for (const file of files) {
          let work: DeferredWork;
          try {
            work = readDeferred(file);
          } catch {
            fs.renameSync(file, `${file}.bad`);
            continue;
          }
          const outcome = await completeRun(opened.store, work, opts);
          done.push(outcome);
          trace(work.trace ?? opts.env.FLEET_HISTORY_TRACE, outcome);
          fs.rmSync(file, { force: true });
        }
        idleSince = Date.now();
      }
    } finally {
      opened.store.close();
    }
  } finally {
    releaseCompleterLock(dbPath);
  }
  // Work queued after the last look, as the lock was released: a completer of its own is on its
  // way (the hook saw none alive), or this one goes round again.
  if (deferredFiles(dbPath).length && completerPid(dbPath) === null)
    done.push(...(await completeDeferredRuns(dbPath, { ...opts, delayMs: 0, lingerMs: 0 })));
  return done;
}

/** While lingering: the WAL is checkpointed here once it passes 4 MiB (the hooks never do). */
function checkpointIfLarge(store: RunStore, dbPath: string): void {
  const wal = fs.statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  if (wal > 4 << 20) store.db.pragma('wal_checkpoint(PASSIVE)');
}

async function completeRun(store: RunStore, work: DeferredWork, opts: CompleteOptions): Promise<CompletedRun> {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let last = t0;
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = +((phases[name] ?? 0) + now - last).toFixed(2);
    last = now;
  };
  const run = work.run;
  const deferred = new Set(work.deferred);
  const byHash = store.manifestsByHash(run.tasks.map((t) => t.hash));
  // The hook writes this file before its transaction: if it died in between (or this completer,
  // lingering, got here first), the run is written now; the hook's own write is then a no-op.
  store.record(run, byHash, deferred);
  phase('record');
  const tasks = run.tasks.filter((t) => deferred.has(t.taskId));
  for (const t of tasks) t.inputsKey = inputsKeyOf(t.hashDetails);
  const byKey = store.manifestsByInputsKey(tasks.flatMap((t) => (t.inputsKey ? [t.inputsKey] : [])));
  const known = (t: TaskRunRecord): string | null =>
    byHash.get(t.hash) ?? (t.inputsKey ? byKey.get(t.inputsKey) : undefined) ?? null;
  const wanted = tasks.filter((t) => !known(t) && t.cache !== 'skipped');
  phase('knownLookup');
  let manifests = new Map<string, InputManifest>();
  let problem: string | undefined;
  if (wanted.length) {
    try {
      // Nx finds its workspace from the working folder when its modules load.
      if (!opts.internals && process.cwd() !== work.workspaceRoot) process.chdir(work.workspaceRoot);
      const internals = opts.internals ?? loadNxInternals(work.workspaceRoot);
      // A lingering completer has looked before: the workspace as it stands now, not as then.
      internals.refreshWorkspace(work.workspaceRoot);
      manifests = await computeInputManifests({
        phase,
        internals,
        workspaceRoot: work.workspaceRoot,
        nxJson: work.nxJson ?? internals.readNxJson(work.workspaceRoot),
        graph: internals.readCachedProjectGraph(),
        tasks: wanted.map((t) => ({
          id: t.taskId,
          target: {
            project: t.project,
            target: t.target,
            ...(t.configuration ? { configuration: t.configuration } : {}),
          },
        })),
      });
    } catch (err) {
      // Nx internals moved or the graph is gone: the run stays recorded without manifests.
      problem = `${(err as Error).message} [HISTORY_INPUTS_UNAVAILABLE]`;
    }
  }
  const stale = staleManifests(work.workspaceRoot, work.endedAt, manifests);
  for (const id of stale) manifests.delete(id);
  phase('staleCheck');
  store.completeTasks(
    run.runId,
    tasks.map((t) => ({
      taskId: t.taskId,
      hash: t.hash,
      hashDetails: t.hashDetails,
      inputsKey: t.inputsKey ?? null,
      manifest: manifests.get(t.taskId) ?? null,
      manifestId: known(t),
    })),
  );
  phase('write');
  if (work.remote) {
    queueForCentral(work, manifests, known, opts.env);
    phase('outbox');
  }
  return {
    code: 'COMPLETED',
    runId: run.runId,
    pid: process.pid,
    tasks: tasks.length,
    manifestsComputed: manifests.size,
    manifestsReused: tasks.filter((t) => known(t)).length,
    manifestsStale: stale.size,
    ...(problem ? { problem } : {}),
    ms: +(performance.now() - t0).toFixed(2),
    phases,
  };
}

/** The completed run, to the central store's outbox (what the hook did itself before deferring). */
function queueForCentral(
  work: DeferredWork,
  manifests: Map<string, InputManifest>,
  known: (t: TaskRunRecord) => string | null,
  env: NodeJS.ProcessEnv,
): void {
  const settings = resolveHistorySettings(env, work.workspaceRoot);
  if (!settings.ok || !settings.settings.remote) return;
  for (const t of work.run.tasks) {
    t.manifest = manifests.get(t.taskId) ?? null;
    if (!t.manifest) t.manifestId = known(t);
    delete t.inputsKey;
  }
  enqueueOutbox(settings.settings.dbPath, work.run);
  startOutboxSender(settings.settings.dbPath, settings.settings.remote, env, work.workspaceRoot);
}

/**
 * Tasks whose manifest cannot be the run's: one of its files, or a folder holding one (below the
 * workspace root: a file deleted there changes its folder), was modified after the command
 * ended. Each path is looked at once however many manifests share it.
 */
export function staleManifests(root: string, endedAt: number, manifests: Map<string, InputManifest>): Set<string> {
  const changed = new Map<string, boolean>();
  const isChanged = (rel: string): boolean => {
    let c = changed.get(rel);
    if (c === undefined) {
      const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
      // Gone since the expansion, or written after the command: either way not the run's.
      c = !st || st.mtimeMs > endedAt;
      changed.set(rel, c);
    }
    return c;
  };
  const stale = new Set<string>();
  for (const [id, m] of manifests) {
    const dirs = new Set<string>();
    for (const [f] of m.files)
      for (let d = path.posix.dirname(f); d !== '.' && d !== '/'; d = path.posix.dirname(d)) dirs.add(d);
    if (m.files.some(([f]) => isChanged(f)) || [...dirs].some(isChanged)) stale.add(id);
  }
  return stale;
}

function trace(file: string | undefined, outcome: CompletedRun): void {
  if (!file) return;
  try {
    fs.appendFileSync(file, JSON.stringify(outcome) + '\n');
  } catch {
    // A trace that cannot be written is nobody's problem.
  }
}

if (require.main === module) {
  const [dbPath] = process.argv.slice(2);
  // Stopped while lingering (or working: its transaction is rolled back, its work file stays).
  process.on('SIGTERM', () => {
    releaseCompleterLock(dbPath);
    process.exit(0);
  });
  const delayMs = Number(process.env.FLEET_HISTORY_COMPLETER_DELAY_MS) || 0;
  const linger = Number(process.env.FLEET_HISTORY_COMPLETER_LINGER_MS);
  const lingerMs = Number.isFinite(linger) && linger >= 0 ? linger : DEFAULT_LINGER_MS;
  completeDeferredRuns(dbPath, { env: process.env, delayMs, lingerMs }).then(
    () => undefined,
    () => undefined,
  );
}
