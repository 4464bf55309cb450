/**
 * Asks the cache server for a run token (cache/run-tokens.ts) with a mint token: the agent of an
 * untrusted run holds no standing write token, only this per-run one, which writes nothing but
 * its run's namespace.
 */
export interface RunTokenClientRequest {
  cacheUrl: string;
  mintToken: string;
  runId: string;
  commit: string;
  patchSha256?: string;
}

export type RunTokenAnswer =
  | { ok: true; token: string; namespace: string; expiresAt: number }
  | { ok: false; code: 'FLEET_CACHE_TOKEN_FAILED'; message: string };

export async function mintRunToken(r: RunTokenClientRequest): Promise<RunTokenAnswer> {
  const url = new URL('/v1/fleet/run-tokens', r.cacheUrl);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${r.mintToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        runId: r.runId,
        commit: r.commit,
        ...(r.patchSha256 ? { patchSha256: r.patchSha256 } : {}),
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 200)
      return {
        ok: false,
        code: 'FLEET_CACHE_TOKEN_FAILED',
        message: `the cache server refused a run token: ${res.status} ${text.trim().slice(0, 200)}`,
      };
    const body = JSON.parse(text) as { token?: unknown; namespace?: unknown; expiresAt?: unknown };
    if (typeof body.token !== 'string' || typeof body.namespace !== 'string' || typeof body.expiresAt !== 'number')
      return { ok: false, code: 'FLEET_CACHE_TOKEN_FAILED', message: 'the cache server answered no run token' };
    return { ok: true, token: body.token, namespace: body.namespace, expiresAt: body.expiresAt };
  } catch (err) {
    return {
      ok: false,
      code: 'FLEET_CACHE_TOKEN_FAILED',
      message: `no run token from ${url.origin}: ${(err as Error).message}`,
    };
  }
}
