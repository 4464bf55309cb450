import { parseSize } from './parse-size';
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
}

/** The options as text, from flags or `FLEET_*` variables (the CLI resolves which wins). */
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

/** Validates the options; every problem is reported at once, named by its flag. */
export function resolveServeSettings(raw: RawServeOptions): SettingsResult {
  const problems: string[] = [];
  const size = (flag: string, text: string): number => {
    const v = parseSize(text);
    if (v === null) problems.push(`--${flag}: "${text}" is not a size (e.g. 20GB, 512MiB, unlimited)`);
    return v ?? 0;
  };
  const int = (flag: string, text: string, min: number, max: number): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < min || v > max)
      problems.push(`--${flag}: expected an integer from ${min} to ${max}, got "${text}"`);
    return v;
  };
  const store = parseStoreSpec(raw.store ?? SERVE_DEFAULTS.store);
  if (!store) problems.push(`--store: expected fs:DIR or redis://HOST:PORT, got "${raw.store}"`);
  const maxSize = size('max-size', raw.maxSize ?? SERVE_DEFAULTS.maxSize);
  // By default the hard limit leaves eviction 10% of head-room before writes are refused.
  const hardLimit = raw.hardLimit !== undefined ? size('hard-limit', raw.hardLimit) : Math.floor(maxSize * 1.1);
  if (hardLimit < maxSize && Number.isFinite(maxSize)) problems.push('--hard-limit: must not be below --max-size');
  const defaultEntry = store?.kind === 'redis' ? String(REDIS_DEFAULT_MAX_ENTRY) : SERVE_DEFAULTS.fsMaxEntrySize;
  const maxEntrySize = size('max-entry-size', raw.maxEntrySize ?? defaultEntry);
  if (Boolean(raw.tlsCert) !== Boolean(raw.tlsKey)) problems.push('--tls-cert and --tls-key: give both or neither');
  const fullStatus = int('full-status', raw.fullStatus ?? SERVE_DEFAULTS.fullStatus, 200, 599);
  const tooLargeStatus = int('too-large-status', raw.tooLargeStatus ?? SERVE_DEFAULTS.tooLargeStatus, 200, 599);
  const log = raw.log ?? SERVE_DEFAULTS.log;
  if (log !== 'json' && log !== 'off') problems.push(`--log: expected json or off, got "${log}"`);
  const direct = raw.directUploads ?? SERVE_DEFAULTS.directUploads;
  if (direct !== 'on' && direct !== 'off') problems.push(`--direct-uploads: expected on or off, got "${direct}"`);
  const settings: ServeSettings = {
    port: int('port', raw.port ?? SERVE_DEFAULTS.port, 0, 65535),
    host: raw.host ?? SERVE_DEFAULTS.host,
    store: store ?? { kind: 'fs', dir: '' },
    maxSize,
    hardLimit,
    maxEntrySize,
    tokensFile: raw.tokens || undefined,
    tlsCert: raw.tlsCert || undefined,
    tlsKey: raw.tlsKey || undefined,
    fullStatus,
    tooLargeStatus,
    shutdownTimeoutMs: int('shutdown-timeout', raw.shutdownTimeout ?? SERVE_DEFAULTS.shutdownTimeout, 0, 86400) * 1000,
    log: log as 'json' | 'off',
    directUploads: direct !== 'off',
  };
  return problems.length ? { ok: false, problems } : { ok: true, settings };
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
