import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** A value stored by content: its key is the SHA-256 of its canonical JSON (first 32 hex digits). */
export interface ContentBlob {
  id: string;
  body: Buffer;
}

/**
 * Canonical JSON (sorted object keys), so equal content always gets the same key. The same text
 * as `JSON.stringify` with keys sorted (by UTF-16 code units), written directly: the hook encodes
 * hundreds of manifests and hashDetails on a cold run, and a replacer that rebuilds every object
 * cost about a fifth of that (bench/analytics).
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/** Index-like keys ("9", "10") first, numerically, as a JS object built from sorted entries orders them. */
function orderedKeys(o: Record<string, unknown>): string[] {
  const sorted = Object.keys(o).sort();
  const index = sorted.filter((k) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 4294967295);
  if (!index.length) return sorted;
  const isIndex = new Set(index);
  return [...index.sort((a, b) => Number(a) - Number(b)), ...sorted.filter((k) => !isIndex.has(k))];
}

function write(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return write((v as { toJSON(): unknown }).toJSON());
      if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? 'null').join(',')}]`;
      const o = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of orderedKeys(o)) {
        const w = write(o[k]);
        if (w !== undefined) parts.push(`${JSON.stringify(k)}:${w}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      // undefined, functions, symbols: left out of objects, null in arrays, as JSON.stringify does.
      return undefined;
  }
}

/** Encodes a value for the `blobs` table; `kind` keeps manifests (m), details (d) and task dependencies (g) apart. */
export function encodeBlob(kind: 'm' | 'd' | 'g', value: unknown): ContentBlob {
  const json = canonicalJson(value);
  const id = kind + createHash('sha256').update(json).digest('hex').slice(0, 32);
  return { id, body: deflateRawSync(json) };
}

export function decodeBlob<T>(body: Buffer): T {
  return JSON.parse(inflateRawSync(body).toString('utf8')) as T;
}
