import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeBlob, encodeBlob } from './content-blob';
import { addDurationRollups, EXECUTED_RUN_SQL, type ExecutedRun } from './day-durations';
import { addDayStats } from './day-stats';
import { settleDeferred } from './deferred-runs';
import { decodeDetails, encodeDetails } from './details-blob';
import { ensureSchema, SCHEMA_VERSION, storedSchemaVersion } from './store-schema';
import type { SqliteConstructor, SqliteDatabase, SqliteStatement } from './sqlite-types';
import type { HashDetails, InputManifest, RunKind, RunRecord, RunSummary, StoredTaskRun } from './types';

/** Why a store could not be opened or written; the hook reports it once and carries on. */
export type StoreFailureCode =
  'HISTORY_STORE_CORRUPT' | 'HISTORY_STORE_BUSY' | 'HISTORY_SCHEMA_NEWER' | 'HISTORY_STORE_ERROR';
export type StoreOpen = { ok: true; store: RunStore } | { ok: false; code: StoreFailureCode; message: string };

export interface OpenStoreOptions {
  Database: SqliteConstructor;
  file: string;
  readonly?: boolean;
  /** How long a writer waits for another writer (ms). Short: the hook must not stall Nx. */
  busyTimeoutMs?: number;
  /**
   * false: this connection never checkpoints the WAL on commit (the hook: a lingering completer
   * does it, analytics/complete-runs.ts; without one, closing the last connection does).
   */
  autoCheckpoint?: boolean;
}

/** Maps SQLite's error codes onto ours. */
export function storeFailureCode(err: unknown): StoreFailureCode {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return 'HISTORY_STORE_CORRUPT';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'HISTORY_STORE_BUSY';
  return 'HISTORY_STORE_ERROR';
}

/** Opens (creating, for writers) the store: WAL, synchronous FULL, schema checked. */
export function openRunStore(opts: OpenStoreOptions): StoreOpen {
  let db: SqliteDatabase | undefined;
  try {
    if (!opts.readonly) {
      fs.mkdirSync(path.dirname(opts.file), { recursive: true });
      const ignore = path.join(path.dirname(opts.file), '.gitignore');
      if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
    }
    // A run whose completer is at work (analytics/deferred-runs.ts) is waited for, so that a
    // query right after a command sees its manifests.
    if (opts.readonly) settleDeferred(opts.file, process.env);
    db = new opts.Database(opts.file, {
      readonly: !!opts.readonly,
      fileMustExist: !!opts.readonly,
      timeout: opts.busyTimeoutMs ?? 2000,
    });
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: a run is on disk when record() returns, even if the CI machine is torn down.
      db.pragma('synchronous = FULL');
      if (opts.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
      const schema = ensureSchema(db);
      if (!schema.ok) {
        db.close();
        return schema;
      }
    } else {
      db.prepare('SELECT count(*) FROM runs').get();
      if (storedSchemaVersion(db) < SCHEMA_VERSION) {
        // A store of an older nx-fleet: the readers' queries need its new columns. Migrate it
        // once through a writer (the next hook would), then read on.
        db.close();
        db = undefined;
        const writer = openRunStore({ ...opts, readonly: false });
        if (!writer.ok) return writer;
        writer.store.close();
        return openRunStore(opts);
      }
    }
    return { ok: true, store: new RunStore(db) };
  } catch (err) {
    db?.close();
    return { ok: false, code: storeFailureCode(err), message: (err as Error).message };
  }
}

interface TaskRunRow {
  run_id: string;
  task_id: string;
  project: string;
  target: string;
  configuration: string | null;
  hash: string;
  status: string;
  cache: string;
  start_ms: number | null;
  end_ms: number | null;
  exit_code: number | null;
  output_bytes: number;
  manifest_id: string | null;
  agent: string | null;
  attempt: number;
  queued_ms: number | null;
  flaky: number;
}

export const TASK_RUN_COLUMNS = `r.run_id, t.task_id, t.project, t.target, t.configuration, tr.hash, tr.status,
  tr.cache, tr.start_ms, tr.end_ms, tr.exit_code, tr.output_bytes, tr.manifest_id, tr.agent, tr.attempt,
  tr.queued_ms, tr.flaky`;

