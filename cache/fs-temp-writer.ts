import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { BodyTooLongError, writeBodyToFile } from './file-upload';
import { encodeHeader, HEADER_SIZE } from './fs-entry-format';
import type { HashPool } from './hash-pool';
import type { ArtifactMeta, PutRequest } from './types';

/** A temp entry file, complete and hashed. */
export type TempWritten = { ok: true; meta: ArtifactMeta } | { ok: false; code: 'TRUNCATED'; message: string };

const truncated = (message: string): Extract<TempWritten, { ok: false }> => ({ ok: false, code: 'TRUNCATED', message });

/**
 * Gathers a (small) body of exactly `size` bytes in memory. Plain listeners rather than `for await`: cheaper per
 * request, and an over-long body is left flowing (not destroyed) so the caller can still drain it
 * and answer 400 instead of the client seeing a reset.
 */
export function collectBody(body: Readable, size: number): Promise<{ ok: true; data: Buffer } | Extract<TempWritten, { ok: false }>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const finish = (r: { ok: true; data: Buffer } | Extract<TempWritten, { ok: false }>): void => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      resolve(r);
    };
    const onData = (c: Buffer): void => {
      n += c.length;
      if (n > size) finish(truncated(`body longer than the declared ${size} bytes`));
      else chunks.push(c);
    };
    const onEnd = (): void => {
      if (n !== size) return finish(truncated(`received ${n} of ${size} declared bytes`));
      finish({ ok: true, data: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, n) });
    };
    const onError = (err: Error): void => finish(truncated(`upload interrupted: ${err.message}`));
    const onClose = (): void => finish(truncated('upload interrupted: the client went away'));
    if (body.destroyed) return onClose();
    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Large bodies: streamed to the file in batches while a hash thread re-reads what was written
 * (see hash-pool.ts), so SHA-256 runs beside the receive loop instead of inside it. The header,
 * with the digest, is written last; the entry is published only after that.
 */
export async function writeLargeTemp(tmp: string, body: Readable, req: PutRequest, hashes: HashPool, now: number): Promise<TempWritten> {
  const fh = await fsp.open(tmp, 'wx');
  const hash = hashes.hashFile(tmp, HEADER_SIZE);
  try {
    let bytes: number;
    try {
      bytes = await writeBodyToFile(body, fh.fd, HEADER_SIZE, req.size, hash);
    } catch (err) {
      return truncated(err instanceof BodyTooLongError ? err.message : (err as Error).message);
    }
    if (bytes !== req.size) return truncated(`received ${bytes} of ${req.size} declared bytes`);
    const meta: ArtifactMeta = { size: req.size, sha256: await hash.digest(), tag: req.tag, durationMs: req.durationMs, createdMs: now };
    await fh.write(encodeHeader(meta), 0, HEADER_SIZE, 0);
    return { ok: true, meta };
  } finally {
    await hash.drop();
    await fh.close();
  }
}
