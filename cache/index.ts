export { createCacheServer } from './cache-server';
export type { CacheServer, CacheServerOptions, DashboardMount, LogLine } from './cache-server';
export type { HistoryBackend } from './history-routes';
export { startCacheServer } from './start-cache-server';
export type { RunningCacheServer } from './start-cache-server';
export {
  resolveServeSettings,
  parseStoreSpec,
  describeStore,
  serveSettings,
  SERVE_DEFAULTS,
  STORE_SETTING,
  TOKENS_SETTING,
} from './serve-settings';
export type { ServeSettings, RawServeOptions, StoreSpec, SettingsResult } from './serve-settings';
export { FsStore } from './fs-store';
export type { FsStoreOptions } from './fs-store';
export { RedisStore, REDIS_DEFAULT_MAX_ENTRY } from './redis-store';
export type { RedisStoreOptions } from './redis-store';
export { openStore } from './open-store';
export { Metrics } from './metrics';
export { TokenRegistry, OPEN_SCOPE } from './token-registry';
export { appendToken, generateToken, hashToken, readTokensFile, TokensFileError } from './tokens-file';
export type { TokenScope } from './tokens-file';
export { formatVerifyReport, verifyStore } from './verify-store';
export type { VerifyReport } from './verify-store';
export { storeStats } from './store-stats';
export type { StoreStats } from './store-stats';
export { parseArtifactHash, parseNamespace } from './artifact-hash';
export { parseSize, formatSize } from '../config';
export type * from './types';
