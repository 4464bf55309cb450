import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** A value stored by content: its key is the SHA-256 of its canonical JSON (first 32 hex digits). */
export interface ContentBlob {
  id: string;
  body: Buffer;
}

/** Canonical JSON (sorted object keys), so equal content always gets the same key. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Encodes a value for the `blobs` table; `kind` keeps manifests and details apart. */
export function encodeBlob(kind: 'm' | 'd', value: unknown): ContentBlob {
  const json = canonicalJson(value);
  const id = kind + createHash('sha256').update(json).digest('hex').slice(0, 32);
  return { id, body: deflateRawSync(json) };
}

export function decodeBlob<T>(body: Buffer): T {
  return JSON.parse(inflateRawSync(body).toString('utf8')) as T;
}
