import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { historyRoute, type HistoryBackend } from './history-routes';
import { runTokenRoute } from './run-token-route';
import { sendJson, sendText } from './http-util';
import { Metrics } from './metrics';
import { nxArtifact } from './nx-routes';
import type { RequestContext } from './request-context';
import { isTakenOver } from './socket-body';
import type { TokenRegistry } from './token-registry';
import { turboArtifact, turboEvents, turboQuery, turboStatus } from './turbo-routes';
import type { ArtifactStore } from './types';

/** One JSON-serialisable log record; the server emits one per request. */
export type LogLine = Record<string, unknown>;

export interface CacheServerOptions {
  store: ArtifactStore;
  tokens: TokenRegistry;
  /** Shared with the store's eviction events, so `/metrics` counts evictions. */
  metrics: Metrics;
  /** Receives one line per request, plus server events. Never sees a token. */
  log?: (line: LogLine) => void;
  /** Status for writes refused because the store is full (default 403: Nx 24 ignores it). */
  fullStatus?: number;
  /** Status for bodies over the entry limit (default 413; Nx 24 fails the run on it, 403 it ignores). */
  tooLargeStatus?: number;
  tls?: { cert: Buffer; key: Buffer };
  /** Read large upload bodies straight from the socket, around Node's HTTP parser (default true; see socket-body.ts). */
  directUploads?: boolean;
  /** The central run history (`/v1/fleet/history/*`), when the server keeps one. */
  history?: HistoryBackend;
  /** The web dashboard under `/dashboard/` over that history (dashboard/ implements it). */
  dashboard?: DashboardMount;
}

/**
 * Serves one dashboard request. `read` is the caller's read namespaces (its token's), or null for
 * the page itself, which holds no data (the browser then sends the token with each API call).
 */
export type DashboardMount = (req: http.IncomingMessage, res: http.ServerResponse, read: string[] | null) => void;

export interface CacheServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to `timeoutMs`), then drops the rest. */
  close(timeoutMs?: number): Promise<void>;
}

