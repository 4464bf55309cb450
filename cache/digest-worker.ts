import { Worker } from 'node:worker_threads';
import { DIGEST_OFFSET, HEADER_SIZE, PENDING_MODE_BIT } from './fs-entry-format';

/**
 * The worker's code, inlined so that it runs the same from `dist/` and from the TypeScript
 * sources under test (a separate .ts worker file could not be loaded by `node` directly).
 *
 * One job: open a published large entry, and if its header's digest slot is still pending, hash
 * its body (read from the page cache into one reused buffer), write the hex SHA-256 over the slot
 * with one 64-byte `pwrite` on the same descriptor it read, and clear the file's pending mode bit.
 * Hashing and writing through one descriptor means that an entry deleted or replaced meanwhile
 * can never get another file's digest: the write lands on the inode that was hashed.
 *
 * With `lowPriority` the thread lowers its own scheduling priority to nice 19 (Linux: the nice
 * value is per thread, set through the thread id read from /proc/thread-self/stat), so that it
 * runs on CPU time nothing else wants; where that fails it runs at normal priority.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const os = require('node:os');
const { createHash } = require('node:crypto');
const HEADER_SIZE = ${HEADER_SIZE}, DIGEST_OFFSET = ${DIGEST_OFFSET}, PENDING_MODE_BIT = ${PENDING_MODE_BIT};
let priority = { nice: null, error: null };
if (workerData.lowPriority) {
  try {
    const tid = Number(fs.readFileSync('/proc/thread-self/stat', 'latin1').split(' ')[0]);
    if (!(tid > 0)) throw new Error('no thread id in /proc/thread-self/stat');
    os.setPriority(tid, 19);
    priority.nice = os.getPriority(tid);
  } catch (err) {
    priority.error = String(err && err.message);
  }
}
parentPort.postMessage({ op: 'priority', priority });
const buf = Buffer.allocUnsafe(1024 * 1024);
function clearPendingBit(fd, st) {
  if (!(st.mode & PENDING_MODE_BIT)) return;
  try { fs.fchmodSync(fd, st.mode & 0o7777 & ~PENDING_MODE_BIT); } catch {}
}
function job(m) {
  let fd;
  let writable = true;
  try {
    fd = fs.openSync(m.file, 'r+');
  } catch (err) {
    if (err.code === 'ENOENT') return { state: 'gone' };
    if (err.code !== 'EACCES' && err.code !== 'EPERM' && err.code !== 'EROFS') throw err;
    fd = fs.openSync(m.file, 'r');
    writable = false;
  }
  try {
    const st = fs.fstatSync(fd);
    const head = Buffer.alloc(HEADER_SIZE);
    const n = fs.readSync(fd, head, 0, HEADER_SIZE, 0);
    const magic = head.toString('latin1', 0, 8);
    if (n < HEADER_SIZE || (magic !== 'FLEETC1\\n' && magic !== 'FLEETC2\\n')) return { state: 'corrupt', message: 'not a fleet cache entry (bad magic)' };
    let meta;
    try {
      meta = JSON.parse(head.toString('utf8', 8, head.indexOf(10, 8)));
    } catch (err) {
      return { state: 'corrupt', message: 'unreadable entry header: ' + err.message };
    }
    if (magic === 'FLEETC1\\n') return { state: 'recorded', digest: meta.sha256 };
    const slot = head.toString('latin1', DIGEST_OFFSET, DIGEST_OFFSET + 64);
    if (/^[0-9a-f]{64}$/.test(slot)) {
      if (writable) clearPendingBit(fd, st);
      return { state: 'recorded', digest: slot };
    }
    if (typeof meta.size !== 'number' || st.size !== meta.size + HEADER_SIZE) return { state: 'corrupt', message: 'size does not match its header' };
    const hash = createHash('sha256');
    for (let pos = HEADER_SIZE; pos < st.size; ) {
      const r = fs.readSync(fd, buf, 0, Math.min(buf.length, st.size - pos), pos);
      if (r === 0) return { state: 'corrupt', message: 'file shorter than its header says' };
      hash.update(buf.subarray(0, r));
      pos += r;
    }
    const digest = hash.digest('hex');
    if (!writable) return { state: 'hashed', digest, recorded: false };
    fs.writeSync(fd, digest, DIGEST_OFFSET, 'latin1');
    clearPendingBit(fd, st);
    return { state: 'hashed', digest, recorded: true };
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  let reply;
  try {
    reply = job(m);
  } catch (err) {
    reply = { state: 'error', message: String(err && err.message) };
  }
  reply.id = m.id;
  parentPort.postMessage(reply);
});
`;

/** What hashing one entry file found. */
export type DigestResult =
  /** The digest was pending; here it is, recorded in the file unless the file was read-only to us. */
  | { state: 'hashed'; digest: string; recorded: boolean }
  /** The file already had its digest (recorded earlier, by the server or by `verify`). */
  | { state: 'recorded'; digest: string }
  /** No such file (deleted or evicted before its turn). */
  | { state: 'gone' }
  | { state: 'corrupt'; message: string }
  | { state: 'error'; message: string };

