import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeHeader, HEADER_SIZE, MAX_TAG_LENGTH } from './fs-entry-format';
import { openEntry, SMALL_BODY, verifyEntryFile } from './fs-entry-reader';
import { loadFsIndex, TMP_DIR } from './fs-index-loader';
import { BodyTooLongError, HashingFileSink } from './hashing-file-sink';
import { HotCache } from './hot-cache';
import { LruIndex } from './lru-index';
import type {
  ArtifactHash, ArtifactMeta, ArtifactRead, ArtifactStore, Capacity, EntryRef, Namespace, PutOutcome, PutRequest,
  StoreEvents, StoreUsage, VerifyOutcome,
} from './types';

export interface FsStoreOptions {
  dir: string;
  capacity: Capacity;
  events?: StoreEvents;
  /** Memory for small hot entries (default 64 MiB; 0 disables). */
  hotBytes?: number;
  /** Clock, for tests of eviction order. */
  now?: () => number;
}

// Persisting every read's time would cost a syscall per hit; once an hour is enough to keep the
// LRU order across restarts approximately right.
const ACCESS_PERSIST_MS = 60 * 60 * 1000;

/**
 * The default store: one file per entry under `<dir>/<namespace>/<shard>/<hash>`, written to
 * `<dir>/.tmp` first and published with `link()` so that the first complete writer wins and a
 * half-written file is never visible. Usage and LRU order live in an in-memory index that loads
 * in the background at start-up.
 */
export class FsStore implements ArtifactStore {
  readonly kind = 'fs' as const;
  private readonly index = new LruIndex();
  private readonly shardsMade = new Set<string>();
  private readonly hot: HotCache;
  private reserved = 0;
  private loaded = false;
  private loading: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  private constructor(private readonly opts: FsStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.hot = new HotCache(opts.hotBytes ?? 64 * 1024 * 1024);
  }

