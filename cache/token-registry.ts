import { promises as fsp } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { RunTokenIssuer, type MintRights } from './run-tokens';
import { hashToken, readTokensFile, type StoredToken, type TokenScope } from './tokens-file';
import type { Namespace } from './types';

/** Who is asking, or why not. */
export type AuthResult = { ok: true; scope: TokenScope } | { ok: false; code: 'MISSING_TOKEN' | 'BAD_TOKEN' };

/** Without a tokens file the server is open: everyone reads and writes the `default` namespace. */
export const OPEN_SCOPE: TokenScope = {
  name: 'anonymous',
  write: 'default' as Namespace,
  read: ['default' as Namespace],
};

// Re-reading the tokens file on every request would cost a stat each; once a second is enough
// for `fleet cache token create` to take effect without a restart.
const RELOAD_CHECK_MS = 1000;

/** The tokens the server accepts, reloaded when the file changes. */
export class TokenRegistry {
  private mtimeMs = 0;
  private checkedMs = 0;
  private reloading = false;
  /** Issues and checks per-run tokens (cache/run-tokens.ts); its key lives only in this process. */
  readonly runTokens = new RunTokenIssuer();

  private constructor(
    private readonly file: string | undefined,
    private tokens: StoredToken[],
    private readonly onReloadError: (err: Error) => void,
  ) {}

  static async open(
    file: string | undefined,
    onReloadError: (err: Error) => void = () => undefined,
  ): Promise<TokenRegistry> {
    const reg = new TokenRegistry(file, [], onReloadError);
    if (file) {
      reg.mtimeMs = (await fsp.stat(file)).mtimeMs;
      reg.tokens = await readTokensFile(file);
    }
    return reg;
  }

  get open(): boolean {
    return this.file === undefined;
  }

  get count(): number {
    return this.tokens.length;
  }

  /**
   * Checks an `Authorization` header for the artifact routes. Every stored hash is compared, in
   * constant time each. A run token is checked by its MAC and expiry; a mint token reads and
   * writes nothing itself.
   */
  authenticate(header: string | undefined): AuthResult {
    if (this.file === undefined) return { ok: true, scope: OPEN_SCOPE };
    const found = this.find(header);
    if (!found.ok) return found;
    const t = found.token;
    return { ok: true, scope: 'mint' in t && t.mint ? { name: t.name, write: null, read: [] } : t };
  }

  /** The mint rights of the header's token: undefined when it is not a mint token. */
  mintRights(
    header: string | undefined,
  ): { ok: true; name: string; rights?: MintRights } | { ok: false; code: 'MISSING_TOKEN' | 'BAD_TOKEN' } {
    if (this.file === undefined) return { ok: true, name: 'anonymous' };
    const found = this.find(header);
    if (!found.ok) return found;
    const t = found.token as StoredToken;
    return {
      ok: true,
      name: t.name,
      rights: t.mint ? { mint: t.mint, read: t.read, ttlSeconds: t.mintTtlSeconds ?? 3600 } : undefined,
    };
  }

  private find(
    header: string | undefined,
  ): { ok: true; token: StoredToken | TokenScope } | { ok: false; code: 'MISSING_TOKEN' | 'BAD_TOKEN' } {
    this.maybeReload();
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return { ok: false, code: 'MISSING_TOKEN' };
    if (RunTokenIssuer.isRunToken(m[1])) {
      const scope = this.runTokens.verify(m[1]);
      return scope ? { ok: true, token: scope } : { ok: false, code: 'BAD_TOKEN' };
    }
    const presented = hashToken(m[1]);
    let found: StoredToken | undefined;
    // No early exit: the time taken does not depend on which token (if any) matched.
    for (const t of this.tokens) if (timingSafeEqual(t.sha256, presented) && !found) found = t;
    return found ? { ok: true, token: found } : { ok: false, code: 'BAD_TOKEN' };
  }

  private maybeReload(): void {
    const now = Date.now();
    if (this.reloading || now - this.checkedMs < RELOAD_CHECK_MS || !this.file) return;
    this.checkedMs = now;
    this.reloading = true;
    const file = this.file;
    fsp
      .stat(file)
      .then(async (st) => {
        if (st.mtimeMs === this.mtimeMs) return;
        this.tokens = await readTokensFile(file);
        this.mtimeMs = st.mtimeMs;
      })
      .catch((err: Error) => this.onReloadError(err)) // keep serving with the tokens we had
      .finally(() => {
        this.reloading = false;
      });
  }
}
