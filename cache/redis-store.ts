import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import Redis from 'ioredis';
import { DELETE_SCRIPT, EVICT_SCRIPT, PUT_SCRIPT } from './redis-scripts';
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

export interface RedisStoreOptions {
  url: string;
  capacity: Capacity;
  events?: StoreEvents;
  /** Key prefix, so one Redis can hold several caches (default `fleet:cache:`). */
  prefix?: string;
}

/** Redis holds whole values in memory, so bodies are buffered here up to the entry limit (default 64 MiB). */
export const REDIS_DEFAULT_MAX_ENTRY = 64 * 1024 * 1024;

/**
 * A store in Redis for teams that already run one: entries are hashes, LRU order is a sorted
 * set, and writes/evictions are Lua scripts so that several servers can share it safely.
 */
export class RedisStore implements ArtifactStore {
  readonly kind = 'redis' as const;
  private readonly prefix: string;
  private last: StoreUsage = { bytes: 0, entries: 0, indexReady: false };
  private readonly first: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisStoreOptions,
  ) {
    this.prefix = opts.prefix ?? 'fleet:cache:';
    this.first = this.refreshUsage();
    // Usage is read by /metrics synchronously; a cheap refresh keeps it current when other servers write.
    this.timer = setInterval(() => void this.refreshUsage().catch(() => undefined), 5000).unref();
  }

  static async open(opts: RedisStoreOptions): Promise<RedisStore> {
    const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    await redis.connect();
    return new RedisStore(redis, opts);
  }

  private key(ns: string, hash: string): string {
    return `${this.prefix}e:${ns}:${hash}`;
  }

  private async refreshUsage(): Promise<void> {
    const [bytes, entries] = await Promise.all([
      this.redis.get(`${this.prefix}bytes`),
      this.redis.zcard(`${this.prefix}lru`),
    ]);
    this.last = { bytes: Number(bytes ?? 0), entries, indexReady: true };
  }

  ready(): Promise<void> {
    return this.first;
  }

  usage(): StoreUsage {
    return this.last;
  }

  async get(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactRead | null> {
    for (const ns of namespaces) {
      const [body, meta] = await this.redis.hmgetBuffer(this.key(ns, hash), 'b', 'm');
      if (!body || !meta) continue;
      this.redis.zadd(`${this.prefix}lru`, Date.now(), `${ns}:${hash}`).catch(() => undefined);
      return { namespace: ns, meta: JSON.parse(meta.toString('utf8')) as ArtifactMeta, buffer: body };
    }
    return null;
  }

  async has(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactMeta | null> {
    for (const ns of namespaces) {
      const meta = await this.redis.hget(this.key(ns, hash), 'm');
      if (meta) return JSON.parse(meta) as ArtifactMeta;
    }
    return null;
  }

  async put(ns: Namespace, hash: ArtifactHash, body: Readable, req: PutRequest): Promise<PutOutcome> {
    const { maxEntrySize, hardLimit } = this.opts.capacity;
    if (req.size > maxEntrySize) {
      return {
        ok: false,
        code: 'ENTRY_TOO_LARGE',
        message: `entry of ${req.size} bytes is over the Redis store's ${maxEntrySize}-byte entry limit (--max-entry-size)`,
      };
    }
    try {
      if (await this.redis.exists(this.key(ns, hash))) return { ok: false, code: 'EXISTS', message: 'entry exists' };
      const buf = await readExactly(body, req.size);
      if (!buf.ok) return { ok: false, code: 'TRUNCATED', message: buf.message };
      const meta: ArtifactMeta = {
        size: req.size,
        sha256: createHash('sha256').update(buf.body).digest('hex'),
        tag: req.tag,
        durationMs: req.durationMs,
        createdMs: Date.now(),
      };
      const member = `${ns}:${hash}`;
      const limit = Number.isFinite(hardLimit) ? String(hardLimit) : '9007199254740991';
      const r = await this.redis.eval(
        PUT_SCRIPT,
        3,
        this.key(ns, hash),
        `${this.prefix}lru`,
        `${this.prefix}bytes`,
        buf.body,
        JSON.stringify(meta),
        String(req.size),
        member,
        String(Date.now()),
        limit,
      );
      if (r === 0) return { ok: false, code: 'EXISTS', message: 'entry exists' };
      if (r === -1) return { ok: false, code: 'STORE_FULL', message: 'store is at its hard limit' };
      await this.evict(member);
      return { ok: true, meta };
    } catch (err) {
      return { ok: false, code: 'STORE_ERROR', message: (err as Error).message };
    } finally {
      void this.refreshUsage().catch(() => undefined);
    }
  }

  private async evict(keep: string): Promise<void> {
    const max = this.opts.capacity.maxSize;
    if (!Number.isFinite(max)) return;
    const [n, bytes] = (await this.redis.eval(
      EVICT_SCRIPT,
      2,
      `${this.prefix}lru`,
      `${this.prefix}bytes`,
      String(max),
      this.prefix,
      keep,
    )) as [number, number];
    if (n > 0) this.opts.events?.evicted?.(n, bytes);
  }

  async delete(ref: EntryRef): Promise<boolean> {
    const r = await this.redis.eval(
      DELETE_SCRIPT,
      3,
      this.key(ref.namespace, ref.hash),
      `${this.prefix}lru`,
      `${this.prefix}bytes`,
      `${ref.namespace}:${ref.hash}`,
    );
    return r === 1;
  }

  async *entries(): AsyncIterable<EntryRef> {
    const start = `${this.prefix}e:`.length;
    for await (const keys of this.redis.scanStream({ match: `${this.prefix}e:*`, count: 1000 }) as AsyncIterable<
      string[]
    >) {
      for (const k of keys) {
        const [ns, hash] = k.slice(start).split(':');
        yield { namespace: ns as Namespace, hash: hash as ArtifactHash };
      }
    }
  }

  async verify(ref: EntryRef): Promise<VerifyOutcome> {
    const [body, meta] = await this.redis.hmgetBuffer(this.key(ref.namespace, ref.hash), 'b', 'm');
    if (!body || !meta) return { ok: false, reason: 'UNREADABLE', message: 'entry vanished' };
    const want = (JSON.parse(meta.toString('utf8')) as ArtifactMeta).sha256;
    const got = createHash('sha256').update(body).digest('hex');
    return got === want
      ? { ok: true }
      : { ok: false, reason: 'CORRUPT', message: `sha256 ${got} does not match recorded ${want}` };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The whole body if it is exactly `size` bytes; it was checked against the entry limit before. */
async function readExactly(
  body: Readable,
  size: number,
): Promise<{ ok: true; body: Buffer } | { ok: false; message: string }> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > size) return { ok: false, message: `body longer than the declared ${size} bytes` };
      chunks.push(c);
    }
  } catch (err) {
    return { ok: false, message: `upload interrupted: ${(err as Error).message}` };
  }
  if (n !== size) return { ok: false, message: `received ${n} of ${size} declared bytes` };
  return { ok: true, body: Buffer.concat(chunks, n) };
}