/** Turns a joined row (see {@link TASK_RUN_COLUMNS}) into the public shape. */
export function toStoredTaskRun(r: TaskRunRow): StoredTaskRun {
  return {
    runId: r.run_id,
    taskId: r.task_id,
    project: r.project,
    target: r.target,
    configuration: r.configuration,
    hash: r.hash,
    status: r.status as StoredTaskRun['status'],
    cache: r.cache as StoredTaskRun['cache'],
    startTime: r.start_ms,
    endTime: r.end_ms,
    exitCode: r.exit_code,
    outputBytes: r.output_bytes,
    manifestId: r.manifest_id,
    agent: r.agent,
    attempt: r.attempt,
    queuedTime: r.queued_ms,
    flaky: r.flaky === 1,
  };
}

/** A task run as the duration rollups count it, or null; the same test as EXECUTED_RUN_SQL (day-durations.ts). */
function executedRun(t: RunRecord['tasks'][number], task: number): ExecutedRun | null {
  if (t.cache !== 'miss' || (t.status !== 'success' && t.status !== 'failure') || typeof t.startTime !== 'number')
    return null;
  const endMs = typeof t.endTime === 'number' ? t.endTime : null;
  return { task, target: t.target, success: t.status === 'success', startMs: t.startTime, endMs };
}

/** The run store: writes whole runs in one transaction, reads by run, task, hash. */
export class RunStore {
  constructor(readonly db: SqliteDatabase) {}

  private readonly statements = new Map<string, SqliteStatement>();

  /** A prepared statement, prepared once per store (the writers run these per task). */
  private stmt(sql: string): SqliteStatement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  close(): void {
    this.db.close();
  }