  /** Creates the folders, clears leftovers of a killed server, and starts loading the index. */
  static async open(opts: FsStoreOptions): Promise<FsStore> {
    const store = new FsStore(opts);
    const tmp = path.join(opts.dir, TMP_DIR);
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp, { recursive: true });
    store.loading = loadFsIndex(opts.dir).then((loaded) => {
      store.index.mergeLoaded(loaded);
      store.loaded = true;
      store.evictIfNeeded(undefined);
    });
    return store;
  }

  ready(): Promise<void> {
    return this.loading;
  }

  usage(): StoreUsage {
    return { bytes: this.index.bytes, entries: this.index.size, indexReady: this.loaded };
  }

  private file(ns: string, hash: string): string {
    return path.join(this.opts.dir, ns, hash.slice(-2), hash);
  }

  async get(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactRead | null> {
    for (const ns of namespaces) {
      const cached = this.hot.get(`${ns}/${hash}`);
      if (cached) {
        this.touch(ns, hash);
        return { namespace: ns, ...cached };
      }
      const opened = await openEntry(this.file(ns, hash));
      if (opened.kind === 'miss' || opened.kind === 'corrupt') continue;
      this.touch(ns, hash);
      if (opened.kind === 'small') {
        this.hot.set(`${ns}/${hash}`, opened.meta, opened.buffer);
        return { namespace: ns, meta: opened.meta, buffer: opened.buffer };
      }
      const stream = opened.file.createReadStream({ start: HEADER_SIZE, highWaterMark: 1024 * 1024 });
      return { namespace: ns, meta: opened.meta, stream };
    }
    return null;
  }

  async has(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactMeta | null> {
    const hit = await this.get(namespaces, hash);
    hit?.stream?.destroy();
    return hit?.meta ?? null;
  }

  private touch(ns: string, hash: string): void {
    const before = this.index.touch(`${ns}/${hash}`, this.now());
    if (before !== undefined && this.now() - before > ACCESS_PERSIST_MS) {
      const t = new Date(this.now());
      fsp.utimes(this.file(ns, hash), t, t).catch(() => undefined);
    }
  }

  /** Why a write cannot start, before any byte of it is read. */
  private async refuse(ns: Namespace, hash: ArtifactHash, req: PutRequest): Promise<PutOutcome | null> {
    if (req.size > this.opts.capacity.maxEntrySize) {
      return { ok: false, code: 'ENTRY_TOO_LARGE', message: `entry of ${req.size} bytes is over the ${this.opts.capacity.maxEntrySize}-byte entry limit` };
    }
    if ((req.tag?.length ?? 0) > MAX_TAG_LENGTH) return { ok: false, code: 'ENTRY_TOO_LARGE', message: 'artifact tag too long' };
    // Once the index is complete it knows every key; before that, ask the disk. (A racing writer
    // is still caught by link() below.)
    if (this.index.has(`${ns}/${hash}`) || (!this.loaded && (await exists(this.file(ns, hash))))) {
      return { ok: false, code: 'EXISTS', message: 'entry exists' };
    }
    if (this.index.bytes + this.reserved + req.size + HEADER_SIZE > this.opts.capacity.hardLimit) {
      return { ok: false, code: 'STORE_FULL', message: 'store is at its hard limit' };
    }
    return null;
  }

  async put(ns: Namespace, hash: ArtifactHash, body: Readable, req: PutRequest): Promise<PutOutcome> {
    const refused = await this.refuse(ns, hash, req);
    if (refused) return refused;
    const reservation = req.size + HEADER_SIZE;
    this.reserved += reservation;
    const tmp = path.join(this.opts.dir, TMP_DIR, `${hash}.${randomBytes(6).toString('hex')}`);
    try {
      const written = await this.writeTemp(tmp, body, req);
      if (!written.ok) return written;
      return await this.publish(ns, hash, tmp, written.meta);
    } catch (err) {
      return { ok: false, code: 'STORE_ERROR', message: (err as Error).message };
    } finally {
      this.reserved -= reservation;
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Streams the body to `tmp` behind a header; complete and hashed, or nothing. */
  private async writeTemp(tmp: string, body: Readable, req: PutRequest): Promise<PutOutcome> {
    if (req.size <= SMALL_BODY) return this.writeSmallTemp(tmp, body, req);
    const fh = await fsp.open(tmp, 'wx');
    try {
      const sink = new HashingFileSink(fh, HEADER_SIZE, req.size);
      try {
        await pipeline(body, sink);
      } catch (err) {
        const message = err instanceof BodyTooLongError ? err.message : `upload interrupted: ${(err as Error).message}`;
        return { ok: false, code: 'TRUNCATED', message };
      }
      if (sink.bytes !== req.size) {
        return { ok: false, code: 'TRUNCATED', message: `received ${sink.bytes} of ${req.size} declared bytes` };
      }
      const meta: ArtifactMeta = { size: req.size, sha256: sink.digest(), tag: req.tag, durationMs: req.durationMs, createdMs: this.now() };
      await fh.write(encodeHeader(meta), 0, HEADER_SIZE, 0);
      return { ok: true, meta };
    } finally {
      await fh.close();
    }
  }

  /** Small bodies: gathered in memory, then header and body in one write (fewer syscalls). */
  private async writeSmallTemp(tmp: string, body: Readable, req: PutRequest): Promise<PutOutcome> {
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of body as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > req.size) return { ok: false, code: 'TRUNCATED', message: `body longer than the declared ${req.size} bytes` };
        chunks.push(c);
      }
    } catch (err) {
      return { ok: false, code: 'TRUNCATED', message: `upload interrupted: ${(err as Error).message}` };
    }
    if (n !== req.size) return { ok: false, code: 'TRUNCATED', message: `received ${n} of ${req.size} declared bytes` };
    const data = Buffer.concat(chunks, n);
    const meta: ArtifactMeta = { size: n, sha256: createHash('sha256').update(data).digest('hex'), tag: req.tag, durationMs: req.durationMs, createdMs: this.now() };
    await fsp.writeFile(tmp, Buffer.concat([encodeHeader(meta), data]), { flag: 'wx' });
    return { ok: true, meta };
  }

  private async publish(ns: Namespace, hash: ArtifactHash, tmp: string, meta: ArtifactMeta): Promise<PutOutcome> {
    const final = this.file(ns, hash);
    const shard = path.dirname(final);
    if (!this.shardsMade.has(shard)) {
      await fsp.mkdir(shard, { recursive: true });
      this.shardsMade.add(shard);
    }
    try {
      // link(), unlike rename(), refuses to replace: the first complete writer wins, atomically.
      await fsp.link(tmp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { ok: false, code: 'EXISTS', message: 'entry exists' };
      throw err;
    }
    const key = `${ns}/${hash}`;
    this.index.add(key, { size: meta.size + HEADER_SIZE, accessMs: this.now() });
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
      const [ns, hash] = key.split('/');
      // Readers holding the file open keep reading it: unlink only drops the name.
      fsp.rm(this.file(ns, hash), { force: true }).catch(() => undefined);
      entries++;
      bytes += e.size;
    }
    if (entries > 0) this.opts.events?.evicted?.(entries, bytes);
  }

  async delete(ref: EntryRef): Promise<boolean> {
    this.index.remove(`${ref.namespace}/${ref.hash}`);
    this.hot.delete(`${ref.namespace}/${ref.hash}`);
    try {
      await fsp.unlink(this.file(ref.namespace, ref.hash));
      return true;
    } catch {
      return false;
    }
  }

  async *entries(): AsyncIterable<EntryRef> {
    for (const ns of await fsp.readdir(this.opts.dir).catch(() => [] as string[])) {
      if (ns === TMP_DIR) continue;
      for (const shard of await fsp.readdir(path.join(this.opts.dir, ns)).catch(() => [] as string[])) {
        for (const hash of await fsp.readdir(path.join(this.opts.dir, ns, shard)).catch(() => [] as string[])) {
          yield { namespace: ns as Namespace, hash: hash as ArtifactHash };
        }
      }
    }
  }

  verify(ref: EntryRef): Promise<VerifyOutcome> {
    return verifyEntryFile(this.file(ref.namespace, ref.hash));
  }

  async close(): Promise<void> {
    await this.loading.catch(() => undefined);
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
