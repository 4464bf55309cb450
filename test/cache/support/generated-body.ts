import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A body of `size` bytes made on the fly (no file on disk), with its SHA-256 known at the end.
 * Each 1 MiB chunk is a fixed random block with its index stamped in, so chunks differ.
 */
export function generatedBody(size: number): { stream: Readable; sha256: () => string } {
  const block = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  let sent = 0;
  let i = 0;
  const stream = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(block.length, size - sent);
      const chunk = Buffer.from(block.subarray(0, n));
      chunk.writeUInt32BE(i++ >>> 0, 0 % Math.max(1, n - 4));
      hash.update(chunk);
      sent += n;
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}
