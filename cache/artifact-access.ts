import { parseArtifactHash } from './artifact-hash';
import { contentLength, drain, sendText } from './http-util';
import type { RequestContext } from './request-context';
import { DIRECT_UPLOAD_MIN, isTakenOver, writeBodyFromSocket } from './socket-body';
import type { TokenScope } from './tokens-file';
import type { ArtifactHash, PutOutcome } from './types';

/** The caller's scope, or null after a 401 has been sent. */
export async function authorize(ctx: RequestContext): Promise<TokenScope | null> {
  const auth = ctx.tokens.authenticate(ctx.req.headers.authorization);
  if (auth.ok) {
    ctx.record.token = auth.scope.name;
    return auth.scope;
  }
  ctx.record.code = auth.code;
  await drain(ctx.req);
  sendText(
    ctx.res,
    401,
    auth.code === 'MISSING_TOKEN' ? 'Unauthorized: a bearer token is required' : 'Unauthorized: unknown token',
  );
  return null;
}

/** The validated hash, or null after a 400 has been sent. */
export async function requireHash(ctx: RequestContext, raw: string): Promise<ArtifactHash | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw;
  }
  const hash = parseArtifactHash(decoded);
  if (hash) {
    ctx.record.hash = hash;
    return hash;
  }
  ctx.record.code = 'BAD_HASH';
  await drain(ctx.req);
  sendText(ctx.res, 400, 'Bad Request: malformed hash');
  return null;
}

export type ReceiveResult = { kind: 'stored'; outcome: PutOutcome } | { kind: 'answered' };

/**
 * The shared part of a write: scope check, length check, streaming into the store. Answers
 * itself (and returns `answered`) for 403 read-only and 411; otherwise returns the store's
 * outcome for the protocol to phrase.
 */
export async function receiveArtifact(
  ctx: RequestContext,
  scope: TokenScope,
  hash: ArtifactHash,
  extra: { tag?: string; durationMs?: number } = {},
): Promise<ReceiveResult> {
  if (!scope.write) {
    ctx.record.code = 'READ_ONLY';
    await drain(ctx.req);
    sendText(ctx.res, 403, 'Forbidden: this token is read-only');
    return { kind: 'answered' };
  }
  const size = contentLength(ctx.req);
  if (size === null) {
    ctx.record.code = 'LENGTH_REQUIRED';
    await drain(ctx.req);
    sendText(ctx.res, 411, 'Length Required: send Content-Length so a truncated upload can be told apart');
    return { kind: 'answered' };
  }
  ctx.record.namespace = scope.write;
  const direct =
    ctx.directUploads && size >= DIRECT_UPLOAD_MIN
      ? (fd: number, start: number, head: Buffer) => writeBodyFromSocket(ctx.req, ctx.res, fd, start, size, head)
      : undefined;
  const outcome = await ctx.store.put(scope.write, hash, ctx.req, { size, ...extra, direct });
  if (!outcome.ok) ctx.record.code = outcome.code;
  if (isTakenOver(ctx.req.socket)) ctx.record.direct = true;
  // A refusal that came before the body was read (exists, full, too large) still reads it, so the
  // client gets our answer rather than a reset.
  await drain(ctx.req);
  ctx.record.bytesIn = outcome.ok ? outcome.meta.size : 0;
  return { kind: 'stored', outcome };
}

/** The status and text for a refused write, for clients (like Nx) that only tolerate some statuses. */
export function refusalStatus(
  ctx: RequestContext,
  outcome: Extract<PutOutcome, { ok: false }>,
): { status: number; text: string } {
  switch (outcome.code) {
    case 'EXISTS':
      return { status: 409, text: 'Conflict: this hash is already stored' };
    case 'ENTRY_TOO_LARGE':
      return { status: ctx.tooLargeStatus, text: `Payload Too Large: ${outcome.message}` };
    case 'STORE_FULL':
      return { status: ctx.fullStatus, text: `Not stored: ${outcome.message}` };
    case 'TRUNCATED':
      return { status: 400, text: `Bad Request: ${outcome.message}` };
    case 'STORE_ERROR':
      // Not a 5xx: Nx fails the user's whole run on one. The write is simply not stored.
      return { status: ctx.fullStatus, text: `Not stored: the store failed (${outcome.message})` };
  }
}
