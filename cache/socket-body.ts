import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropBytes } from './file-upload';

// Direct uploads: a large PUT's body is read from the connection into reused buffers, around
// Node's HTTP parser.
//
// Through node:http every socket read of up to 64 KiB becomes a fresh Buffer copied out of the
// parser's, a JavaScript call into the parser, a push into the request stream and a 'data' event:
// about 0.6 s of event-loop CPU per GB, whatever the server does with the bytes (a bare node:http
// server that discards bodies measured the same; see docs/benchmarks.md). Here the kernel reads
// straight into one of three 512 KiB buffers (reads of up to the buffer's free space, often its
// whole size on a busy connection), and each filled buffer goes to the file in one positioned
// write on libuv's thread pool while the next is read into: no allocation and no JavaScript per
// byte, only per read.
//
// How: once the request's headers are parsed, the HTTP parser is detached from the socket (what
// Node itself does for an `Upgrade` request), the socket is given a user buffer (what
// `net.connect({ onread })` does), and the bytes the parser had already passed to the request are
// taken first. These are Node internals (verified on Node 20.20, the version this project supports): every one is checked before
// anything is changed, and where one is missing, or the socket is TLS, or the body is chunked,
// nothing is touched and the upload goes through node:http as before (`null`). The connection
// cannot go back to the parser (it still expects the body), so the answer carries
// `Connection: close` and a keep-alive client opens a new connection for its next request: one
// TCP handshake per large upload.

/** The smallest body read this way: below it the saving is small and the new connection is not. */
export const DIRECT_UPLOAD_MIN = 2 * 1024 * 1024;

const BUF = 512 * 1024;
const RING = 3;
// A buffer is written out once less than this is left in it, so that reads stay large.
const MIN_ROOM = 64 * 1024;
// Idle buffers kept for the next upload (12 MiB at most); more concurrent uploads allocate.
const KEEP_FREE = 24;
const pool: Buffer[] = [];

/** Sockets whose body this module reads; the server's clientError handler leaves them alone. */
const taken = new WeakSet<Socket>();

export function isTakenOver(socket: Socket | null | undefined): boolean {
  return socket ? taken.has(socket) : false;
}

interface Internals {
  kBuffer: symbol;
  kBufferCb: symbol;
  kBufferGen: symbol;
}

let internals: Internals | null | undefined;

/** net.Socket's own symbols for a user read buffer (created with every socket), if this Node has them. */
function findInternals(socket: Socket): Internals | null {
  const found: Partial<Record<keyof Internals, symbol>> = {};
  for (const s of Object.getOwnPropertySymbols(socket)) {
    if (s.description === 'kBuffer' || s.description === 'kBufferCb' || s.description === 'kBufferGen')
      found[s.description] = s;
  }
  return found.kBuffer && found.kBufferCb && found.kBufferGen ? (found as Internals) : null;
}

type Handle = {
  useUserBuffer?: (b: Uint8Array) => void;
  readStart?: () => number;
  readStop?: () => number;
  reading?: boolean;
};
type Parser = { unconsume?: () => void; _consumed?: boolean };
type Loose = Socket & {
  _handle?: Handle | null;
  parser?: Parser | null;
  encrypted?: boolean;
  _paused?: boolean;
} & Record<symbol, unknown>;

/**
 * Writes the body of `req` (exactly `size` bytes, declared by Content-Length) into `fd` from
 * `start`, after `head` (written at `start`, not counted as body), reading it straight from the
 * connection. Resolves with the body bytes written; rejects when the client went away first or a
 * write failed (the rest of the body is then still read and discarded, so the client gets the
 * answer; the caller may close `fd` at once either way). Resolves null, having read and changed
 * nothing, where the connection cannot be taken over: the caller then streams `req` as usual.
 */
export async function writeBodyFromSocket(
  req: IncomingMessage,
  res: ServerResponse,
  fd: number,
  start: number,
  size: number,
  head: Buffer,
): Promise<number | null> {
  // Out of any parser callback: the request may have been handed over while the parser was
  // still working through the read that held its headers (and body bytes behind them).
  await new Promise<void>((r) => setImmediate(r));
  const socket = req.socket as Loose;
  if (!socket || socket.encrypted || socket.destroyed || taken.has(socket)) return null;
  if (req.complete || req.readableFlowing === true || req.headers['transfer-encoding'] !== undefined || socket._paused)
    return null;
  const handle = socket._handle;
  const parser = socket.parser;
  if (
    !handle ||
    typeof handle.useUserBuffer !== 'function' ||
    typeof handle.readStart !== 'function' ||
    typeof handle.readStop !== 'function'
  )
    return null;
  if (!parser || typeof parser.unconsume !== 'function' || parser._consumed !== true) return null;
  internals ??= findInternals(socket);
  if (!internals) return null;
  return new SocketBody(
    req,
    res,
    socket,
    handle as Required<Handle>,
    parser as Required<Parser>,
    internals,
    fd,
    start,
    size,
  ).run(head);
}

