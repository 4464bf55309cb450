import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { BodyTooLongError, writeBodyToFile } from './file-upload';
import { encodeHeader, HEADER_SIZE } from './fs-entry-format';
import type { ArtifactMeta, PutRequest } from './types';

/** A temp entry file, complete (its digest pending: see digest-worker.ts). */
export type TempWritten = { ok: true; meta: ArtifactMeta } | { ok: false; code: 'TRUNCATED'; message: string };

const truncated = (message: string): Extract<TempWritten, { ok: false }> => ({ ok: false, code: 'TRUNCATED', message });

/**
 * Gathers a (small) body of exactly `size` bytes in memory. Plain listeners rather than `for await`: cheaper per
 * request, and an over-long body is left flowing (not destroyed) so the caller can still drain it
 * and answer 400 instead of the client seeing a reset.
 */
export function collectBody(
  body: Readable,
  size: number,
): Promise<{ ok: true; data: Buffer } | Extract<TempWritten, { ok: false }>> {
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
 * Large bodies: streamed to the file in batches, the header (digest slot pending) written with
 * the first batch. Nothing here hashes: once the body is complete the entry is published and a
 * background thread hashes it later (see digest-worker.ts). The file is created with the
 * owner-execute bit set, which marks it as pending on disk until the digest is recorded.
 */
export async function writeLargeTemp(
  tmp: string,
  body: Readable,
  req: PutRequest,
  now: number,
  chmodTo?: number,
): Promise<TempWritten> {
  const meta: ArtifactMeta = { size: req.size, tag: req.tag, durationMs: req.durationMs, createdMs: now };
  const head = encodeHeader(meta);
  const fh = await fsp.open(tmp, 'wx', 0o744);
  try {
    // Only under a umask that removes the owner-execute bit (see FsStore.open).
    if (chmodTo !== undefined) await fh.chmod(chmodTo);
    let bytes: number;
    try {
      bytes = (await req.direct?.(fh.fd, 0, head)) ?? (await writeBodyToFile(body, fh.fd, 0, req.size, head));
    } catch (err) {
      return truncated(err instanceof BodyTooLongError ? err.message : (err as Error).message);
    }
    if (bytes !== req.size) return truncated(`received ${bytes} of ${req.size} declared bytes`);
    return { ok: true, meta };
  } finally {
    await fh.close();
  }
}
