import type { ArtifactMeta } from './types';

/**
 * An fs entry is one file: a fixed-size header, then the body. Keeping the metadata inside the
 * same file means one atomic `link()` publishes body and metadata together; there is no sidecar
 * that could be missing after a crash. The header is written last (at offset 0), after the body
 * has been streamed and hashed, and before the file becomes visible.
 */
export const HEADER_SIZE = 1024;
const MAGIC = 'FLEETC1\n';

export type HeaderDecode = { ok: true; meta: ArtifactMeta } | { ok: false; message: string };

export function encodeHeader(meta: ArtifactMeta): Buffer {
  const json = JSON.stringify({ v: 1, ...meta });
  const buf = Buffer.alloc(HEADER_SIZE, 0x20);
  const used = buf.write(MAGIC + json + '\n', 0, 'utf8');
  if (used >= HEADER_SIZE) throw new RangeError('entry header too large (tag too long?)');
  return buf;
}

export function decodeHeader(buf: Buffer): HeaderDecode {
  if (buf.length < HEADER_SIZE || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    return { ok: false, message: 'not a fleet cache entry (bad magic)' };
  }
  try {
    const end = buf.indexOf(0x0a, MAGIC.length);
    const raw = JSON.parse(buf.toString('utf8', MAGIC.length, end)) as ArtifactMeta & { v: number };
    if (raw.v !== 1 || typeof raw.size !== 'number' || typeof raw.sha256 !== 'string') {
      return { ok: false, message: `unsupported entry header version ${String(raw.v)}` };
    }
    const { v: _v, ...meta } = raw;
    return { ok: true, meta };
  } catch (err) {
    return { ok: false, message: `unreadable entry header: ${(err as Error).message}` };
  }
}

/** The longest turbo tag we keep: it must fit the header with the rest of the metadata. */
export const MAX_TAG_LENGTH = 600;
