import { promises as fsp } from 'node:fs';
import { createCacheServer, type CacheServer, type DashboardMount, type LogLine } from './cache-server';
import type { HistoryBackend } from './history-routes';
import { Metrics } from './metrics';
import { openStore } from './open-store';
import { describeStore, type ServeSettings } from './serve-settings';
import { checkDirectUploads } from './socket-body';
import { TokenRegistry } from './token-registry';
import type { ArtifactStore } from './types';

export interface RunningCacheServer {
  /** Base URL to give clients, e.g. `http://127.0.0.1:8420`. */
  url: string;
  port: number;
  store: ArtifactStore;
  server: CacheServer;
  /** Graceful: stop accepting, finish in-flight requests, close the store. */
  stop(): Promise<void>;
}

/** Opens the store and tokens and starts listening; the index keeps loading in the background. */
export async function startCacheServer(
  settings: ServeSettings,
  log: (line: LogLine) => void = () => undefined,
  extras: { history?: HistoryBackend; dashboard?: DashboardMount } = {},
): Promise<RunningCacheServer> {
  const metrics = new Metrics();
  const tokens = await TokenRegistry.open(settings.tokensFile, (err) =>
    log({ level: 'error', msg: 'tokens file reload failed; keeping the previous tokens', error: err.message }),
  );
  const events = {
    evicted: (n: number, b: number) => metrics.evicted(n, b),
    digestFailed: (key: string, message: string) =>
      log({
        time: new Date().toISOString(),
        level: 'error',
        msg: 'background hash failed; the entry stays pending',
        key,
        error: message,
      }),
  };
  const store = await openStore(settings.store, settings, events, true);
  const tls =
    settings.tlsCert && settings.tlsKey
      ? { cert: await fsp.readFile(settings.tlsCert), key: await fsp.readFile(settings.tlsKey) }
      : undefined;
  // Only the fs store's large entries read bodies straight from the socket.
  let directUploads = settings.directUploads && settings.store.kind === 'fs' && !tls;
  if (directUploads) {
    const why = await checkDirectUploads();
    if (why) {
      directUploads = false;
      log({
        time: new Date().toISOString(),
        level: 'warn',
        msg: 'direct uploads are off: their start-up check failed; every body goes through node:http',
        reason: why,
      });
    }
  }
  const server = createCacheServer({
    store,
    tokens,
    metrics,
    fullStatus: settings.fullStatus,
    tooLargeStatus: settings.tooLargeStatus,
    directUploads,
    tls,
    log: settings.log === 'json' ? log : undefined,
    history: extras.history,
    dashboard: extras.dashboard,
  });
  let addr;
  try {
    addr = await server.listen(settings.port, settings.host);
  } catch (err) {
    await store.close();
    throw err;
  }
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
  log({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'listening',
    url,
    store: describeStore(settings.store),
    tokens: tokens.open ? 'none (open: everyone reads and writes "default")' : tokens.count,
    directUploads,
  });
  const started = Date.now();
  store.ready().then(
    () =>
      log({
        time: new Date().toISOString(),
        level: 'info',
        msg: 'index ready',
        ms: Date.now() - started,
        ...store.usage(),
      }),
    (err: Error) => log({ level: 'error', msg: 'index load failed', error: err.message }),
  );
  return {
    url,
    port: addr.port,
    store,
    server,
    stop: async () => {
      await server.close(settings.shutdownTimeoutMs);
      await store.close();
    },
  };
}
