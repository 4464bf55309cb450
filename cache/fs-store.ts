import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { BackgroundHasher, DigestWorker, type DigestResult } from './digest-worker';
import { HEADER_SIZE, MAX_TAG_LENGTH, PENDING_MODE_BIT } from './fs-entry-format';
import { openEntry, SMALL_BODY, verifyEntryFile } from './fs-entry-reader';
import { loadFsIndex, TMP_DIR } from './fs-index-loader';
import { PackSet } from './fs-pack';
import { collectBody, writeLargeTemp } from './fs-temp-writer';
import { HotCache } from './hot-cache';
import { LruIndex } from './lru-index';
import type {
  ArtifactHash,
  ArtifactMeta,
  ArtifactRead,
  ArtifactStore,
  Capacity,
  EntryRef,
  Namespace,
  PutOutcome,
  PutRequest,
  StoreEvents,
  StoreUsage,
  VerifyOutcome,
} from './types';

export interface FsStoreOptions {
  dir: string;
  capacity: Capacity;
  events?: StoreEvents;
  /** Memory for small hot entries (default 64 MiB; 0 disables). */
  hotBytes?: number;
  /** Clock, for tests of eviction order. */
  now?: () => number;
  /** Size at which a pack of small entries is sealed (default 64 MiB; smaller in tests of compaction). */
  packBytes?: number;
  /**
   * This process owns the store: it may compact packs and clear `.tmp`, and it hashes large
   * entries in the background (default true; false for `verify`/`stats`, which may run beside a
   * server).
   */
  maintain?: boolean;
  /**
   * Hash pending large entries in the background (default: as `maintain`). Off, entries are still
   * published with their digest pending and marked so, and the next store that hashes them (or
   * `verify`) records it.
   */
  hashInBackground?: boolean;
}

// Persisting every read's time would cost a syscall per hit; once an hour is enough to keep the
// LRU order across restarts approximately right.
const ACCESS_PERSIST_MS = 60 * 60 * 1000;

/**
 * The default store. Large entries (bodies over 256 KiB): one file each under
 * `<dir>/<namespace>/<shard>/<hash>`, written to `<dir>/.tmp` first and published with `link()` so
 * that the first complete writer wins and a half-written file is never visible. Small entries:
 * records appended to pack files under `<dir>/.packs` (see fs-pack.ts), visible once the whole
 * record is written. Usage and LRU order live in an in-memory index that loads in the background
 * at start-up.
 */
export class FsStore implements ArtifactStore {
  readonly kind = 'fs' as const;
  private readonly index = new LruIndex();
  private readonly shardsMade = new Set<string>();
  private readonly hot: HotCache;
  /** Large entries whose digest is pending, hashed by a low-priority thread (the serving store only). */
  private readonly hasher: BackgroundHasher | undefined;
  /** Hashes pending entries met by `verify`, at normal priority; started on first use. */
  private readonly verifier = new DigestWorker(false);
  /** The mode to give new entry files when the umask strips the pending bit from 0o744. */
  private chmodTo: number | undefined;
  private packs: PackSet | undefined;
  private packsOpening!: Promise<PackSet>;
  /**
   * Keys being published right now, each with a promise that settles when its publish is over:
   * with the index, they make the first complete writer win. A second writer waits for the first
   * to finish before it is told 409, so that a 409 always means the entry can be read.
   */
  private readonly publishing = new Map<string, Promise<void>>();
  private tmpSeq = 0;
  private reserved = 0;
  private loaded = false;
  private loading: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  private constructor(private readonly opts: FsStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.hot = new HotCache(opts.hotBytes ?? 64 * 1024 * 1024);
    if (opts.hashInBackground ?? opts.maintain ?? true)
      this.hasher = new BackgroundHasher((key, r) => this.digestDone(key, r));
  }

