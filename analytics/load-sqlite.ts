import type { SqliteConstructor } from './sqlite-types';

/** The loader's answer: the driver, or why there is none (history is then off). */
export type SqliteLoad =
  { ok: true; Database: SqliteConstructor } | { ok: false; code: 'HISTORY_SQLITE_UNAVAILABLE'; message: string };

/**
 * Loads better-sqlite3 only when history is used. It is an optional dependency with a native
 * part; when it is missing or its binary does not load (another Node ABI, a failed build),
 * nothing else of nx-fleet may break, so the failure is returned as data. `moduleId` lets a
 * test point the loader at a module that does not exist.
 */
export function loadSqlite(moduleId = 'better-sqlite3'): SqliteLoad {
  try {
    const mod = require(moduleId) as SqliteConstructor | { default: SqliteConstructor };
    const Database = typeof mod === 'function' ? mod : mod.default;
    if (typeof Database !== 'function') throw new Error(`${moduleId} exports no Database class`);
    return { ok: true, Database };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, code: 'HISTORY_SQLITE_UNAVAILABLE', message: `cannot load ${moduleId}: ${message}` };
  }
}
