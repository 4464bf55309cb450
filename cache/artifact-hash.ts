import type { ArtifactHash, Namespace } from './types';

// Letters, digits, `-` and `_` only: no dot, no slash, no percent, so a key can never name a path
// outside its shard (`../x`, `%2e%2e`, `a/b`) and is safe as a file name and a Redis key part.
const HASH_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The hash as a validated key, or null when it is malformed (the server answers 400). */
export function parseArtifactHash(raw: string): ArtifactHash | null {
  return HASH_RE.test(raw) ? (raw as ArtifactHash) : null;
}

/** The namespace as validated, or null (used for token files and CLI flags). */
export function parseNamespace(raw: string): Namespace | null {
  return NAMESPACE_RE.test(raw) ? (raw as Namespace) : null;
}
