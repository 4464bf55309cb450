import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveHistorySettings, type HistorySettings } from './history-settings';
import { loadSqlite } from './load-sqlite';
import { openRunStore, type RunStore } from './run-store';

/** The query commands' options (`fleet runs|explain|flaky|stats`), as text. */
export interface RawQueryOptions {
  db?: string;
  json?: boolean;
  limit?: string;
  days?: string;
}

export type HistoryForQuery =
  | {
      ok: true;
      root: string;
      settings: HistorySettings;
      store: RunStore | null;
      note: string | null;
      limit: number;
      days: number;
    }
  | { ok: false; problems: string[] };

/** The workspace root: the nearest folder above `cwd` with an nx.json. */
export function findWorkspaceRoot(cwd: string): string | null {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Resolves a query command's options (flag > `FLEET_HISTORY_DB` > default) and opens the store
 * read-only. Every problem at once; a store that does not exist yet is not a problem (`store`
 * is null and `note` says why), so `fleet explain` can still tell what it can.
 */
export function openHistoryForQuery(cwd: string, env: NodeJS.ProcessEnv, raw: RawQueryOptions): HistoryForQuery {
  const problems: string[] = [];
  const root = findWorkspaceRoot(cwd);
  if (!root) problems.push(`no nx.json in ${cwd} or above: run fleet in an Nx workspace`);
  // Reading is allowed with recording off: FLEET_HISTORY does not apply to the query commands.
  const resolved = resolveHistorySettings(
    { ...env, FLEET_HISTORY: undefined },
    root ?? cwd,
    raw.db ? { db: raw.db } : {},
  );
  if (!resolved.ok) problems.push(...resolved.problems);
  const limit = Number(raw.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100000)
    problems.push(`--limit: expected an integer from 1 to 100000, got "${raw.limit}"`);
  const days = Number(raw.days ?? '14');
  if (!Number.isFinite(days) || days <= 0 || days > 3650)
    problems.push(`--days: expected a number of days from 1 to 3650, got "${raw.days}"`);
  if (problems.length || !resolved.ok || !root) return { ok: false, problems };
  const settings = resolved.settings;
  if (!fs.existsSync(settings.dbPath))
    return { ok: true, root, settings, store: null, note: `no run history at ${settings.dbPath} yet`, limit, days };
  const sqlite = loadSqlite(env.FLEET_HISTORY_SQLITE_MODULE || undefined);
  if (!sqlite.ok) return { ok: false, problems: [`${sqlite.message} [${sqlite.code}]`] };
  const opened = openRunStore({ Database: sqlite.Database, file: settings.dbPath, readonly: true });
  if (!opened.ok) return { ok: false, problems: [`${settings.dbPath}: ${opened.message} [${opened.code}]`] };
  return { ok: true, root, settings, store: opened.store, note: null, limit, days };
}
