import type { ArtifactMeta } from './types';

/**
 * An fs entry is one file: a fixed-size header, then the body. Keeping the metadata inside the
 * same file means one atomic `link()` publishes body and metadata together; there is no sidecar
 * that could be missing after a crash.
 *
 * Version 2 (written since the digest moved off the upload path): the header is written with the
 * first batch of the body and holds the metadata as JSON; its last 65 bytes are a digest slot,
 * 64 characters then a newline. The slot is `PENDING_SLOT` (64 dashes) when the entry is published,
 * and the background hasher later writes the body's hex SHA-256 over it in one 64-byte `pwrite`
 * (see digest-worker.ts). A slot is a digest only if all 64 characters are lowercase hex: a write
 * torn by a crash leaves dashes in it and simply reads as pending again.
 *
 * Version 1 (older stores, still read): the SHA-256 is in the JSON, written before publishing.
 */
export const HEADER_SIZE = 1024;
const MAGIC_V1 = 'FLEETC1\n';
const MAGIC_V2 = 'FLEETC2\n';
/** Where the digest slot starts (64 characters, then the header's last byte, a newline). */
export const DIGEST_OFFSET = HEADER_SIZE - 65;
export const PENDING_SLOT = '-'.repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The owner-execute bit of an entry file is set while its digest is pending (entries are created
 * with it, the hasher clears it when it records the digest): the start-up scan already stats
 * every file, so it finds pending entries at no extra cost. The header's slot is the truth; the
 * bit is only where to look.
 */
export const PENDING_MODE_BIT = 0o100;

export type HeaderDecode = { ok: true; meta: ArtifactMeta; version: 1 | 2 } | { ok: false; message: string };

/** A version-2 header; `meta.sha256` undefined writes a pending slot. */
export function encodeHeader(meta: ArtifactMeta): Buffer {
  const { sha256, ...rest } = meta;
  const json = JSON.stringify({ v: 2, ...rest });
  const buf = Buffer.alloc(HEADER_SIZE, 0x20);
  const used = buf.write(MAGIC_V2 + json + '\n', 0, 'utf8');
  if (used >= DIGEST_OFFSET) throw new RangeError('entry header too large (tag too long?)');
  buf.write(sha256 !== undefined && HEX64.test(sha256) ? sha256 : PENDING_SLOT, DIGEST_OFFSET, 'latin1');
  buf[HEADER_SIZE - 1] = 0x0a;
  return buf;
}

/** A version-1 header, as older servers wrote it (kept for tests of reading old stores). */
export function encodeHeaderV1(meta: ArtifactMeta & { sha256: string }): Buffer {
  const json = JSON.stringify({ v: 1, ...meta });
  const buf = Buffer.alloc(HEADER_SIZE, 0x20);
  const used = buf.write(MAGIC_V1 + json + '\n', 0, 'utf8');
  if (used >= HEADER_SIZE) throw new RangeError('entry header too large (tag too long?)');
  return buf;
}

/** `meta.sha256` is undefined while the digest is pending (version 2 only). */
export function decodeHeader(buf: Buffer): HeaderDecode {
  const magic = buf.length < HEADER_SIZE ? '' : buf.toString('latin1', 0, MAGIC_V1.length);
  const version = magic === MAGIC_V2 ? 2 : magic === MAGIC_V1 ? 1 : 0;
  if (version === 0) return { ok: false, message: 'not a fleet cache entry (bad magic)' };
  try {
    const end = buf.indexOf(0x0a, MAGIC_V1.length);
    const raw = JSON.parse(buf.toString('utf8', MAGIC_V1.length, end)) as ArtifactMeta & { v: number };
    if (raw.v !== version || typeof raw.size !== 'number' || (version === 1 && typeof raw.sha256 !== 'string')) {
      return { ok: false, message: `unsupported entry header version ${String(raw.v)}` };
    }
    const { v: _v, ...meta } = raw;
    if (version === 2) {
      const slot = buf.toString('latin1', DIGEST_OFFSET, DIGEST_OFFSET + 64);
      meta.sha256 = HEX64.test(slot) ? slot : undefined;
      if (meta.sha256 === undefined) delete meta.sha256;
    }
    return { ok: true, meta, version: version as 1 | 2 };
  } catch (err) {
    return { ok: false, message: `unreadable entry header: ${(err as Error).message}` };
  }
}

/** The longest turbo tag we keep: it must fit the header with the rest of the metadata. */
export const MAX_TAG_LENGTH = 600;
