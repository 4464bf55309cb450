import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenScope } from './tokens-file';
import type { Namespace } from './types';

/**
 * Short-lived per-run tokens for untrusted (pull-request) runs, issued by the server to holders of
 * a mint token (`POST /v1/fleet/run-tokens`). A run token reads the mint token's namespaces (e.g.
 * `main`) and then its run's namespace, and writes only that run's namespace (a `write` mint) or
 * nothing (a `read` mint, for the coordinator's replay). So one pull request cannot poison another,
 * nor `main`, and an agent holds no standing write token for untrusted work.
 *
 * The run's namespace is derived here from what its signed jobs name (run id, commit, patch
 * digest), never chosen by the caller: a job forged for another run's id with other code gets
 * another namespace. Tokens are stateless (an HMAC under a key drawn when the server starts), so
 * they end with the server process or at their expiry, whichever is first.
 */
export interface RunTokenRequest {
  runId: string;
  commit: string;
  patchSha256?: string;
}

export interface IssuedRunToken {
  token: string;
  namespace: Namespace;
  write: boolean;
  read: Namespace[];
  /** Epoch seconds. */
  expiresAt: number;
}

/** What a mint token may issue (its entry in the tokens file: `mint: write|read`). */
export interface MintRights {
  mint: 'write' | 'read';
  read: Namespace[];
  ttlSeconds: number;
}

const PREFIX = 'flr_';
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@/+-]{0,127}$/;
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The namespace of a run: the same for every agent and the coordinator of the run. */
export function runNamespace(r: RunTokenRequest): Namespace {
  return `run-${createHash('sha256')
    .update(`${r.runId}\n${r.commit}\n${r.patchSha256 ?? ''}`)
    .digest('hex')
    .slice(0, 32)}` as Namespace;
}

/** Why a mint request's body is unusable, or undefined. */
export function runTokenRequestProblem(body: unknown): string | undefined {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'expected a JSON object {runId, commit, patchSha256?}';
  if (typeof b.runId !== 'string' || !RUN_ID.test(b.runId)) return 'runId: expected letters, digits and _.:@/+-';
  if (typeof b.commit !== 'string' || !COMMIT.test(b.commit)) return 'commit: expected a full hex object id';
  if (b.patchSha256 !== undefined && (typeof b.patchSha256 !== 'string' || !SHA256.test(b.patchSha256)))
    return 'patchSha256: expected 64 hex characters';
  return undefined;
}

interface Claims {
  n: Namespace;
  w: boolean;
  r: Namespace[];
  e: number;
}

/** Issues and checks run tokens; one per server process (its key never leaves the process). */
export class RunTokenIssuer {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(`nx-fleet-run-token-v1\n${body}`).digest();
  }

  issue(rights: MintRights, request: RunTokenRequest, now = Date.now()): IssuedRunToken {
    const namespace = runNamespace(request);
    const claims: Claims = {
      n: namespace,
      w: rights.mint === 'write',
      r: [...rights.read.filter((ns) => ns !== namespace), namespace],
      e: Math.floor(now / 1000) + rights.ttlSeconds,
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return {
      token: `${PREFIX}${body}.${this.mac(body).toString('base64url')}`,
      namespace,
      write: claims.w,
      read: claims.r,
      expiresAt: claims.e,
    };
  }

  /** The token's scope, or undefined when it is not one of ours, is forged, or has expired. */
  verify(token: string, now = Date.now()): TokenScope | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    const [body, sig] = token.slice(PREFIX.length).split('.');
    if (!body || !sig) return undefined;
    const given = Buffer.from(sig, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
    if (!(claims.e * 1000 > now)) return undefined;
    return { name: `run-token:${claims.n}`, write: claims.w ? claims.n : null, read: claims.r };
  }

  static isRunToken(token: string): boolean {
    return token.startsWith(PREFIX);
  }
}
