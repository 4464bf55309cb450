import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Thrown into the pipeline when a body runs past what its sender declared. */
export class BodyTooLongError extends Error {
  readonly code = 'BODY_TOO_LONG';
}

/**
 * A Writable that hashes each chunk and writes it to a file at an offset. Hashing happens here,
 * while the body streams in, so a write costs one pass over the bytes instead of a second read of
 * the file; chunks that arrive while a write is in flight are batched into one `writev`.
 */
export class HashingFileSink extends Writable {
  private readonly hash: Hash = createHash('sha256');
  private position: number;
  bytes = 0;

  constructor(
    private readonly file: FileHandle,
    start: number,
    private readonly limit: number,
  ) {
    // Big enough that many socket-sized chunks gather into one writev while a write is in flight;
    // small enough that a multi-gigabyte upload holds only a few MB in memory.
    super({ highWaterMark: 2 * 1024 * 1024 });
    this.position = start;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeBuffers([chunk]).then(() => cb(), cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.writeBuffers(chunks.map((c) => c.chunk)).then(() => cb(), cb);
  }

  private async writeBuffers(bufs: Buffer[]): Promise<void> {
    let n = 0;
    for (const b of bufs) {
      this.hash.update(b);
      n += b.length;
    }
    this.bytes += n;
    if (this.bytes > this.limit) throw new BodyTooLongError(`body longer than the declared ${this.limit} bytes`);
    let pending = bufs;
    while (pending.length > 0) {
      const { bytesWritten } = await this.file.writev(pending, this.position);
      this.position += bytesWritten;
      pending = dropBytes(pending, bytesWritten);
    }
  }
}

/** What is left of `bufs` after a (possibly partial) write of `count` bytes. */
function dropBytes(bufs: Buffer[], count: number): Buffer[] {
  let left = count;
  let i = 0;
  while (i < bufs.length && left >= bufs[i].length) left -= bufs[i++].length;
  const rest = bufs.slice(i);
  if (rest.length > 0 && left > 0) rest[0] = rest[0].subarray(left);
  return rest;
}
