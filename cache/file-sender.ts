import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';

const CHUNK = 1024 * 1024;
// Idle buffers kept for the next download (16 MiB at most); more concurrent downloads allocate.
const KEEP_FREE = 16;
const pool: Buffer[] = [];

/**
 * Sends `length` bytes of `fd` from `start` as the (already started) response body, through two
 * reused 1 MiB buffers: one is read into while the other is written to the socket. Nothing is
 * allocated per read. `createReadStream` allocates a fresh buffer for every read: mapping and
 * zeroing its pages, then collecting it, took about a quarter of the server's CPU on 50 MB GETs.
 * A buffer goes back to the pool only once the socket is done with it (its write callback ran).
 * Resolves when everything is written or the client has gone, and only once no read is in flight,
 * so the caller may close `fd` at once. Returns false when the body could not be sent whole (the
 * response is then destroyed: the client sees a short body, never a wrong one).
 */
export function sendFileBody(res: ServerResponse, fd: number, start: number, length: number): Promise<boolean> {
  return new Promise((resolve) => {
    const end = start + length;
    let pos = start;
    const free = [pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK), pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK)];
    const filled: Array<{ buf: Buffer; n: number }> = [];
    let reading = false;
    let writing = false;
    let failed = false;
    let settled = false;

    const settle = (ok: boolean): void => {
      if (settled || reading) return;
      settled = true;
      res.off('close', onClose);
      for (const b of free) if (pool.length < KEEP_FREE) pool.push(b);
      resolve(ok);
    };
    const fail = (): void => {
      failed = true;
      res.destroy();
      settle(false);
    };
    const onClose = (): void => {
      if (pos < end || filled.length > 0 || writing) {
        failed = true;
        settle(false);
      }
    };
    const pump = (): void => {
      if (failed) return settle(false);
      if (!reading && pos < end && free.length > 0) {
        const buf = free.pop()!;
        reading = true;
        fs.read(fd, buf, 0, Math.min(CHUNK, end - pos), pos, (err, n) => {
          reading = false;
          if (failed) {
            free.push(buf);
            return settle(false);
          }
          if (err || n === 0) {
            free.push(buf);
            return fail();
          }
          pos += n;
          filled.push({ buf, n });
          pump();
        });
      }
      if (!writing && filled.length > 0) {
        const { buf, n } = filled.shift()!;
        writing = true;
        res.write(buf.subarray(0, n), (err) => {
          writing = false;
          if (err) return fail();
          free.push(buf);
          pump();
        });
      }
      if (pos >= end && !reading && !writing && filled.length === 0) settle(true);
    };
    res.on('close', onClose);
    pump();
  });
}
