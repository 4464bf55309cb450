import { rebuildDurationRollups } from './day-durations';
import { rebuildDayStats } from './day-stats';
import type { SqliteDatabase } from './sqlite-types';

/**
 * The store's schema, versioned in `meta.schema_version`. A newer version than this code knows
 * is refused (an older nx-fleet must not write into a newer layout); an older one is migrated
 * step by step inside one transaction.
 *
 * Sizes: task ids, projects and targets are interned in `tasks`, so a task run is a row of
 * integers, one hash and two content-address keys. Manifests (per-file input hashes) and
 * Nx's hashDetails are stored once per distinct content, deflated, keyed by SHA-256.
 */
export const SCHEMA_VERSION = 3;

const V1 = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  namespace TEXT NOT NULL,
  command TEXT NOT NULL,
  argv TEXT NOT NULL,
  branch TEXT,
  commit_sha TEXT,
  machine TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_start ON runs (start_ms);
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  target TEXT NOT NULL,
  configuration TEXT
);
CREATE INDEX IF NOT EXISTS tasks_target ON tasks (target);
CREATE TABLE IF NOT EXISTS task_runs (
  run INTEGER NOT NULL,
  task INTEGER NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  hash TEXT NOT NULL,
  status TEXT NOT NULL,
  cache TEXT NOT NULL,
  start_ms INTEGER,
  end_ms INTEGER,
  exit_code INTEGER,
  output_bytes INTEGER NOT NULL DEFAULT 0,
  details_id TEXT,
  manifest_id TEXT,
  agent TEXT,
  PRIMARY KEY (run, task, attempt)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS task_runs_task ON task_runs (task, start_ms);
CREATE INDEX IF NOT EXISTS task_runs_hash ON task_runs (hash);
-- Flaky starts from the failures in a window (rare), then counts their hashes' successes.
CREATE INDEX IF NOT EXISTS task_runs_fail ON task_runs (status, start_ms, cache, task, hash);
-- Daily rollups, kept by record(): trends read a few rows per day instead of every task run.
-- target '*' is the whole day (a run counts once there, once per target it ran otherwise).
CREATE TABLE IF NOT EXISTS day_stats (
  day TEXT NOT NULL,
  target TEXT NOT NULL,
  runs INTEGER NOT NULL,
  task_runs INTEGER NOT NULL,
  executed INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  executed_ms INTEGER NOT NULL,
  PRIMARY KEY (day, target)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
`;

/**
 * v2: distributed runs (`fleet run`). A run says what recorded it (`nx` for the hook, `fleet-run`
 * for the coordinator); a task run says when its attempt was queued and whether it was the
 * passing attempt of a task that failed before with the same hash in that run (flaky). And a
 * task run keeps its inputs key (analytics/inputs-key.ts): a new hash whose file inputs are
 * those of a stored manifest reuses it instead of expanding inputs again.
 */
const V2 = `
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'nx';
ALTER TABLE task_runs ADD COLUMN queued_ms INTEGER;
ALTER TABLE task_runs ADD COLUMN flaky INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_runs ADD COLUMN inputs_key TEXT;
CREATE INDEX IF NOT EXISTS task_runs_inputs ON task_runs (inputs_key) WHERE inputs_key IS NOT NULL;
`;

/**
 * v3: per-day duration rollups, kept by record() (analytics/day-durations.ts): the trends page's
 * percentiles and slowest tasks, and `fleet flaky`'s totals, read a few rows per day instead of
 * every executed task run. And `day_stats` gets a namespace too. All per namespace (the one the
 * run was stored under), so a reader sums only the namespaces it may read (the central store:
 * a token's read namespaces). A store of v2 has them all rebuilt from its task runs. And a run
 * may keep its task dependencies (`deps_id`, a content blob), for its critical path.
 */
const V3 = `
ALTER TABLE runs ADD COLUMN deps_id TEXT;
DROP TABLE day_stats;
CREATE TABLE day_stats (
  day TEXT NOT NULL,
  namespace TEXT NOT NULL,
  target TEXT NOT NULL,
  runs INTEGER NOT NULL,
  task_runs INTEGER NOT NULL,
  executed INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  executed_ms INTEGER NOT NULL,
  PRIMARY KEY (day, namespace, target)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_durations (
  day TEXT NOT NULL,
  namespace TEXT NOT NULL,
  target TEXT NOT NULL,
  executed INTEGER NOT NULL,
  sketch BLOB NOT NULL,
  PRIMARY KEY (day, namespace, target)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_task_durations (
  day TEXT NOT NULL,
  namespace TEXT NOT NULL,
  task INTEGER NOT NULL,
  executed INTEGER NOT NULL,
  executed_ms INTEGER NOT NULL,
  untimed INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  PRIMARY KEY (day, namespace, task)
) WITHOUT ROWID;
`;

export type SchemaCheck = { ok: true } | { ok: false; code: 'HISTORY_SCHEMA_NEWER'; message: string };

/** The schema version a store says it has (0: none). */
export function storedSchemaVersion(db: SqliteDatabase): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Creates or migrates the schema. */
export function ensureSchema(db: SqliteDatabase): SchemaCheck {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const current = storedSchemaVersion(db);
  if (current > SCHEMA_VERSION)
    return {
      ok: false,
      code: 'HISTORY_SCHEMA_NEWER',
      message: `the store has schema ${current}; this nx-fleet knows up to ${SCHEMA_VERSION}`,
    };
  if (current < SCHEMA_VERSION) {
    db.transaction(() => {
      if (current < 1) db.exec(V1);
      if (current < 2) db.exec(V2);
      if (current < 3) {
        db.exec(V3);
        rebuildDayStats(db);
        rebuildDurationRollups(db);
      }
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    })();
  }
  return { ok: true };
}