  /** Task hashes among `hashes` whose manifest is already stored: the hook skips those. */
  manifestsByHash(hashes: string[]): Map<string, string> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare(
      'SELECT manifest_id FROM task_runs WHERE hash = ? AND manifest_id IS NOT NULL LIMIT 1',
    );
    for (const h of hashes) {
      const row = stmt.get(h) as { manifest_id: string } | undefined;
      if (row) out.set(h, row.manifest_id);
    }
    return out;
  }

  /**
   * Manifests by inputs key (analytics/inputs-key.ts): a new hash whose file inputs, command and
   * input names are those of a stored run (only an environment or runtime value changed) has
   * the same manifest.
   */
  manifestsByInputsKey(keys: string[]): Map<string, string> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare(
      'SELECT manifest_id FROM task_runs WHERE inputs_key = ? AND manifest_id IS NOT NULL LIMIT 1',
    );
    for (const k of keys) {
      const row = stmt.get(k) as { manifest_id: string } | undefined;
      if (row) out.set(k, row.manifest_id);
    }
    return out;
  }

  /**
   * Writes a run and its tasks; a run id already stored is left as it is (idempotent). Tasks in
   * `deferred` are written without hashDetails and manifest: the hook's completer adds them
   * right after ({@link completeTasks}, analytics/complete-runs.ts).
   */
  record(
    run: RunRecord,
    knownManifests: Map<string, string> = new Map(),
    deferred?: ReadonlySet<string>,
  ): { inserted: boolean } {
    const db = this.db;
    const insertRun = db.prepare(`INSERT OR IGNORE INTO runs (run_id, namespace, command, argv, branch, commit_sha,
      machine, start_ms, end_ms, kind, deps_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertTask = db.prepare(
      'INSERT OR IGNORE INTO tasks (task_id, project, target, configuration) VALUES (?, ?, ?, ?)',
    );
    const taskRow = db.prepare('SELECT id FROM tasks WHERE task_id = ?');
    const insertBlob = db.prepare('INSERT OR IGNORE INTO blobs (id, body) VALUES (?, ?)');
    const blobExists = db.prepare('SELECT 1 FROM blobs WHERE id = ?');
    const insertTaskRun =
      db.prepare(`INSERT OR REPLACE INTO task_runs (run, task, attempt, hash, status, cache, start_ms,
      end_ms, exit_code, output_bytes, details_id, manifest_id, agent, queued_ms, flaky, inputs_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    return db.transaction(() => {
      const deps = run.deps ? encodeBlob('g', run.deps) : null;
      const res = insertRun.run(
        run.runId,
        run.namespace,
        run.command,
        JSON.stringify(run.argv),
        run.branch,
        run.commit,
        run.machine,
        run.startTime,
        run.endTime,
        run.kind ?? 'nx',
        deps?.id ?? null,
      );
      if (res.changes === 0) return { inserted: false };
      if (deps) insertBlob.run(deps.id, deps.body);
      const runRow = Number(res.lastInsertRowid);
      const executed: ExecutedRun[] = [];
      for (const t of run.tasks) {
        // Interned once: a known task (nearly all of them, run after run) is one lookup.
        let row = taskRow.get(t.taskId) as { id: number } | undefined;
        if (!row) {
          insertTask.run(t.taskId, t.project, t.target, t.configuration);
          row = taskRow.get(t.taskId) as { id: number };
        }
        const taskId = row.id;
        const ran = executedRun(t, taskId);
        if (ran) executed.push(ran);
        const later = deferred?.has(t.taskId) ?? false;
        let manifestId = knownManifests.get(t.hash) ?? null;
        if (!manifestId && t.manifestId && blobExists.get(t.manifestId)) manifestId = t.manifestId;
        if (t.manifest && !later) manifestId = this.storeManifest(t.manifest);
        const detailsId = later ? null : this.storeDetails(t.hash, t.hashDetails);
        insertTaskRun.run(
          runRow,
          taskId,
          t.attempt ?? 1,
          t.hash,
          t.status,
          t.cache,
          t.startTime,
          t.endTime,
          t.exitCode,
          t.outputBytes ?? 0,
          detailsId,
          manifestId,
          t.agent ?? null,
          t.queuedTime ?? null,
          t.flaky ? 1 : 0,
          t.inputsKey ?? null,
        );
      }
      addDayStats(db, run);
      addDurationRollups(db, run.namespace, executed);
      return { inserted: true };
    })();
  }

  /** Stores a manifest blob (content-addressed: once per distinct content); its id. */
  private storeManifest(manifest: InputManifest): string {
    const blob = encodeBlob('m', manifest);
    this.stmt('INSERT OR IGNORE INTO blobs (id, body) VALUES (?, ?)').run(blob.id, blob.body);
    return blob.id;
  }

  /** Stores a hash's hashDetails unless that hash's are stored already; the details id (null: none). */
  private storeDetails(hash: string, details: HashDetails | null): string | null {
    if (!details) return null;
    // Same hash, same hashDetails: reuse the stored key instead of hashing and deflating again.
    const known = this.stmt('SELECT details_id FROM task_runs WHERE hash = ? AND details_id IS NOT NULL LIMIT 1').get(
      hash,
    ) as { details_id: string } | undefined;
    if (known) return known.details_id;
    const blobExists = this.stmt('SELECT 1 FROM blobs WHERE id = ?');
    const insertBlob = this.stmt('INSERT OR IGNORE INTO blobs (id, body) VALUES (?, ?)');
    // The base's key is always computed here, never taken from the record: a posted record
    // must not be able to name the base that other namespaces' details share.
    const split = encodeDetails(details, (id) => blobExists.get(id) !== undefined);
    for (const blob of split.blobs) insertBlob.run(blob.id, blob.body);
    return split.id;
  }

  /**
   * Adds what {@link record} deferred to a stored run's tasks: their hashDetails, inputs key and
   * manifest (a stored manifest id, or one to store), in one transaction. Values already there
   * are kept. Returns how many task runs were completed (0: the run is not in the store).
   */
  completeTasks(
    runId: string,
    tasks: Array<{
      taskId: string;
      hash: string;
      hashDetails: HashDetails | null;
      inputsKey: string | null;
      manifest: InputManifest | null;
      manifestId: string | null;
    }>,
  ): number {
    const db = this.db;
    const update = db.prepare(`UPDATE task_runs SET details_id = coalesce(details_id, ?),
      manifest_id = coalesce(manifest_id, ?), inputs_key = coalesce(inputs_key, ?)
      WHERE run = ? AND task = (SELECT id FROM tasks WHERE task_id = ?)`);
    return db.transaction(() => {
      const row = db.prepare('SELECT id FROM runs WHERE run_id = ?').get(runId) as { id: number } | undefined;
      if (!row) return 0;
      let n = 0;
      for (const t of tasks) {
        const manifestId = t.manifest ? this.storeManifest(t.manifest) : t.manifestId;
        const detailsId = this.storeDetails(t.hash, t.hashDetails);
        n += update.run(detailsId, manifestId, t.inputsKey, row.id, t.taskId).changes;
      }
      return n;
    })();
  }

  /** The task dependencies a run was recorded with (null: none recorded). */
  runDeps(runId: string): Record<string, string[]> | null {
    const row = this.db
      .prepare('SELECT b.body FROM runs r JOIN blobs b ON b.id = r.deps_id WHERE r.run_id = ?')
      .get(runId) as { body: Buffer } | undefined;
    return row ? decodeBlob<Record<string, string[]>>(row.body) : null;
  }

  manifest(id: string): InputManifest | null {
    const row = this.db.prepare('SELECT body FROM blobs WHERE id = ?').get(id) as { body: Buffer } | undefined;
    return row ? decodeBlob<InputManifest>(row.body) : null;
  }

  hashDetails(runId: string, taskId: string): HashDetails | null {
    const row = this.db
      .prepare(
        `SELECT b.body FROM task_runs tr JOIN runs r ON r.id = tr.run JOIN tasks t ON t.id = tr.task
        JOIN blobs b ON b.id = tr.details_id WHERE r.run_id = ? AND t.task_id = ? ORDER BY tr.attempt DESC LIMIT 1`,
      )
      .get(runId, taskId) as { body: Buffer } | undefined;
    const blob = this.db.prepare('SELECT body FROM blobs WHERE id = ?');
    return row ? decodeDetails(row.body, (id) => (blob.get(id) as { body: Buffer } | undefined)?.body ?? null) : null;
  }

  run(runId: string): RunSummary | null {
    return (this.listRuns({ runId, limit: 1 })[0] as RunSummary | undefined) ?? null;
  }

  /** Runs, newest first. */
  listRuns(
    q: { limit?: number; branch?: string; runId?: string; before?: number; namespaces?: string[] } = {},
  ): RunSummary[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      where.push(clause);
      params.push(value);
    };
    if (q.runId) add('r.run_id = ?', q.runId);
    if (q.branch) add('r.branch = ?', q.branch);
    if (q.before !== undefined) add('r.start_ms < ?', q.before);
    if (q.namespaces) {
      where.push(`r.namespace IN (${q.namespaces.map(() => '?').join(',') || "''"})`);
      params.push(...q.namespaces);
    }
    const rows = this.db
      .prepare(
        `SELECT r.run_id, r.namespace, r.kind, r.command, r.branch, r.commit_sha, r.machine, r.start_ms, r.end_ms,
        (SELECT count(*) FROM task_runs tr WHERE tr.run = r.id) AS tasks,
        (SELECT count(*) FROM task_runs tr WHERE tr.run = r.id AND tr.status = 'failure') AS failed,
        (SELECT count(*) FROM task_runs tr WHERE tr.run = r.id AND tr.cache IN ('local','remote')) AS hits
        FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.start_ms DESC, r.id DESC LIMIT ?`,
      )
      .all(...params, q.limit ?? 20) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      runId: r.run_id as string,
      namespace: r.namespace as string,
      kind: r.kind as RunKind,
      command: r.command as string,
      branch: r.branch as string | null,
      commit: r.commit_sha as string | null,
      machine: r.machine as string,
      startTime: r.start_ms as number,
      endTime: r.end_ms as number,
      tasks: r.tasks as number,
      failed: r.failed as number,
      cacheHits: r.hits as number,
    }));
  }

  /** The tasks of one run. */
  runTasks(runId: string): StoredTaskRun[] {
    const rows = this.db
      .prepare(
        `SELECT ${TASK_RUN_COLUMNS} FROM task_runs tr JOIN runs r ON r.id = tr.run JOIN tasks t ON t.id = tr.task
        WHERE r.run_id = ? ORDER BY tr.start_ms, t.task_id, tr.attempt`,
      )
      .all(runId) as TaskRunRow[];
    return rows.map(toStoredTaskRun);
  }

  /** A task's runs, newest first; `beforeRun` keeps only runs older than that one. */
  taskHistory(
    taskId: string,
    q: { limit?: number; withManifest?: boolean; runId?: string; namespaces?: string[] } = {},
  ): StoredTaskRun[] {
    const ns = q.namespaces ? `AND r.namespace IN (${q.namespaces.map(() => '?').join(',') || "''"})` : '';
    const rows = this.db
      .prepare(
        `SELECT ${TASK_RUN_COLUMNS} FROM task_runs tr JOIN tasks t ON t.id = tr.task JOIN runs r ON r.id = tr.run
        WHERE t.task_id = ? ${q.withManifest ? 'AND tr.manifest_id IS NOT NULL' : ''} ${q.runId ? 'AND r.run_id = ?' : ''} ${ns}
        ORDER BY r.start_ms DESC, r.id DESC, tr.attempt DESC LIMIT ?`,
      )
      .all(...[taskId, ...(q.runId ? [q.runId] : []), ...(q.namespaces ?? []), q.limit ?? 20]) as TaskRunRow[];
    return rows.map(toStoredTaskRun);
  }

  /**
   * A typical duration (ms) per task: the median of its last `recent` executed runs (cache
   * misses that succeeded or failed); tasks never executed are absent. For local scheduling.
   */
  typicalDurations(taskIds: string[], recent = 10): Map<string, number> {
    const out = new Map<string, number>();
    const q = this.db.prepare(
      `SELECT tr.end_ms - tr.start_ms AS ms FROM task_runs tr JOIN tasks t ON t.id = tr.task
       WHERE t.task_id = ? AND ${EXECUTED_RUN_SQL} AND tr.end_ms IS NOT NULL ORDER BY tr.start_ms DESC LIMIT ?`,
    );
    for (const id of taskIds) {
      const ms = (q.all(id, recent) as Array<{ ms: number }>).map((r) => r.ms).sort((a, b) => a - b);
      if (ms.length) out.set(id, ms[Math.floor(ms.length / 2)]);
    }
    return out;
  }

  /**
   * The first run that executed (cache miss) a hash: the producer of its cache entry. With
   * namespaces, in their order, as the cache reads them: the first that has it produced it.
   */
  producerOf(hash: string, namespaces?: string[]): StoredTaskRun | null {
    // INDEXED BY: without ANALYZE statistics SQLite prefers the (cache, time) index here, 1000x slower.
    const stmt = this.db
      .prepare(`SELECT ${TASK_RUN_COLUMNS} FROM task_runs tr INDEXED BY task_runs_hash JOIN tasks t ON t.id = tr.task
      JOIN runs r ON r.id = tr.run WHERE tr.hash = ? AND tr.cache = 'miss' AND tr.status = 'success'
      ${namespaces ? 'AND r.namespace = ?' : ''} ORDER BY r.start_ms LIMIT 1`);
    for (const ns of namespaces ?? [null]) {
      const row = stmt.get(...(ns === null ? [hash] : [hash, ns])) as TaskRunRow | undefined;
      if (row) return toStoredTaskRun(row);
    }
    return null;
  }

  /** The namespace a run id is stored under, if any. */
  namespaceOf(runId: string): string | null {
    const row = this.db.prepare('SELECT namespace FROM runs WHERE run_id = ?').get(runId) as
      { namespace: string } | undefined;
    return row?.namespace ?? null;
  }
}