interface Slot {
  buf: Buffer;
  fill: number;
  busy: boolean;
}

class SocketBody {
  private readonly ring: Slot[];
  private cur = 0;
  private received = 0;
  private position: number;
  private writes = 0;
  private paused = false;
  private done = false;
  private error: Error | null = null;
  private settled = false;
  private resolve!: (n: number) => void;
  private reject!: (err: Error) => void;
  // The kernel's reads land in whatever buffer the socket last got. After the body, that is this
  // one, owned by this socket alone: a ring buffer may then go back to the pool.
  private readonly spare = Buffer.allocUnsafe(16 * 1024);

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly socket: Loose,
    private readonly handle: Required<Handle>,
    private readonly parser: Required<Parser>,
    private readonly sym: Internals,
    private readonly fd: number,
    start: number,
    private readonly size: number,
  ) {
    this.position = start;
    this.ring = Array.from({ length: RING }, () => ({
      buf: pool.pop() ?? Buffer.allocUnsafeSlow(BUF),
      fill: 0,
      busy: false,
    }));
  }

  run(head: Buffer): Promise<number> {
    const result = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { socket, parser, handle, sym } = this;
    taken.add(socket);
    this.res.shouldKeepAlive = false;
    socket[sym.kBufferCb] = this.onRead;
    socket[sym.kBufferGen] = this.nextBuffer;
    socket[sym.kBuffer] = this.ring[0].buf;
    parser.unconsume();
    parser._consumed = false;
    // The server's pause/resume listeners drive the parser's reads; from here this class does.
    for (const ev of ['pause', 'resume'] as const)
      for (const f of socket.listeners(ev))
        if (/^onSocket(Pause|Resume)$/.test(f.name)) socket.off(ev, f as () => void);
    handle.useUserBuffer(this.ring[0].buf);
    // What the parser had already read: the first bytes of the body, behind the entry header.
    const first = [head];
    for (let c: Buffer | null; (c = this.req.read() as Buffer | null) !== null;) {
      first.push(c);
      this.received += c.length;
    }
    socket.once('end', this.onGone);
    socket.once('close', this.onClose);
    if (this.received > this.size) this.fail(new Error(`body longer than the declared ${this.size} bytes`));
    this.writeOut(first, null);
    if (this.received >= this.size) this.finishReading();
    else if (!handle.reading) this.startReading();
    return result;
  }

  private startReading(): void {
    this.handle.reading = true;
    const err = this.handle.readStart();
    if (err) this.socket.destroy(new Error(`read failed (${err})`));
  }

  /** The socket's read callback: `n` new bytes at the start of `buf` (this slot's free space). */
  private readonly onRead = (n: number): boolean => {
    if (this.done) return false;
    const slot = this.ring[this.cur];
    const take = Math.min(n, this.size - this.received);
    // Bytes past the declared length belong to a pipelined next request: dropped (the connection closes).
    this.received += take;
    slot.fill += take;
    if (this.received >= this.size) {
      this.flushSlot();
      this.finishReading();
      return false;
    }
    if (BUF - slot.fill < MIN_ROOM) {
      this.flushSlot();
      if (this.ring[this.cur].busy) return !(this.paused = true);
    }
    return true;
  };

  /** Where the socket's next read goes: the current slot's free space, or the spare once the body is in. */
  private readonly nextBuffer = (): Buffer => {
    if (this.done) return this.spare;
    const slot = this.ring[this.cur];
    // A busy slot: reading is paused until its write is done, when it is empty again.
    return slot.busy ? slot.buf : slot.buf.subarray(slot.fill);
  };

  private flushSlot(): void {
    const slot = this.ring[this.cur];
    if (slot.fill === 0) return;
    slot.busy = true;
    const n = slot.fill;
    this.writeOut([slot.buf.subarray(0, n)], slot);
    this.cur = (this.cur + 1) % RING;
  }

  /** One positioned write (of the ring slot `slot`, or of the first bytes), retried on a short write. */
  private writeOut(bufs: Buffer[], slot: Slot | null): void {
    const bytes = bufs.reduce((a, b) => a + b.length, 0);
    if (bytes === 0 || this.error) {
      if (slot) {
        slot.busy = false;
        slot.fill = 0;
      }
      return;
    }
    const pos = this.position;
    this.position += bytes;
    this.writes++;
    const written = (err: NodeJS.ErrnoException | null, n: number, rest: Buffer[], at: number): void => {
      if (!err && n < rest.reduce((a, b) => a + b.length, 0)) {
        const left = dropBytes(rest, n);
        return fs.writev(this.fd, left, at + n, (e, m) => written(e, m, left, at + n));
      }
      this.writes--;
      if (slot) {
        slot.busy = false;
        slot.fill = 0;
      }
      if (err) this.fail(err);
      if (this.paused && !this.ring[this.cur].busy) {
        this.paused = false;
        this.startReading();
      }
      this.maybeSettle();
    };
    fs.writev(this.fd, bufs, pos, (err, n) => written(err, n, bufs, pos));
  }

  private finishReading(): void {
    this.done = true;
    this.socket[this.sym.kBuffer] = this.spare;
    this.maybeSettle();
  }

  /** A write failed: nothing more is written, but the body is still read (and dropped) to its end. */
  private fail(err: Error): void {
    this.error ??= err;
  }

  private readonly onGone = (): void => {
    if (!this.done) {
      this.done = true;
      this.fail(new Error('upload interrupted: the client went away'));
    }
    this.maybeSettle();
  };

  private readonly onClose = (): void => {
    this.onGone();
    this.release();
  };

  private maybeSettle(): void {
    if (this.settled || !this.done || this.writes > 0) return;
    this.settled = true;
    if (this.error) this.reject(this.error);
    else this.resolve(this.received);
  }

  /** Ring buffers go back to the pool only once the socket can no longer read into them. */
  private release(): void {
    for (const s of this.ring) if (pool.length < KEEP_FREE && !s.busy) pool.push(s.buf);
    this.ring.length = 0;
  }
}

