import * as path from 'node:path';

/** Everything the run history needs, validated, defaults filled in. */
export interface HistorySettings {
  enabled: boolean;
  /** The local SQLite store (absolute). */
  dbPath: string;
  /** The central store (`fleet cache serve --history`), when configured. */
  remote: { url: string; token: string | null } | null;
}

/** The options as text, from flags or `FLEET_HISTORY*` variables (a flag wins). */
export interface RawHistoryOptions {
  history?: string;
  db?: string;
  url?: string;
  token?: string;
}

export type HistorySettingsResult = { ok: true; settings: HistorySettings } | { ok: false; problems: string[] };

/** The default store, under Nx's own folder (the store writes a `.gitignore` beside itself). */
export const DEFAULT_HISTORY_DB = '.nx/fleet/history.db';

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** A strict boolean: 1/true/yes/on or 0/false/no/off (any case); anything else is a problem. */
export function parseStrictBoolean(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return null;
}

/** Reads the raw options from the environment (`FLEET_HISTORY`, `FLEET_HISTORY_DB`, ...). */
export function historyOptionsFromEnv(env: NodeJS.ProcessEnv): RawHistoryOptions {
  return {
    history: env.FLEET_HISTORY,
    db: env.FLEET_HISTORY_DB,
    url: env.FLEET_HISTORY_URL,
    token: env.FLEET_HISTORY_TOKEN,
  };
}

/**
 * Validates the options; every problem is reported at once, named by its variable. History is
 * on by default: it changes nothing about how tasks run. `FLEET_DISABLE` (the executors'
 * bypass) deliberately does not turn it off.
 */
export function resolveHistorySettings(raw: RawHistoryOptions, workspaceRoot: string): HistorySettingsResult {
  const problems: string[] = [];
  let enabled = true;
  if (raw.history !== undefined && raw.history !== '') {
    const b = parseStrictBoolean(raw.history);
    if (b === null) problems.push(`FLEET_HISTORY: expected 1/true/yes/on or 0/false/no/off, got "${raw.history}"`);
    else enabled = b;
  }
  const dbPath = path.resolve(workspaceRoot, raw.db || DEFAULT_HISTORY_DB);
  let remote: HistorySettings['remote'] = null;
  if (raw.url) {
    try {
      const u = new URL(raw.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
      remote = { url: raw.url.replace(/\/+$/, ''), token: raw.token || null };
    } catch {
      problems.push(`FLEET_HISTORY_URL: expected an http(s) URL, got "${raw.url}"`);
    }
  } else if (raw.token) problems.push('FLEET_HISTORY_TOKEN: set without FLEET_HISTORY_URL');
  return problems.length ? { ok: false, problems } : { ok: true, settings: { enabled, dbPath, remote } };
}
