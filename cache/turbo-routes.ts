import { authorize, receiveArtifact, refusalStatus, requireHash } from './artifact-access';
import { parseArtifactHash } from './artifact-hash';
import { drain, sendArtifact, sendJson, sendText } from './http-util';
import type { RequestContext } from './request-context';
import type { ArtifactMeta } from './types';

/** Turborepo's `x-artifact-*` headers for a stored entry. */
function artifactHeaders(meta: ArtifactMeta): Record<string, string> {
  const h: Record<string, string> = {};
  if (meta.durationMs !== undefined) h['x-artifact-duration'] = String(meta.durationMs);
  if (meta.tag) h['x-artifact-tag'] = meta.tag;
  return h;
}

/** `GET|HEAD|PUT /v8/artifacts/{hash}`: the Turborepo remote cache API. */
export async function turboArtifact(ctx: RequestContext, rawHash: string): Promise<void> {
  ctx.record.protocol = 'turbo';
  const scope = await authorize(ctx);
  if (!scope) return;
  const hash = await requireHash(ctx, rawHash);
  if (!hash) return;
  const method = ctx.req.method;
  if (method === 'GET' || method === 'HEAD') {
    const hit = method === 'GET' ? await ctx.store.get(scope.read, hash) : null;
    const meta = hit ? hit.meta : method === 'HEAD' ? await ctx.store.has(scope.read, hash) : null;
    ctx.record.lookup = meta ? 'hit' : 'miss';
    if (!meta) return sendJson(ctx.res, 404, { error: { code: 'not_found', message: 'Artifact not found' } });
    if (hit) {
      ctx.record.namespace = hit.namespace;
      ctx.record.bytesOut = hit.meta.size;
      return sendArtifact(ctx.res, hit, artifactHeaders(hit.meta));
    }
    ctx.res.writeHead(200, {
      'content-length': meta.size,
      'content-type': 'application/octet-stream',
      ...artifactHeaders(meta),
    });
    return void ctx.res.end();
  }
  if (method === 'PUT') {
    const duration = Number(ctx.req.headers['x-artifact-duration']);
    const tag = ctx.req.headers['x-artifact-tag'];
    const r = await receiveArtifact(ctx, scope, hash, {
      durationMs: Number.isFinite(duration) ? duration : undefined,
      tag: typeof tag === 'string' ? tag : undefined,
    });
    if (r.kind === 'answered') return;
    if (r.outcome.ok) return sendJson(ctx.res, 202, { urls: [`${scope.write}/${hash}`] });
    const { status, text } = refusalStatus(ctx, r.outcome);
    return sendJson(ctx.res, status, { error: { code: r.outcome.code, message: text } });
  }
  sendText(ctx.res, 405, 'Method Not Allowed', { allow: 'GET, HEAD, PUT' });
}

/** `POST /v8/artifacts`: which of `{hashes: [...]}` exist, with their size, duration and tag. */
export async function turboQuery(ctx: RequestContext): Promise<void> {
  ctx.record.protocol = 'turbo';
  const scope = await authorize(ctx);
  if (!scope) return;
  const body = await readSmallJson(ctx, 1024 * 1024);
  const hashes = (body as { hashes?: unknown } | null)?.hashes;
  if (!Array.isArray(hashes) || hashes.length > 10_000)
    return sendJson(ctx.res, 400, { error: { code: 'bad_request', message: 'expected {hashes: string[]}' } });
  const out: Record<string, unknown> = {};
  for (const raw of hashes) {
    const hash = typeof raw === 'string' ? parseArtifactHash(raw) : null;
    const meta = hash ? await ctx.store.has(scope.read, hash) : null;
    out[String(raw)] = meta ? { size: meta.size, taskDurationMs: meta.durationMs ?? 0, tag: meta.tag } : null;
  }
  sendJson(ctx.res, 200, out);
}

/** `GET /v8/artifacts/status`: turbo asks whether caching is enabled for the team. */
export async function turboStatus(ctx: RequestContext): Promise<void> {
  const scope = await authorize(ctx);
  if (scope) sendJson(ctx.res, 200, { status: 'enabled' });
}

/** `POST /v8/artifacts/events`: turbo's cache usage events; accepted and dropped. */
export async function turboEvents(ctx: RequestContext): Promise<void> {
  const scope = await authorize(ctx);
  if (!scope) return;
  await drain(ctx.req);
  sendJson(ctx.res, 200, {});
}

async function readSmallJson(ctx: RequestContext, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) return null;
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}
