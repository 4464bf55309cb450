import { drain, sendJson, sendText } from './http-util';
import type { RequestContext } from './request-context';
import { runTokenRequestProblem, type RunTokenRequest } from './run-tokens';

const MAX_BODY = 4096;

async function readSmallBody(ctx: RequestContext): Promise<string | null> {
  let text = '';
  for await (const chunk of ctx.req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_BODY) return null;
  }
  return text;
}

/**
 * `POST /v1/fleet/run-tokens` with a mint token and `{runId, commit, patchSha256?}`: answers
 * `{token, namespace, write, read, expiresAt}` (cache/run-tokens.ts). 401 without a known token,
 * 403 for a token that is not a mint token (or an open server, which has no scopes), 400 for a
 * bad body. Never a 5xx.
 */
export async function runTokenRoute(ctx: RequestContext): Promise<void> {
  if (ctx.req.method !== 'POST')
    return (await drain(ctx.req), sendText(ctx.res, 405, 'Method Not Allowed', { allow: 'POST' }));
  const auth = ctx.tokens.mintRights(ctx.req.headers.authorization);
  if (!auth.ok) {
    ctx.record.code = auth.code;
    await drain(ctx.req);
    return sendText(
      ctx.res,
      401,
      auth.code === 'MISSING_TOKEN' ? 'Unauthorized: a bearer token is required' : 'Unauthorized: unknown token',
    );
  }
  ctx.record.token = auth.name;
  if (!auth.rights) {
    ctx.record.code = 'NOT_A_MINT_TOKEN';
    await drain(ctx.req);
    return sendText(
      ctx.res,
      403,
      ctx.tokens.open
        ? 'Forbidden: the server has no tokens file, so it issues no run tokens'
        : 'Forbidden: not a mint token',
    );
  }
  const text = await readSmallBody(ctx);
  let body: unknown;
  try {
    body = text === null ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  const problem = text === null ? `body over ${MAX_BODY} bytes` : runTokenRequestProblem(body);
  if (problem) {
    ctx.record.code = 'BAD_RUN_TOKEN_REQUEST';
    return sendText(ctx.res, 400, `Bad Request: ${problem}`);
  }
  const issued = ctx.tokens.runTokens.issue(auth.rights, body as RunTokenRequest);
  ctx.record.namespace = issued.namespace;
  sendJson(ctx.res, 200, issued);
}
