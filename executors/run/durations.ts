import * as fs from 'node:fs';
import { loadSqlite, openRunStore, resolveHistorySettings } from '../../analytics';

/**
 * Typical durations of these tasks from the run history (docs/analytics.md), for the order in
 * which ready tasks start. Never a reason to fail: no history, no store, a locked or corrupt
 * store all give an empty map (every task then weighs the same).
 */
export function historyDurations(workspaceRoot: string, taskIds: string[], env = process.env): Map<string, number> {
  try {
    const settings = resolveHistorySettings({ ...env, FLEET_HISTORY: undefined }, workspaceRoot);
    if (!settings.ok || !fs.existsSync(settings.settings.dbPath)) return new Map();
    const sqlite = loadSqlite(env.FLEET_HISTORY_SQLITE_MODULE || undefined);
    if (!sqlite.ok) return new Map();
    const opened = openRunStore({ Database: sqlite.Database, file: settings.settings.dbPath, readonly: true });
    if (!opened.ok) return new Map();
    try {
      return opened.store.typicalDurations(taskIds);
    } finally {
      opened.store.close();
    }
  } catch {
    return new Map();
  }
}
