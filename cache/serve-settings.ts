import {
  defineCommandSettings,
  formatProblem,
  parseSize,
  setting,
  valueTypes as t,
  type CommandSettingsResult,
  type SettingsInput,
  type ValueType,
} from '../config';
import { REDIS_DEFAULT_MAX_ENTRY } from './redis-store';

/** Where entries live: a folder, or a Redis URL. */
export type StoreSpec = { kind: 'fs'; dir: string } | { kind: 'redis'; url: string };

/** Everything `fleet cache serve` needs, validated, defaults filled in. */
export interface ServeSettings {
  port: number;
  host: string;
  store: StoreSpec;
  maxSize: number;
  hardLimit: number;
  maxEntrySize: number;
  tokensFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  fullStatus: number;
  tooLargeStatus: number;
  shutdownTimeoutMs: number;
  log: 'json' | 'off';
  /** Read large upload bodies straight from the socket (see cache/socket-body.ts). */
  directUploads: boolean;
  /** The central run history's SQLite file (`/v1/fleet/history/*`); unset: no central history. */
  historyDb?: string;
}

/** The options as text, keyed like the flags (tests and in-process servers give these). */
export interface RawServeOptions {
  port?: string;
  host?: string;
  store?: string;
  maxSize?: string;
  hardLimit?: string;
  maxEntrySize?: string;
  tokens?: string;
  tlsCert?: string;
  tlsKey?: string;
  fullStatus?: string;
  tooLargeStatus?: string;
  shutdownTimeout?: string;
  log?: string;
  directUploads?: string;
  historyDb?: string;
}

export const SERVE_DEFAULTS = {
  port: '8420',
  host: '127.0.0.1',
  store: 'fs:.fleet/cache',
  maxSize: '20GB',
  fsMaxEntrySize: '16GiB',
  fullStatus: '403',
  tooLargeStatus: '413',
  shutdownTimeout: '30',
  log: 'json',
  directUploads: 'on',
} as const;

export type SettingsResult = { ok: true; settings: ServeSettings } | { ok: false; problems: string[] };

export function parseStoreSpec(text: string): StoreSpec | null {
  if (text.startsWith('redis://') || text.startsWith('rediss://')) return { kind: 'redis', url: text };
  if (text.startsWith('fs:') && text.length > 3) return { kind: 'fs', dir: text.slice(3) };
  return null;
}

