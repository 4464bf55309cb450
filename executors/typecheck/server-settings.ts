import * as os from 'node:os';

/** How the typecheck server runs; every field has an environment variable (docs/reference.md). */
export interface ServerSettings {
  workspaceRoot: string;
  socket: string;
  /** Identity of this server: nx-fleet build + TypeScript path and version. */
  key: string;
  typescript: string;
  /** The server exits after this long with no task and no client. */
  idleMs: number;
  threads: number;
  /** A thread is replaced after this many projects (its caches start over). */
  recycleAfter: number;
  /** The whole pool is replaced when the server's RSS passes this (MiB). */
  maxRssMb: number;
  /** V8 old-generation limit of one thread (MiB); past it the thread fails its task with OOM. */
  threadHeapMb: number;
  crashOn?: string;
}

function intEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

export function settingsFromEnv(
  base: Pick<ServerSettings, 'workspaceRoot' | 'socket' | 'key' | 'typescript'>,
): ServerSettings {
  return {
    ...base,
    idleMs: intEnv('FLEET_TYPECHECK_IDLE_MS', 15 * 60_000),
    threads: intEnv('FLEET_TYPECHECK_THREADS', Math.max(1, Math.min(8, os.availableParallelism() - 1))),
    recycleAfter: intEnv('FLEET_TYPECHECK_RECYCLE_AFTER', 200),
    maxRssMb: intEnv('FLEET_TYPECHECK_MAX_RSS_MB', 4096),
    threadHeapMb: intEnv('FLEET_TYPECHECK_THREAD_HEAP_MB', 2048),
    crashOn: process.env.FLEET_TYPECHECK_TEST_CRASH_ON || undefined,
  };
}
