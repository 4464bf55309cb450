import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { DigestWorker } from './digest-worker';
import { decodeHeader, HEADER_SIZE } from './fs-entry-format';
import type { ArtifactMeta, VerifyOutcome } from './types';

/** Bodies up to this size are read in one go and answered from one buffer: fewer syscalls and no stream machinery for the common small artifact. */
export const SMALL_BODY = 256 * 1024;

export type EntryOpen =
  | { kind: 'miss' }
  | { kind: 'corrupt'; message: string }
  | { kind: 'small'; meta: ArtifactMeta; buffer: Buffer }
  | { kind: 'large'; meta: ArtifactMeta; file: FileHandle };

/** Opens an entry file; the caller owns `file` of a `large` result. */
export async function openEntry(file: string): Promise<EntryOpen> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'miss' };
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size <= SMALL_BODY + HEADER_SIZE) return await readSmall(fh, size);
    const head = Buffer.allocUnsafe(HEADER_SIZE);
    await fh.read(head, 0, HEADER_SIZE, 0);
    const h = decodeHeader(head);
    if (!h.ok) return close(fh, { kind: 'corrupt', message: h.message });
    if (h.meta.size + HEADER_SIZE !== size)
      return close(fh, { kind: 'corrupt', message: 'size does not match its header' });
    return { kind: 'large', meta: h.meta, file: fh };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

async function readSmall(fh: FileHandle, size: number): Promise<EntryOpen> {
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await fh.read(buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  await fh.close();
  const h = decodeHeader(buf);
  if (!h.ok) return { kind: 'corrupt', message: h.message };
  if (off !== size || h.meta.size + HEADER_SIZE !== size)
    return { kind: 'corrupt', message: 'size does not match its header' };
  return { kind: 'small', meta: h.meta, buffer: buf.subarray(HEADER_SIZE) };
}

async function close<T>(fh: FileHandle, value: T): Promise<T> {
  await fh.close();
  return value;
}

/**
 * Re-reads an entry and compares the SHA-256 of its body with the one recorded for it. An entry
 * whose digest is still pending has nothing to compare with: `hasher` hashes it and records the
 * digest (`recorded: true`), as the server's background hasher would have.
 */
export async function verifyEntryFile(file: string, hasher: DigestWorker): Promise<VerifyOutcome> {
  let opened: EntryOpen;
  try {
    opened = await openEntry(file);
  } catch (err) {
    return { ok: false, reason: 'UNREADABLE', message: (err as Error).message };
  }
  if (opened.kind === 'miss') return { ok: false, reason: 'UNREADABLE', message: 'entry vanished' };
  if (opened.kind === 'corrupt') return { ok: false, reason: 'CORRUPT', message: opened.message };
  if (opened.meta.sha256 === undefined) {
    if (opened.kind === 'large') await opened.file.close();
    const r = await hasher.hash(file);
    if (r.state === 'hashed') return { ok: true, recorded: r.recorded };
    if (r.state === 'recorded') return verifyEntryFile(file, hasher); // recorded meanwhile (by the server): check it
    if (r.state === 'gone') return { ok: false, reason: 'UNREADABLE', message: 'entry vanished' };
    return { ok: false, reason: r.state === 'corrupt' ? 'CORRUPT' : 'UNREADABLE', message: r.message };
  }
  const hash = createHash('sha256');
  if (opened.kind === 'small') hash.update(opened.buffer);
  else {
    const sink = new Writable({
      write: (c: Buffer, _e, cb) => {
        hash.update(c);
        cb();
      },
    });
    await pipeline(opened.file.createReadStream({ start: HEADER_SIZE, highWaterMark: 1024 * 1024 }), sink);
  }
  const actual = hash.digest('hex');
  return actual === opened.meta.sha256
    ? { ok: true }
    : { ok: false, reason: 'CORRUPT', message: `sha256 ${actual} does not match recorded ${opened.meta.sha256}` };
}
