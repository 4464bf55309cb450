import { drain, sendJson, sendText } from './http-util';
import type { RequestContext } from './request-context';

/**
 * The central run history behind `/v1/fleet/history/*` (analytics/central-history.ts implements
 * it; the composition root passes it in, so cache/ does not depend on analytics/). Every call
 * gets the caller's namespaces from its token: writes land in the token's write namespace only,
 * reads see only its read namespaces, in their order.
 */
export interface HistoryBackend {
  ingest(namespace: string, body: unknown): { status: number; value: unknown };
  query(
    route: 'runs' | 'producer' | 'tasks' | 'manifests',
    arg: string,
    params: URLSearchParams,
    read: string[],
  ): { status: number; value: unknown };
}

const MAX_BODY = 32 << 20;

async function readJson(ctx: RequestContext): Promise<{ ok: true; value: unknown } | { ok: false; problem: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { ok: false, problem: `body over ${MAX_BODY} bytes` };
    chunks.push(chunk as Buffer);
  }
  ctx.record.bytesIn = size;
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, problem: 'body is not JSON' };
  }
}

/**
 * `POST /v1/fleet/history/runs` `{runs: RunRecord[]}`; `GET /v1/fleet/history/runs`,
 * `/producer/{hash}`, `/tasks/{taskId}`, `/manifests/{id}`. 401 without a known token, 403 for
 * a write with a read-only token, 400 for a bad body; never a 5xx the server can avoid.
 */
export async function historyRoute(ctx: RequestContext, rest: string, backend: HistoryBackend): Promise<void> {
  const auth = ctx.tokens.authenticate(ctx.req.headers.authorization);
  if (!auth.ok) {
    ctx.record.code = auth.code;
    await drain(ctx.req);
    return sendText(ctx.res, 401, 'Unauthorized: a known bearer token is required');
  }
  ctx.record.token = auth.scope.name;
  const url = new URL(rest, 'http://x/');
  const [route, ...args] = url.pathname.slice(1).split('/');
  const arg = decodeURIComponent(args.join('/'));
  if (ctx.req.method === 'POST' && route === 'runs') {
    if (!auth.scope.write) {
      ctx.record.code = 'READ_ONLY_TOKEN';
      await drain(ctx.req);
      return sendText(ctx.res, 403, 'Forbidden: this token cannot write');
    }
    ctx.record.namespace = auth.scope.write;
    const body = await readJson(ctx);
    if (!body.ok) return sendText(ctx.res, 400, `Bad Request: ${body.problem}`);
    const r = backend.ingest(auth.scope.write, body.value);
    return sendJson(ctx.res, r.status, r.value);
  }
  await drain(ctx.req);
  if (ctx.req.method !== 'GET') return sendText(ctx.res, 405, 'Method Not Allowed');
  if (route !== 'runs' && route !== 'producer' && route !== 'tasks' && route !== 'manifests')
    return sendText(ctx.res, 404, 'Not Found');
  const r = backend.query(route, arg, url.searchParams, auth.scope.read);
  sendJson(ctx.res, r.status, r.value);
}
