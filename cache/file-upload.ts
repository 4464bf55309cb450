import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { noteSpentBuffers } from './gc-pressure';

/** Rejects the upload when a body runs past what its sender declared. */
export class BodyTooLongError extends Error {
  readonly code = 'BODY_TOO_LONG';
}

// Chunks gather here while a write is in flight; past this the socket is paused, so an upload of
// any size holds at most about this much in memory (plus the batch being written).
const MAX_PENDING = 1024 * 1024;
// An idle writer waits for this much before writing, except at the end: fewer, larger writes.
const MIN_BATCH = 256 * 1024;

/**
 * Streams `body` into `fd` from byte `start`, after `head` (written at `start`, not counted as
 * body; e.g. the entry header, so that it costs no write of its own). Plain callback `fs.writev` of batched chunks: no Writable machinery or promise per chunk, and
 * backpressure by pausing the source. Resolves with the bytes received once all are written;
 * rejects on a body error or early end (after any in-flight write has finished, so the caller may
 * close `fd` at once), or with BodyTooLongError past `limit` bytes.
 */
export function writeBodyToFile(
  body: Readable,
  fd: number,
  start: number,
  limit: number,
  head?: Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => new FileUpload(body, fd, start, limit, head, resolve, reject).start());
}

class FileUpload {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private received = 0;
  private writing = false;
  private ended = false;
  private paused = false;
  private error: Error | null = null;
  private settled = false;

  constructor(
    private readonly body: Readable,
    private readonly fd: number,
    private position: number,
    private readonly limit: number,
    head: Buffer | undefined,
    private readonly resolve: (bytes: number) => void,
    private readonly reject: (err: Error) => void,
  ) {
    if (head) {
      this.pending = [head];
      this.pendingBytes = head.length;
    }
  }

  private readonly onData = (c: Buffer): void => {
    if (this.error) return;
    this.received += c.length;
    noteSpentBuffers(c.length);
    if (this.received > this.limit)
      return this.fail(new BodyTooLongError(`body longer than the declared ${this.limit} bytes`));
    this.pending.push(c);
    this.pendingBytes += c.length;
    if (!this.writing && this.pendingBytes >= MIN_BATCH) this.flush();
    else if (this.pendingBytes >= MAX_PENDING) this.pause();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    if (!this.writing) this.flush();
  };

  private readonly onError = (err: Error): void => this.fail(new Error(`upload interrupted: ${err.message}`));

  private readonly onClose = (): void => {
    if (!this.ended) this.fail(new Error('upload interrupted: the client went away'));
  };

  start(): void {
    if (this.body.destroyed) return this.fail(new Error('upload interrupted: the client went away'));
    this.body.on('data', this.onData).on('end', this.onEnd).on('error', this.onError).on('close', this.onClose);
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.body.pause();
    }
  }

  private resume(): void {
    if (this.paused) {
      this.paused = false;
      this.body.resume();
    }
  }

  private flush(): void {
    if (this.error || this.writing) return;
    if (this.pendingBytes === 0) return void (this.ended && this.settle());
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = true;
    this.resume();
    this.write(bufs);
  }

  private write(bufs: Buffer[]): void {
    fs.writev(this.fd, bufs, this.position, (err, n) => {
      if (!err) this.position += n;
      const rest = err ? [] : dropBytes(bufs, n);
      if (rest.length > 0 && !this.error) return this.write(rest);
      this.writing = false;
      if (err) return this.fail(err);
      if (this.error) return this.settle();
      if (this.ended || this.pendingBytes >= MIN_BATCH) this.flush();
    });
  }

  private fail(err: Error): void {
    this.error ??= err;
    // The body keeps flowing (into nothing) so that the caller can still answer the client.
    this.resume();
    if (!this.writing) this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.body.off('data', this.onData).off('end', this.onEnd).off('error', this.onError).off('close', this.onClose);
    if (this.error) this.reject(this.error);
    else this.resolve(this.received);
  }
}

/** What is left of `bufs` after a (possibly partial) write of `count` bytes. */
export function dropBytes(bufs: Buffer[], count: number): Buffer[] {
  let left = count;
  let i = 0;
  while (i < bufs.length && left >= bufs[i].length) left -= bufs[i++].length;
  const rest = bufs.slice(i);
  if (rest.length > 0 && left > 0) rest[0] = rest[0].subarray(left);
  return rest;
}