/** Builds the HTTP(S) server. Nothing here throws at a request: every failure becomes a status. */
export function createCacheServer(opts: CacheServerOptions): CacheServer {
  const state = { inFlight: 0, idle: [] as Array<() => void> };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    state.inFlight++;
    res.on('close', () => {
      if (--state.inFlight === 0) state.idle.splice(0).forEach((f) => f());
    });
    void handle(opts, req, res);
  };
  // requestTimeout 0: a multi-gigabyte upload on a slow link may take longer than Node's 5-minute
  // default; idle sockets are still reaped by the keep-alive and header timeouts.
  const serverOpts = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 };
  const server: http.Server = opts.tls
    ? (https.createServer({ ...serverOpts, cert: opts.tls.cert, key: opts.tls.key }, handler) as unknown as http.Server)
    : http.createServer(serverOpts, handler);
  server.on('clientError', (err, socket) => {
    // A socket whose body is read around the parser: the parser, left mid-body, reports the
    // client's end as an error; the upload itself answers (or notices the client has gone).
    if (isTakenOver(socket as Socket)) return;
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy(err);
  });
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      }),
    close: async (timeoutMs = 30_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (state.inFlight > 0) {
        await Promise.race([
          new Promise<void>((r) => state.idle.push(r)),
          new Promise((r) => setTimeout(r, timeoutMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(opts: CacheServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const ctx: RequestContext = {
    req,
    res,
    store: opts.store,
    tokens: opts.tokens,
    record: { route: 'not_found', method: req.method ?? '?', bytesIn: 0, bytesOut: 0 },
    fullStatus: opts.fullStatus ?? 403,
    tooLargeStatus: opts.tooLargeStatus ?? 413,
    directUploads: opts.directUploads ?? true,
  };
  res.on('close', () => finish(opts, ctx, started));
  try {
    await route(opts, ctx);
  } catch (err) {
    ctx.record.code = 'INTERNAL';
    opts.log?.({
      level: 'error',
      msg: 'request failed',
      error: (err as Error).message,
      path: (ctx.req.url ?? '/').split('?')[0],
    });
    // A miss or a "not stored" is always safe for the client; a 5xx would fail an Nx run.
    if (!res.headersSent) sendText(res, req.method === 'PUT' ? ctx.fullStatus : 404, 'Not available: internal error');
    else res.destroy();
  }
}

function route(opts: CacheServerOptions, ctx: RequestContext): Promise<void> | void {
  // The raw path, not the URL-normalised one: `/v1/cache/../x` must reach the hash check (400),
  // not be quietly resolved to another route.
  const p = (ctx.req.url ?? '/').split('?')[0];
  const m = ctx.req.method;
  const rec = ctx.record;
  if (p.startsWith('/v1/cache/')) return ((rec.route = 'nx_artifact'), nxArtifact(ctx, p.slice('/v1/cache/'.length)));
  if (p === '/v8/artifacts/status') return ((rec.route = 'turbo_status'), turboStatus(ctx));
  if (p === '/v8/artifacts/events') return ((rec.route = 'turbo_events'), turboEvents(ctx));
  if (p === '/v8/artifacts' && m === 'POST') return ((rec.route = 'turbo_query'), turboQuery(ctx));
  if (p.startsWith('/v8/artifacts/'))
    return ((rec.route = 'turbo_artifact'), turboArtifact(ctx, p.slice('/v8/artifacts/'.length)));
  if (p === '/v1/fleet/run-tokens') return ((rec.route = 'run_token'), runTokenRoute(ctx));
  if (p.startsWith('/v1/fleet/history/') && opts.history)
    return (
      (rec.route = 'history'),
      historyRoute(ctx, (ctx.req.url ?? '').slice('/v1/fleet/history'.length), opts.history)
    );
  if ((p === '/dashboard' || p.startsWith('/dashboard/')) && opts.dashboard) {
    rec.route = 'dashboard';
    if (p === '/dashboard' || p === '/dashboard/') return opts.dashboard(ctx.req, ctx.res, null);
    const auth = ctx.tokens.authenticate(ctx.req.headers.authorization);
    if (!auth.ok) {
      rec.code = auth.code;
      ctx.req.resume();
      return sendText(ctx.res, 401, 'Unauthorized: a known bearer token is required');
    }
    rec.token = auth.scope.name;
    return opts.dashboard(ctx.req, ctx.res, auth.scope.read);
  }
  if (p === '/healthz') {
    rec.route = 'healthz';
    const u = opts.store.usage();
    return sendJson(ctx.res, 200, {
      status: 'ok',
      store: opts.store.kind,
      indexReady: u.indexReady,
      entries: u.entries,
      bytes: u.bytes,
    });
  }
  if (p === '/metrics') {
    rec.route = 'metrics';
    return sendText(ctx.res, 200, opts.metrics.render(opts.store.usage()).trimEnd(), {
      'content-type': 'text/plain; version=0.0.4',
    });
  }
  ctx.req.resume();
  sendText(ctx.res, 404, 'Not Found');
}

function finish(opts: CacheServerOptions, ctx: RequestContext, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const r = ctx.record;
  const status = ctx.res.headersSent ? ctx.res.statusCode : 0;
  const bytesOut = ctx.res.writableFinished ? (r.bytesOut ?? 0) : 0;
  opts.metrics.record({
    route: r.route ?? 'not_found',
    method: r.method ?? '?',
    status,
    seconds,
    bytesIn: r.bytesIn ?? 0,
    bytesOut,
    lookup: r.lookup,
    protocol: r.protocol,
    direct: r.direct,
  });
  opts.log?.({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'request',
    method: r.method,
    path: (ctx.req.url ?? '/').split('?')[0],
    route: r.route,
    status,
    ms: Math.round(seconds * 1e4) / 10,
    bytesIn: r.bytesIn ?? 0,
    bytesOut,
    token: r.token,
    ns: r.namespace,
    lookup: r.lookup,
    code: r.code,
    direct: r.direct,
  });
}