  /** Creates the folders, clears leftovers of a killed server, and starts loading the index. */
  static async open(opts: FsStoreOptions): Promise<FsStore> {
    const store = new FsStore(opts);
    const tmp = path.join(opts.dir, TMP_DIR);
    // Leftovers of a killed server; `verify` and `stats` leave them to the server they may run beside.
    if (opts.maintain ?? true) await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp, { recursive: true });
    if (opts.maintain ?? true) store.chmodTo = await pendingModeFix(tmp);
    const packsOpened = PackSet.open(opts.dir, { rotateBytes: opts.packBytes, maintain: opts.maintain });
    store.packsOpening = packsOpened.then((p) => (store.packs = p.packs));
    store.packsOpening.catch(() => undefined); // reported by the first read or write that needs it
    store.loading = Promise.all([packsOpened, loadFsIndex(opts.dir)]).then(([p, files]) => {
      store.index.mergeLoaded([
        ...files.entries,
        ...p.loaded.map((r): [string, { size: number; accessMs: number }] => [
          r.key,
          { size: r.size, accessMs: r.accessMs },
        ]),
      ]);
      store.loaded = true;
      store.evictIfNeeded(undefined);
      // Entries a previous run published but had not hashed yet (kill -9, shutdown, crash).
      for (const key of files.pending) if (store.index.has(key)) store.hasher?.add(key, store.fileOf(key));
    });
    return store;
  }

  /** What the background hasher found; a pending entry that is already gone or damaged is left to `verify`. */
  private digestDone(key: string, r: DigestResult): void {
    if (r.state === 'hashed' || r.state === 'recorded' || r.state === 'gone') return;
    this.opts.events?.digestFailed?.(key, r.message);
  }

  /** Resolves once the background hasher has nothing pending (tests). */
  digestsDrained(): Promise<void> {
    return this.hasher?.drained() ?? Promise.resolve();
  }

  /** The background hasher thread's scheduling priority (nice 19 where the OS allows it). */
  hasherPriority(): Promise<{ nice: number | null; error: string | null } | null> {
    return this.hasher?.priority() ?? Promise.resolve(null);
  }

  ready(): Promise<void> {
    return this.loading;
  }

  usage(): StoreUsage {
    return {
      bytes: this.index.bytes,
      entries: this.index.size,
      indexReady: this.loaded,
      pendingDigests: this.hasher?.pending ?? 0,
    };
  }

  private file(ns: string, hash: string): string {
    return path.join(this.opts.dir, ns, hash.slice(-2), hash);
  }

  private fileOf(key: string): string {
    const [ns, hash] = key.split('/');
    return this.file(ns, hash);
  }

  async get(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactRead | null> {
    for (const ns of namespaces) {
      const key = `${ns}/${hash}`;
      const cached = this.hot.get(key);
      if (cached) {
        this.touch(ns, hash);
        return { namespace: ns, ...cached };
      }
      if (this.packs === undefined) {
        // Right after a start, while the packs are scanned: entry files are served at once, and
        // a key not found as a file waits for the scan.
        const fromFile = await this.readFile(ns, hash);
        if (fromFile) return fromFile;
        const fromPack = await this.readPacked(await this.packsOpening, ns, hash);
        if (fromPack) return fromPack;
        continue;
      }
      if (this.packs.has(key)) {
        const fromPack = await this.readPacked(this.packs, ns, hash);
        if (fromPack) return fromPack;
        continue;
      }
      // Once loaded, the index knows every entry (all writes, deletes and evictions go through
      // it): a miss costs no file-system call, and an evicted entry is gone at once even while
      // its unlink is still in flight.
      if (this.loaded && !this.index.has(key)) continue;
      const fromFile = await this.readFile(ns, hash);
      if (fromFile) return fromFile;
    }
    return null;
  }

  private async readPacked(packs: PackSet, ns: Namespace, hash: ArtifactHash): Promise<ArtifactRead | null> {
    const key = `${ns}/${hash}`;
    const rec = packs.has(key) ? await packs.read(key) : null;
    if (!rec) return null;
    this.touch(ns, hash);
    this.hot.set(key, rec.meta, rec.body);
    return { namespace: ns, meta: rec.meta, buffer: rec.body };
  }

  private async readFile(ns: Namespace, hash: ArtifactHash): Promise<ArtifactRead | null> {
    const opened = await openEntry(this.file(ns, hash));
    if (opened.kind === 'miss' || opened.kind === 'corrupt') return null;
    this.touch(ns, hash);
    if (opened.kind === 'small') {
      this.hot.set(`${ns}/${hash}`, opened.meta, opened.buffer);
      return { namespace: ns, meta: opened.meta, buffer: opened.buffer };
    }
    return { namespace: ns, meta: opened.meta, file: { handle: opened.file, start: HEADER_SIZE } };
  }

  async has(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactMeta | null> {
    const hit = await this.get(namespaces, hash);
    await hit?.file?.handle.close();
    return hit?.meta ?? null;
  }

  private touch(ns: string, hash: string): void {
    const before = this.index.touch(`${ns}/${hash}`, this.now());
    if (before !== undefined && this.now() - before > ACCESS_PERSIST_MS) {
      if (this.packs?.has(`${ns}/${hash}`)) return this.packs.touch(`${ns}/${hash}`, this.now());
      const t = new Date(this.now());
      fsp.utimes(this.file(ns, hash), t, t).catch(() => undefined);
    }
  }

  /** Why a write cannot start, before any byte of it is read. */
  private async refuse(ns: Namespace, hash: ArtifactHash, req: PutRequest): Promise<PutOutcome | null> {
    if (req.size > this.opts.capacity.maxEntrySize) {
      return {
        ok: false,
        code: 'ENTRY_TOO_LARGE',
        message: `entry of ${req.size} bytes is over the ${this.opts.capacity.maxEntrySize}-byte entry limit`,
      };
    }
    if ((req.tag?.length ?? 0) > MAX_TAG_LENGTH)
      return { ok: false, code: 'ENTRY_TOO_LARGE', message: 'artifact tag too long' };
    // Once the index is complete it knows every key; before that, ask the disk. (A racing writer
    // is still caught at publish time: the `publishing` map and link().)
    if (this.stored(`${ns}/${hash}`) || (!this.loaded && (await exists(this.file(ns, hash))))) {
      return { ok: false, code: 'EXISTS', message: 'entry exists' };
    }
    if (this.index.bytes + this.reserved + req.size + HEADER_SIZE > this.opts.capacity.hardLimit) {
      return { ok: false, code: 'STORE_FULL', message: 'store is at its hard limit' };
    }
    return null;
  }

  /**
   * Whether a key is stored. Callers first wait out any publish of it in flight
   * (`while (this.publishing.has(key)) await ...`), then check and `claim` with no await between:
   * one process owns an fs store directory, so this sees every writer.
   */
  private stored(key: string): boolean {
    return this.index.has(key) || (this.packs?.has(key) ?? false);
  }

  /** Marks `key` as being published until `work` settles. */
  private async claim<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = work();
    const mark = running.then(
      () => undefined,
      () => undefined,
    );
    this.publishing.set(key, mark);
    try {
      return await running;
    } finally {
      if (this.publishing.get(key) === mark) this.publishing.delete(key);
    }
  }

  async put(ns: Namespace, hash: ArtifactHash, body: Readable, req: PutRequest): Promise<PutOutcome> {
    let packs: PackSet | undefined;
    try {
      // Both paths need to know the packs' keys (first writer wins across them).
      packs = this.packs ?? (await this.packsOpening);
    } catch (err) {
      return { ok: false, code: 'STORE_ERROR', message: (err as Error).message };
    }
    const refused = await this.refuse(ns, hash, req);
    if (refused) return refused;
    const reservation = req.size + HEADER_SIZE;
    this.reserved += reservation;
    try {
      return req.size <= SMALL_BODY
        ? await this.putSmall(packs, ns, hash, body, req)
        : await this.putLarge(ns, hash, body, req);
    } catch (err) {
      return { ok: false, code: 'STORE_ERROR', message: (err as Error).message };
    } finally {
      this.reserved -= reservation;
    }
  }

  /**
   * A small body: gathered in memory (bounded by SMALL_BODY), hashed here (a few µs), appended to
   * the active pack in the writer's next `writev`. The answer waits for that write; no file is
   * created, opened or renamed per entry.
   */
  private async putSmall(
    packs: PackSet,
    ns: Namespace,
    hash: ArtifactHash,
    body: Readable,
    req: PutRequest,
  ): Promise<PutOutcome> {
    const got = await collectBody(body, req.size);
    if (!got.ok) return got;
    const key = `${ns}/${hash}`;
    // Checked again now that the body is complete: a concurrent writer of the key may have won.
    while (this.publishing.has(key)) await this.publishing.get(key);
    if (this.stored(key)) return { ok: false, code: 'EXISTS', message: 'entry exists' };
    const now = this.now();
    const meta: ArtifactMeta & { sha256: string } = {
      size: got.data.length,
      sha256: createHash('sha256').update(got.data).digest('hex'),
      tag: req.tag,
      durationMs: req.durationMs,
      createdMs: now,
    };
    await this.claim(key, async () => {
      const stored = await packs.append(ns, hash, meta, got.data, now);
      this.index.add(key, { size: stored, accessMs: now });
    });
    // What was just written is likely read soon (by the next CI job).
    this.hot.set(key, meta, got.data);
    this.evictIfNeeded(key);
    return { ok: true, meta };
  }

  private async putLarge(ns: Namespace, hash: ArtifactHash, body: Readable, req: PutRequest): Promise<PutOutcome> {
    // Unique within this process; `.tmp` belongs to one server and is emptied when it starts.
    const tmp = path.join(this.opts.dir, TMP_DIR, `${hash}.${process.pid}.${this.tmpSeq++}`);
    try {
      const written = await writeLargeTemp(tmp, body, req, this.now(), this.chmodTo);
      if (!written.ok) return written;
      return await this.publish(ns, hash, tmp, written.meta);
    } finally {
      // Not awaited: a published entry is a second name for the same file, and a failed temp
      // file is unreachable; the answer need not wait for the unlink.
      fs.unlink(tmp, () => undefined);
    }
  }

  private async publish(ns: Namespace, hash: ArtifactHash, tmp: string, meta: ArtifactMeta): Promise<PutOutcome> {
    const key = `${ns}/${hash}`;
    while (this.publishing.has(key)) await this.publishing.get(key);
    if (this.stored(key)) return { ok: false, code: 'EXISTS', message: 'entry exists' };
    const final = this.file(ns, hash);
    const shard = path.dirname(final);
    const linked = await this.claim(key, async () => {
      if (!this.shardsMade.has(shard)) {
        await fsp.mkdir(shard, { recursive: true });
        this.shardsMade.add(shard);
      }
      try {
        // link(), unlike rename(), refuses to replace: the first complete writer wins, atomically.
        await fsp.link(tmp, final);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
      this.index.add(key, { size: meta.size + HEADER_SIZE, accessMs: this.now() });
      return true;
    });
    if (!linked) return { ok: false, code: 'EXISTS', message: 'entry exists' };
    // Published with its digest pending; hashed later, off the upload path.
    this.hasher?.add(key, final);
    this.evictIfNeeded(key);
    return { ok: true, meta };
  }

  /** Removes least recently used entries until the store is back under `maxSize`. */
  private evictIfNeeded(keep: string | undefined): void {
    if (!this.loaded || this.index.bytes <= this.opts.capacity.maxSize) return;
    let entries = 0;
    let bytes = 0;
    for (const [key, e] of this.index.oldest()) {
      if (this.index.bytes <= this.opts.capacity.maxSize) break;
      if (key === keep) continue;
      this.index.remove(key);
      this.hot.delete(key);
      this.hasher?.cancel(key);
      const [ns, hash] = key.split('/');
      // Readers holding the file open keep reading it: unlink only drops the name.
      if (this.packs?.has(key)) void this.packs.remove(key);
      else fsp.rm(this.file(ns, hash), { force: true }).catch(() => undefined);
      entries++;
      bytes += e.size;
    }
    if (entries > 0) this.opts.events?.evicted?.(entries, bytes);
  }

  async delete(ref: EntryRef): Promise<boolean> {
    const key = `${ref.namespace}/${ref.hash}`;
    this.index.remove(key);
    this.hot.delete(key);
    this.hasher?.cancel(key);
    const packs = this.packs ?? (await this.packsOpening);
    if (packs.has(key)) return packs.remove(key);
    try {
      await fsp.unlink(this.file(ref.namespace, ref.hash));
      return true;
    } catch {
      return false;
    }
  }

  async *entries(): AsyncIterable<EntryRef> {
    for (const ns of await fsp.readdir(this.opts.dir).catch(() => [] as string[])) {
      if (ns.startsWith('.')) continue; // .tmp, .packs
      for (const shard of await fsp.readdir(path.join(this.opts.dir, ns)).catch(() => [] as string[])) {
        for (const hash of await fsp.readdir(path.join(this.opts.dir, ns, shard)).catch(() => [] as string[])) {
          yield { namespace: ns as Namespace, hash: hash as ArtifactHash };
        }
      }
    }
    const packs = this.packs ?? (await this.packsOpening);
    for (const key of [...packs.keys()]) {
      const [ns, hash] = key.split('/');
      yield { namespace: ns as Namespace, hash: hash as ArtifactHash };
    }
  }

  async verify(ref: EntryRef): Promise<VerifyOutcome> {
    const packs = this.packs ?? (await this.packsOpening);
    const key = `${ref.namespace}/${ref.hash}`;
    if (packs.has(key)) return packs.verify(key);
    return verifyEntryFile(this.file(ref.namespace, ref.hash), this.verifier);
  }

  async close(): Promise<void> {
    await this.loading.catch(() => undefined);
    await this.packs?.close();
    // Not waiting for the backlog: what is still pending stays marked on disk for the next start.
    await this.hasher?.close();
    await this.verifier.close();
  }
}

/**
 * Entry files are created with mode 0o744 so that the owner-execute bit marks them pending
 * (0o644 under the usual umask once the digest is recorded). Under a umask that removes that bit
 * (0o100), returns the mode to set instead; a probe file in `.tmp` tells the umask.
 */
async function pendingModeFix(tmpDir: string): Promise<number | undefined> {
  const probe = path.join(tmpDir, `.umask-probe.${process.pid}`);
  try {
    await fsp.writeFile(probe, '', { mode: 0o777 });
    const allowed = (await fsp.stat(probe)).mode & 0o777;
    return allowed & PENDING_MODE_BIT ? undefined : (allowed & 0o666) | PENDING_MODE_BIT;
  } catch {
    return undefined;
  } finally {
    await fsp.rm(probe, { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