/** The store as safe to print: a Redis password never reaches a log. */
export function describeStore(spec: StoreSpec): string {
  if (spec.kind === 'fs') return `fs:${spec.dir}`;
  try {
    const u = new URL(spec.url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}

const storeType: ValueType<StoreSpec> = {
  syntax: 'fs:DIR or redis://[:password@]host:port',
  schema: { type: 'string', minLength: 1 },
  parse: (raw) => {
    const spec = typeof raw === 'string' ? parseStoreSpec(raw.trim()) : null;
    return spec
      ? { ok: true, value: spec }
      : { ok: false, message: `expected fs:DIR or redis://HOST:PORT, got ${JSON.stringify(raw)}` };
  },
  show: describeStore,
};

const size = (text: string): number => parseSize(text)!;

/** The store, shared by `serve`, `verify` and `stats`. */
export const STORE_SETTING = setting({
  key: 'store',
  flag: '--store',
  valueName: '<spec>',
  env: 'FLEET_STORE',
  type: storeType,
  default: parseStoreSpec(SERVE_DEFAULTS.store)!,
  urlPassword: true,
  file: true,
  description:
    'where entries live: a folder (`fs:DIR`) or Redis (a password belongs in `FLEET_STORE` or `--store-file`)',
});

/** The tokens file, shared by `serve` and `token create`. */
export const TOKENS_SETTING = setting({
  key: 'tokens',
  flag: '--tokens',
  valueName: '<file>',
  env: 'FLEET_TOKENS',
  type: t.text('a file path'),
  defaultText: 'none (the cache is open)',
  description: 'tokens file (YAML or JSON; hashes only); `token create` appends to it',
});

const S = {
  port: setting({
    key: 'port',
    flag: '--port',
    valueName: '<n>',
    env: 'FLEET_PORT',
    type: t.integer(0, 65535),
    default: Number(SERVE_DEFAULTS.port),
    description: 'port to listen on; 0 picks a free one',
  }),
  host: setting({
    key: 'host',
    flag: '--host',
    valueName: '<addr>',
    env: 'FLEET_HOST',
    type: t.text('an address'),
    default: SERVE_DEFAULTS.host,
    description: 'address to bind',
  }),
  store: STORE_SETTING,
  maxSize: setting({
    key: 'maxSize',
    flag: '--max-size',
    valueName: '<size>',
    env: 'FLEET_MAX_SIZE',
    type: t.size(),
    default: size(SERVE_DEFAULTS.maxSize),
    description: 'evict least recently used entries above this',
  }),
  // By default the hard limit leaves eviction 10% of head-room before writes are refused.
  hardLimit: setting({
    key: 'hardLimit',
    flag: '--hard-limit',
    valueName: '<size>',
    env: 'FLEET_HARD_LIMIT',
    type: t.size(),
    default: (v) => (typeof v.maxSize === 'number' ? Math.floor(v.maxSize * 1.1) : undefined),
    defaultText: 'max-size + 10%',
    description: 'refuse writes above this',
  }),
  maxEntrySize: setting({
    key: 'maxEntrySize',
    flag: '--max-entry-size',
    valueName: '<size>',
    env: 'FLEET_MAX_ENTRY_SIZE',
    type: t.size(),
    default: (v) =>
      (v.store as StoreSpec | undefined)?.kind === 'redis'
        ? REDIS_DEFAULT_MAX_ENTRY
        : size(SERVE_DEFAULTS.fsMaxEntrySize),
    defaultText: '`16GiB` on fs, `64MiB` on redis',
    description: 'largest single entry; a larger body gets --too-large-status',
  }),
  tokens: TOKENS_SETTING,
  tlsCert: setting({
    key: 'tlsCert',
    flag: '--tls-cert',
    valueName: '<file>',
    env: 'FLEET_TLS_CERT',
    type: t.text('a file path'),
    description: 'serve HTTPS with this certificate (PEM)',
  }),
  tlsKey: setting({
    key: 'tlsKey',
    flag: '--tls-key',
    valueName: '<file>',
    env: 'FLEET_TLS_KEY',
    type: t.text('a file path'),
    description: 'the file of the private key for --tls-cert (PEM); the key itself never goes on a flag',
  }),
  fullStatus: setting({
    key: 'fullStatus',
    flag: '--full-status',
    valueName: '<code>',
    env: 'FLEET_FULL_STATUS',
    type: t.integer(200, 599),
    default: Number(SERVE_DEFAULTS.fullStatus),
    description: 'status for writes refused because the store is full (Nx 24 ignores 403)',
  }),
  tooLargeStatus: setting({
    key: 'tooLargeStatus',
    flag: '--too-large-status',
    valueName: '<code>',
    env: 'FLEET_TOO_LARGE_STATUS',
    type: t.integer(200, 599),
    default: Number(SERVE_DEFAULTS.tooLargeStatus),
    description: 'status for bodies over --max-entry-size (Nx 24 fails its run on 413, ignores 403)',
  }),
  shutdownTimeout: setting({
    key: 'shutdownTimeout',
    flag: '--shutdown-timeout',
    valueName: '<duration>',
    env: 'FLEET_SHUTDOWN_TIMEOUT',
    type: t.seconds({ allowZero: true, max: 86400 }),
    default: Number(SERVE_DEFAULTS.shutdownTimeout),
    description: 'how long to let in-flight requests finish on SIGTERM',
  }),
  log: setting({
    key: 'log',
    flag: '--log',
    valueName: '<json|off>',
    env: 'FLEET_LOG',
    type: t.oneOf(['json', 'off'] as const),
    default: 'json' as const,
    description: 'one JSON line per request on stdout, or nothing',
  }),
  directUploads: setting({
    key: 'directUploads',
    flag: '--direct-uploads',
    valueName: '<on|off>',
    env: 'FLEET_DIRECT_UPLOADS',
    type: t.boolean(['on', 'off']),
    default: true,
    description:
      'read bodies of 2 MiB and more straight from the socket, around the HTTP parser; their answer closes the connection',
  }),
  historyDb: setting({
    key: 'historyDb',
    flag: '--history-db',
    valueName: '<file>',
    env: 'FLEET_CENTRAL_HISTORY_DB',
    type: t.text('a file path'),
    defaultText: 'none (no central run history)',
    description:
      "serve the central run history (`/v1/fleet/history/*`, docs/analytics.md) from this SQLite file, with the cache's token scopes",
  }),
};

/** `fleet cache serve`: one pure function from flags, `FLEET_*` and nx.json `cacheServe` to settings. */
export const serveSettings = defineCommandSettings<ServeSettings>({
  command: 'cache serve',
  section: 'cacheServe',
  settings: Object.values(S),
  check: (v, at) => [
    ...(typeof v.hardLimit === 'number' &&
    typeof v.maxSize === 'number' &&
    v.hardLimit < v.maxSize &&
    Number.isFinite(v.maxSize)
      ? [at(S.hardLimit, 'FLEET_INVALID_OPTION', 'must not be below --max-size')]
      : []),
    ...(Boolean(v.tlsCert) !== Boolean(v.tlsKey)
      ? [at(S.tlsKey, 'FLEET_INVALID_OPTION', '--tls-cert and --tls-key: give both or neither')]
      : []),
  ],
  build: (v) => ({
    port: v.port as number,
    host: v.host as string,
    store: v.store as StoreSpec,
    maxSize: v.maxSize as number,
    hardLimit: v.hardLimit as number,
    maxEntrySize: v.maxEntrySize as number,
    tokensFile: v.tokens as string | undefined,
    tlsCert: v.tlsCert as string | undefined,
    tlsKey: v.tlsKey as string | undefined,
    fullStatus: v.fullStatus as number,
    tooLargeStatus: v.tooLargeStatus as number,
    shutdownTimeoutMs: Math.round((v.shutdownTimeout as number) * 1000),
    log: v.log as 'json' | 'off',
    directUploads: v.directUploads as boolean,
    historyDb: v.historyDb as string | undefined,
  }),
});

/** Settings from flag-named text alone (in-process servers in tests); problems as printed lines. */
export function resolveServeSettings(raw: RawServeOptions, input: Partial<SettingsInput> = {}): SettingsResult {
  const r: CommandSettingsResult<ServeSettings> = serveSettings.resolve({
    env: {},
    ctx: { cwd: process.cwd(), cpus: 1, hostname: '', pid: process.pid },
    ...input,
    flags: { ...raw, ...input.flags },
  });
  return r.ok ? { ok: true, settings: r.settings } : { ok: false, problems: r.problems.map(formatProblem) };
}
