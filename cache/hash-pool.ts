import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code, inlined so that it runs the same from `dist/` and from the TypeScript
 * sources under test (a separate .ts worker file could not be loaded by `node` directly).
 * It re-reads ranges of a file the main thread has just written (they are in the page cache)
 * into one reused buffer and hashes them: the event loop never spends time on SHA-256 and no
 * upload chunk is copied or kept alive for the hash. A job's messages arrive in order.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const jobs = new Map();
const buf = Buffer.allocUnsafe(1024 * 1024);
function hashRange(job, from, to) {
  for (let pos = from; pos < to; ) {
    const n = fs.readSync(job.fd, buf, 0, Math.min(buf.length, to - pos), pos);
    if (n === 0) throw new Error('file shorter than written (' + pos + ' < ' + to + ')');
    job.hash.update(buf.subarray(0, n));
    pos += n;
  }
}
function end(id, job) {
  jobs.delete(id);
  if (job && job.fd !== undefined) fs.closeSync(job.fd);
}
function handle(m) {
  let job = jobs.get(m.id);
  if (m.op === 'range') {
    if (!job) jobs.set(m.id, (job = { fd: undefined, hash: createHash('sha256'), failed: undefined }));
    try {
      if (job.fd === undefined && !job.failed) job.fd = fs.openSync(m.file, 'r');
      if (!job.failed) hashRange(job, m.from, m.to);
    } catch (err) {
      job.failed = String(err && err.message);
    }
    return { id: m.id, op: 'hashed', to: m.to };
  }
  end(m.id, job);
  if (m.op === 'drop') return { id: m.id, op: 'dropped' };
  if (job && job.failed) return { id: m.id, op: 'error', message: job.failed };
  return { id: m.id, op: 'digest', digest: (job ? job.hash : createHash('sha256')).digest('hex') };
}
parentPort.on('message', (m) => {
  let reply;
  try {
    reply = handle(m);
  } catch (err) {
    reply = { id: m.id, op: 'error', message: String(err && err.message) };
  }
  parentPort.postMessage(reply);
});
`;

interface Listener {
  hashed(to: number): void;
  done(err: Error | null, digest?: string): void;
}

type WorkerReply = { id: number; op: 'hashed'; to: number } | { id: number; op: 'digest'; digest: string } | { id: number; op: 'error'; message: string } | { id: number; op: 'dropped' };

/** One hashing thread and the jobs it is running. */
class HashThread {
  readonly jobs = new Map<number, Listener>();
  private readonly worker: Worker;
  dead = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Idle hash threads must not keep a finished CLI or test process alive.
    this.worker.unref();
    this.worker.on('message', (m: WorkerReply) => this.reply(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('hash worker exited')));
  }

  post(msg: Record<string, unknown>): void {
    this.worker.postMessage(msg);
  }

  private reply(m: WorkerReply): void {
    const l = this.jobs.get(m.id);
    if (!l) return;
    if (m.op === 'hashed') return l.hashed(m.to);
    this.jobs.delete(m.id);
    if (m.op === 'digest') l.done(null, m.digest);
    else l.done(m.op === 'error' ? new Error(`hashing failed: ${m.message}`) : null);
  }

  private fail(err: Error): void {
    this.dead = true;
    for (const l of this.jobs.values()) l.done(err);
    this.jobs.clear();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let nextId = 1;

/**
 * A SHA-256 of a file that is being appended to, computed on a worker thread that follows the
 * writer: the writer reports each range it has written (`written`), and `digest` resolves once
 * the worker has caught up. `lag` is how far the worker is behind, for backpressure.
 */
export class FileHash {
  private readonly id = nextId++;
  private sent: number;
  private hashedTo: number;
  private settled: Promise<string | undefined>;
  private waiters: Array<() => void> = [];
  private error: Error | null = null;

  constructor(
    private readonly thread: HashThread,
    private readonly file: string,
    start: number,
  ) {
    this.sent = start;
    this.hashedTo = start;
    this.settled = new Promise((resolve, reject) => {
      thread.jobs.set(this.id, {
        hashed: (to) => {
          this.hashedTo = Math.max(this.hashedTo, to);
          this.waiters.splice(0).forEach((f) => f());
        },
        done: (err, digest) => {
          this.error = err;
          this.waiters.splice(0).forEach((f) => f());
          if (err) reject(err);
          else resolve(digest);
        },
      });
    });
    this.settled.catch(() => undefined); // observed by digest(); a dropped job has no reader
  }

  /** Why hashing cannot finish (the worker failed or exited), or null. */
  get failure(): Error | null {
    return this.error ?? (this.thread.dead ? new Error('hash worker exited') : null);
  }

  /** Bytes written but not hashed yet. */
  get lag(): number {
    return this.sent - this.hashedTo;
  }

  /** The bytes of the file up to `to` are written; hash them. */
  written(to: number): void {
    if (to <= this.sent) return;
    this.thread.post({ id: this.id, op: 'range', file: this.file, from: this.sent, to });
    this.sent = to;
  }

  /** Resolves when the worker has hashed more, or failed. */
  progress(): Promise<void> {
    if (this.error || this.thread.dead) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  async digest(): Promise<string> {
    this.thread.post({ id: this.id, op: 'digest' });
    return (await this.settled) as string;
  }

  /** Abandons the hash; resolves once the worker has closed its handle on the file. */
  async drop(): Promise<void> {
    if (this.thread.dead || !this.thread.jobs.has(this.id)) return;
    this.thread.post({ id: this.id, op: 'drop' });
    await this.settled.catch(() => undefined);
  }
}

/** A small pool of hash threads, started on first use; each job goes to the least busy one. */
export class HashPool {
  private threads: HashThread[] = [];

  constructor(private readonly size = Math.max(2, Math.min(4, availableParallelism()))) {}

  /** Starts hashing `file` from byte `start` (the part before it is not hashed). */
  hashFile(file: string, start: number): FileHash {
    this.threads = this.threads.filter((t) => !t.dead);
    let thread = this.threads.find((t) => t.jobs.size === 0);
    if (!thread && this.threads.length < this.size) this.threads.push((thread = new HashThread()));
    thread ??= this.threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    return new FileHash(thread, file, start);
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