/**
 * Checks, once at start-up, that direct uploads work on this Node: a loopback server receives a
 * 3 MiB body (sent in pieces, the first behind the headers) through {@link writeBodyFromSocket}
 * and the file must hold exactly those bytes. Node internals could change in a way the feature
 * checks do not see; the server then reads every body through node:http instead. Resolves with
 * null when all is well, else with why not.
 */
export async function checkDirectUploads(): Promise<string | null> {
  const body = randomBytes(DIRECT_UPLOAD_MIN + 1024 * 1024 + 17);
  const head = Buffer.from('fleet-check-head');
  const file = path.join(os.tmpdir(), `fleet-direct-check.${process.pid}.${Date.now()}`);
  let outcome: string | null = 'no answer';
  const server = http.createServer((req, res) => {
    res.shouldKeepAlive = false;
    void (async () => {
      const fd = fs.openSync(file, 'w');
      try {
        const n = await writeBodyFromSocket(req, res, fd, 0, body.length, head);
        if (n === null) outcome = 'this Node lacks what direct uploads use';
        else {
          const got = fs.readFileSync(file);
          outcome =
            n === body.length && got.equals(Buffer.concat([head, body]))
              ? null
              : 'the bytes written differ from the bytes sent';
        }
      } catch (err) {
        outcome = `the upload failed (${(err as Error).message})`;
      } finally {
        fs.closeSync(fd);
        fs.rmSync(file, { force: true });
      }
      res.end('ok');
    })();
  });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const cut = Math.floor(body.length / 3);
      const timer = setTimeout(() => s.destroy(), 10_000);
      s.on('error', () => undefined);
      s.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      s.on('data', () => undefined);
      s.on('connect', () => {
        s.write(
          Buffer.concat([
            Buffer.from(`PUT /check HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n`),
            body.subarray(0, cut),
          ]),
        );
        setTimeout(() => s.write(body.subarray(cut)), 5);
      });
    });
  } catch (err) {
    outcome = `the check could not run (${(err as Error).message})`;
  } finally {
    server.closeAllConnections();
    server.close();
  }
  return outcome;
}