/** What the thread's priority ended up as: nice 19, or why not. */
export type HasherPriority = { nice: number | null; error: string | null };

/** One hashing thread, started on first use; jobs run one after another, in order. */
export class DigestWorker {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, (r: DigestResult) => void>();
  private nextId = 1;
  private priorityKnown: Promise<HasherPriority> | undefined;

  constructor(private readonly lowPriority: boolean) {}

  /** Hashes `file` if its digest is pending and records it (see the worker's source). */
  hash(file: string): Promise<DigestResult> {
    const id = this.nextId++;
    const done = new Promise<DigestResult>((resolve) => this.waiting.set(id, resolve));
    this.thread().postMessage({ id, file });
    return done;
  }

  /** The thread's priority once it has started (starts it). */
  priority(): Promise<HasherPriority> {
    this.thread();
    return this.priorityKnown!;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { lowPriority: this.lowPriority } });
    // An idle hasher must not keep a finished CLI or test process alive.
    worker.unref();
    let setPriority!: (p: HasherPriority) => void;
    this.priorityKnown = new Promise((r) => (setPriority = r));
    worker.on('message', (m: { op?: 'priority'; priority: HasherPriority } | (DigestResult & { id: number })) => {
      if ('op' in m && m.op === 'priority') return setPriority(m.priority);
      const r = m as DigestResult & { id: number };
      const resolve = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      const { id: _id, ...result } = r;
      resolve?.(result as DigestResult);
    });
    const lost = (message: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      setPriority({ nice: null, error: message });
      for (const resolve of this.waiting.values()) resolve({ state: 'error', message });
      this.waiting.clear();
    };
    worker.on('error', (err) => lost(`hash worker failed: ${err.message}`));
    worker.on('exit', () => lost('hash worker exited'));
    return (this.worker = worker);
  }

  /** Stops the thread now; a job in progress is abandoned (its entry stays pending). */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    for (const resolve of this.waiting.values()) resolve({ state: 'error', message: 'closed' });
    this.waiting.clear();
    await w.terminate();
  }
}

/** An entry that has waited this long is hashed at normal priority (see BackgroundHasher). */
export const URGENT_AFTER_MS = 10_000;

/**
 * The server's queue of entries whose digest is pending: hashed one at a time, oldest first, by
 * a low-priority thread, so the upload path never waits for SHA-256 and the hashing runs on CPU
 * time the server and its clients leave over. A machine busy for long would starve a nice-19
 * thread indefinitely, so an entry that has waited `urgentAfterMs` goes to a second thread at
 * normal priority instead: the digest of every entry is recorded within about that long, plus
 * the time to hash the backlog. An entry deleted, evicted or replaced before its turn is dropped
 * from the queue (`cancel`); if it is being hashed at that moment the result is ignored (and the
 * write went to the unlinked file, see the worker).
 */
export class BackgroundHasher {
  private readonly queue = new Map<string, { file: string; since: number }>(); // oldest first
  private current: { key: string; cancelled: boolean } | undefined;
  private readonly idle = new DigestWorker(true);
  private readonly urgent = new DigestWorker(false);
  private closed = false;
  /** Jobs run by the normal-priority thread (for tests and the docs' measurements). */
  urgentJobs = 0;

  constructor(
    private readonly onDone: (key: string, result: DigestResult) => void,
    private readonly urgentAfterMs = URGENT_AFTER_MS,
  ) {}

  /** Entries not hashed yet (queued or being hashed). */
  get pending(): number {
    return this.queue.size + (this.current && !this.current.cancelled ? 1 : 0);
  }

  has(key: string): boolean {
    return this.queue.has(key) || (this.current?.key === key && !this.current.cancelled);
  }

  add(key: string, file: string): void {
    if (this.closed || this.has(key)) return;
    this.queue.set(key, { file, since: Date.now() });
    this.next();
  }

  cancel(key: string): void {
    this.queue.delete(key);
    if (this.current?.key === key) this.current.cancelled = true;
  }

  priority(): Promise<HasherPriority> {
    return this.idle.priority();
  }

  /** Resolves once nothing is pending (tests, and `verify` beside nothing). */
  async drained(): Promise<void> {
    while (this.pending > 0 && !this.closed) await new Promise((r) => setTimeout(r, 10));
  }

  private next(): void {
    if (this.current || this.closed) return;
    const first = this.queue.entries().next();
    if (first.done) return;
    const [key, { file, since }] = first.value;
    this.queue.delete(key);
    const current = (this.current = { key, cancelled: false });
    const late = Date.now() - since >= this.urgentAfterMs;
    if (late) this.urgentJobs++;
    void (late ? this.urgent : this.idle).hash(file).then((result) => {
      this.current = undefined;
      if (!current.cancelled && !this.closed) this.onDone(key, result);
      this.next();
    });
  }

  /** Stops at once: what is queued stays pending on disk, and is queued again by the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.clear();
    await Promise.all([this.idle.close(), this.urgent.close()]);
  }
}
