import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { parseNamespace } from './artifact-hash';
import type { Namespace } from './types';

/** One token's rights. `write: null` is a read-only token. */
export interface TokenScope {
  name: string;
  write: Namespace | null;
  /** Looked up in this order; the first namespace holding a key answers. */
  read: Namespace[];
}

/** A token as the file keeps it: never the token itself, only its SHA-256. */
export interface StoredToken extends TokenScope {
  sha256: Buffer;
  /**
   * A mint token (cache/run-tokens.ts): it reads and writes nothing itself and issues per-run
   * tokens that read `read` then the run's namespace, and write the run's namespace (`write`) or
   * nothing (`read`), for `mintTtlSeconds` (default 3600).
   */
  mint?: 'write' | 'read';
  mintTtlSeconds?: number;
}

/** A tokens file that cannot be used; `problems` locate each mistake (`tokens.2.write: ...`). */
export class TokensFileError extends Error {
  readonly code = 'FLEET_TOKENS_INVALID';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid tokens file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A new random token: 256 bits, URL-safe, prefixed so that secret scanners can recognise it. */
export function generateToken(): string {
  return `flc_${randomBytes(32).toString('base64url')}`;
}

/** Reads a YAML or JSON tokens file (`{tokens: [{name, sha256, write, read}]}`). */
export async function readTokensFile(file: string): Promise<StoredToken[]> {
  const text = await fsp.readFile(file, 'utf8');
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new TokensFileError(file, [`not YAML or JSON: ${(err as Error).message}`]);
  }
  const list = (doc as { tokens?: unknown } | null)?.tokens ?? [];
  if (!Array.isArray(list)) throw new TokensFileError(file, ['tokens: expected a list']);
  const problems: string[] = [];
  const out = list.map((raw, i) => parseEntry(raw, `tokens.${i}`, problems));
  if (problems.length) throw new TokensFileError(file, problems);
  return out as StoredToken[];
}

function parseEntry(raw: unknown, at: string, problems: string[]): StoredToken | null {
  const e = (raw ?? {}) as Record<string, unknown>;
  const sha = typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256) ? Buffer.from(e.sha256, 'hex') : null;
  if (!sha) problems.push(`${at}.sha256: expected 64 lowercase hex characters`);
  let write: Namespace | null = null;
  if (e.write !== undefined && e.write !== null) {
    write = typeof e.write === 'string' ? parseNamespace(e.write) : null;
    if (!write) problems.push(`${at}.write: expected a namespace (letters, digits, - and _) or null`);
  }
  const readRaw = e.read === undefined ? (write ? [write] : []) : e.read;
  const read = Array.isArray(readRaw) ? readRaw.map((r) => (typeof r === 'string' ? parseNamespace(r) : null)) : [null];
  if (read.some((r) => r === null)) problems.push(`${at}.read: expected a list of namespaces`);
  const name = typeof e.name === 'string' ? e.name : `token-${at}`;
  const mint = parseMint(e, at, write, problems);
  return sha ? { name, sha256: sha, write, read: read as Namespace[], ...mint } : null;
}

function parseMint(
  e: Record<string, unknown>,
  at: string,
  write: Namespace | null,
  problems: string[],
): Pick<StoredToken, 'mint' | 'mintTtlSeconds'> {
  if (e.mint === undefined || e.mint === null) return {};
  if (e.mint !== 'write' && e.mint !== 'read') problems.push(`${at}.mint: expected "write" or "read"`);
  // A mint token is a credential for issuing run tokens, not a standing write token as well.
  if (write) problems.push(`${at}.write: a mint token writes nothing itself (leave write out)`);
  const ttl = e.mintTtlSeconds ?? 3600;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 86_400)
    problems.push(`${at}.mintTtlSeconds: expected whole seconds from 1 to 604800`);
  return { mint: e.mint as 'write' | 'read', mintTtlSeconds: ttl as number };
}

/**
 * Adds a token's hash to the file (created if missing), keeping the file's comments and format,
 * written atomically so a running server never reads half a file.
 */
export async function appendToken(
  file: string,
  scope: TokenScope & { mint?: 'write' | 'read' },
  token: string,
): Promise<void> {
  const entry = {
    name: scope.name,
    sha256: hashToken(token).toString('hex'),
    write: scope.write,
    read: scope.read,
    ...(scope.mint ? { mint: scope.mint } : {}),
  };
  let text: string;
  const existing = await fsp.readFile(file, 'utf8').catch(() => null);
  if (file.endsWith('.json')) {
    const doc = existing ? (JSON.parse(existing) as { tokens?: unknown[] }) : {};
    doc.tokens = [...(doc.tokens ?? []), entry];
    text = JSON.stringify(doc, null, 2) + '\n';
  } else {
    const doc = existing
      ? YAML.parseDocument(existing)
      : YAML.parseDocument(
          '# fleet cache tokens: SHA-256 hashes only; create with `fleet cache token create`\ntokens: []\n',
        );
    if (!doc.has('tokens') || !YAML.isSeq(doc.get('tokens'))) doc.set('tokens', doc.createNode([]));
    (doc.get('tokens') as YAML.YAMLSeq).add(doc.createNode(entry));
    text = doc.toString();
  }
  await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, text, { mode: 0o600 });
  await fsp.rename(tmp, file);
}
