import * as os from 'node:os';
import * as path from 'node:path';
import {
  defineCommandSettings,
  formatProblem,
  readPluginOptions,
  setting,
  valueTypes as t,
  type SettingsInput,
} from '../config';

/** Everything the run history needs, validated, defaults filled in. */
export interface HistorySettings {
  enabled: boolean;
  /** The local SQLite store (absolute). */
  dbPath: string;
  /** New hashes' manifests and hashDetails are written by a detached completer (analytics/complete-runs.ts). */
  defer: boolean;
  /** The central store (`fleet cache serve --history-db`), when configured. */
  remote: { url: string; token: string | null } | null;
}

export type HistorySettingsResult = { ok: true; settings: HistorySettings } | { ok: false; problems: string[] };

/** The default store, under Nx's own folder (the store writes a `.gitignore` beside itself). */
export const DEFAULT_HISTORY_DB = '.nx/fleet/history.db';

const S = {
  enabled: setting({
    key: 'enabled',
    env: 'FLEET_HISTORY',
    type: t.boolean(),
    default: true,
    description:
      'record every Nx command in the run history (on by default: it changes nothing about how tasks run); `FLEET_DISABLE` leaves it on; off, nx-fleet registers no `postTasksExecution` hook (docs/analytics.md)',
  }),
  defer: setting({
    key: 'defer',
    env: 'FLEET_HISTORY_DEFER',
    type: t.boolean(),
    defaultText: 'on; off when `CI` is set',
    description:
      'on a run with new hashes, the hook writes the run and its task rows and leaves the new manifests and hashDetails to a detached completer (about a second later; docs/analytics.md, "The hook\'s cost"); off: the hook writes them itself before the command exits. Off by default on CI, where the job (and a detached process with it) may end right after the command',
  }),
  db: setting({
    key: 'db',
    flag: '--db',
    valueName: '<file>',
    env: 'FLEET_HISTORY_DB',
    type: t.text('a file path'),
    defaultText: DEFAULT_HISTORY_DB,
    description: 'the local run store (SQLite), relative to the workspace root',
  }),
  url: setting({
    key: 'url',
    env: 'FLEET_HISTORY_URL',
    type: t.url(['http:', 'https:']),
    description: 'also send each run to this `fleet cache serve --history-db` (batched, retried, never blocking)',
  }),
  token: setting({
    key: 'token',
    env: 'FLEET_HISTORY_TOKEN',
    type: t.text('a token'),
    secret: true,
    file: true,
    description: "the cache token the runs are sent with (the server keeps them in the token's write namespace)",
  }),
};

/**
 * The run history's settings (the hook and `fleet runs|explain|flaky|stats`): `FLEET_HISTORY*`
 * variables > nx.json `history` section > defaults; the query commands' `--db` flag first.
 */
export const historySettings = defineCommandSettings<{
  enabled: boolean;
  defer?: boolean;
  db?: string;
  url?: string;
  token?: string;
}>({
  command: 'history',
  section: 'history',
  settings: Object.values(S),
  check: (v, at) =>
    v.token !== undefined && v.url === undefined
      ? [at(S.token, 'FLEET_INVALID_OPTION', 'set without FLEET_HISTORY_URL')]
      : [],
  build: (v) => ({
    enabled: v.enabled as boolean,
    defer: v.defer as boolean | undefined,
    db: v.db as string | undefined,
    url: v.url as string | undefined,
    token: v.token as string | undefined,
  }),
});

/**
 * Resolves the history settings; every problem at once, each located at its source (the
 * `history` section is read from `<workspaceRoot>/nx.json`). `flags`: the query commands' flags.
 */
export function resolveHistorySettings(
  env: NodeJS.ProcessEnv,
  workspaceRoot: string,
  flags: Record<string, unknown> = {},
): HistorySettingsResult {
  const plugin = readPluginOptions(workspaceRoot);
  const input: SettingsInput = {
    flags,
    env,
    nxJson: plugin.registered
      ? { index: plugin.index ?? 0, options: plugin.options as Record<string, unknown> }
      : undefined,
    ctx: { cwd: workspaceRoot, cpus: 1, hostname: os.hostname(), pid: process.pid },
  };
  const r = historySettings.resolve(input);
  if (!r.ok) return { ok: false, problems: r.problems.map(formatProblem) };
  const s = r.settings;
  return {
    ok: true,
    settings: {
      enabled: s.enabled,
      defer: s.defer ?? !onCi(env),
      dbPath: path.resolve(workspaceRoot, s.db ?? DEFAULT_HISTORY_DB),
      remote: s.url ? { url: s.url.replace(/\/+$/, ''), token: s.token ?? null } : null,
    },
  };
}

/** `CI` set to anything but empty or a false value, as CI services do. */
function onCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== 'false' && v !== '0' && v !== 'no' && v !== 'off';
}
