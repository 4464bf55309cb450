import { authorize, receiveArtifact, refusalStatus, requireHash } from './artifact-access';
import { sendArtifact, sendText } from './http-util';
import type { RequestContext } from './request-context';

/** `GET|PUT /v1/cache/{hash}`: Nx 24's self-hosted remote cache API, exactly. */
export async function nxArtifact(ctx: RequestContext, rawHash: string): Promise<void> {
  ctx.record.protocol = 'nx';
  const scope = await authorize(ctx);
  if (!scope) return;
  const hash = await requireHash(ctx, rawHash);
  if (!hash) return;
  if (ctx.req.method === 'GET') {
    const hit = await ctx.store.get(scope.read, hash);
    ctx.record.lookup = hit ? 'hit' : 'miss';
    if (!hit) return sendText(ctx.res, 404, 'Not Found');
    ctx.record.namespace = hit.namespace;
    ctx.record.bytesOut = hit.meta.size;
    return sendArtifact(ctx.res, hit, {});
  }
  if (ctx.req.method === 'PUT') {
    const r = await receiveArtifact(ctx, scope, hash);
    if (r.kind === 'answered') return;
    // 200, never 202: Nx 24 treats 202 as a failure.
    if (r.outcome.ok) return sendText(ctx.res, 200, 'OK');
    const { status, text } = refusalStatus(ctx, r.outcome);
    return sendText(ctx.res, status, text);
  }
  sendText(ctx.res, 405, 'Method Not Allowed', { allow: 'GET, PUT' });
}
