import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore, RedisStore, verifyStore, type ArtifactHash, type ArtifactStore, type Namespace } from '../../cache';
import { encodeHeader, HEADER_SIZE } from '../../cache/fs-entry-format';
import { startRedis, type RedisProcess } from './support/redis-server';

const ns = (s: string): Namespace => s as Namespace;
const h = (s: string): ArtifactHash => s as ArtifactHash;
const put = (store: ArtifactStore, key: string, body: Buffer, n = 'main') => store.put(ns(n), h(key), Readable.from([body]), { size: body.length });
const read = async (store: ArtifactStore, key: string): Promise<Buffer | null> => {
  const hit = await store.get([ns('main')], h(key));
  if (!hit) return null;
  if (hit.buffer) return hit.buffer;
  const chunks: Buffer[] = [];
  for await (const c of hit.stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe('fs store', () => {
  const dirs: string[] = [];
  const mkdir = (): string => (dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-fs-'))), dirs[dirs.length - 1]);
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('evicts the least recently *used* entry, not the oldest written', async () => {
    let now = 1_000_000;
    const store = await FsStore.open({ dir: mkdir(), capacity: { maxSize: 3 * (1000 + HEADER_SIZE), hardLimit: Infinity, maxEntrySize: Infinity }, now: () => now++ });
    await store.ready();
    for (const k of ['a1', 'a2', 'a3']) expect((await put(store, k, randomBytes(1000))).ok).toBe(true);
    await read(store, 'a1'); // a1 is now the most recently used; a2 the least
    expect((await put(store, 'a4', randomBytes(1000))).ok).toBe(true);
    expect(await read(store, 'a2')).toBeNull();
    for (const k of ['a1', 'a3', 'a4']) expect(await read(store, k), k).not.toBeNull();
    expect(store.usage()).toMatchObject({ entries: 3, bytes: 3 * (1000 + HEADER_SIZE) });
  });

  it('streams large entries and reports corrupt ones in verify', async () => {
    const dir = mkdir();
    const store = await FsStore.open({ dir, capacity: { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity } });
    const big = randomBytes(3 * 1024 * 1024);
    await put(store, 'big1', big);
    await put(store, 'small1', randomBytes(100));
    expect((await read(store, 'big1'))!.equals(big)).toBe(true);
    const file = path.join(dir, 'main', 'g1', 'big1');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from('X'), 0, 1, HEADER_SIZE + 12345);
    fs.closeSync(fd);
    const report = await verifyStore(store, { remove: true });
    expect(report.checked).toBe(2);
    expect(report.corrupt).toMatchObject([{ hash: 'big1', reason: 'CORRUPT', removed: true }]);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('starts with 100,000 entries on disk: serves at once, index complete in the background', async () => {
    const dir = mkdir();
    const header = encodeHeader({ size: 16, sha256: createHash('sha256').update(Buffer.alloc(16)).digest('hex'), createdMs: 1 });
    const file = Buffer.concat([header, Buffer.alloc(16)]);
    // Hard links to one entry file per shard: one syscall per directory entry, so the fixture is
    // quick to make (and within ext4's 65,000 links per inode); the index still stats every one.
    const proto = (shard: string): string => path.join(dir, `proto-${shard}`);
    for (let i = 0; i < 100_000; i++) {
      const hash = String(10_000_000 + i);
      const shard = hash.slice(-2);
      if (i < 100) {
        fs.mkdirSync(path.join(dir, 'main', shard), { recursive: true });
        fs.writeFileSync(proto(shard), file);
      }
      fs.linkSync(proto(shard), path.join(dir, 'main', shard, hash));
    }
    for (let i = 0; i < 100; i++) fs.rmSync(proto(String(i).padStart(2, '0')));
    const t0 = performance.now();
    const store = await FsStore.open({ dir, capacity: { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity } });
    const opened = performance.now() - t0;
    expect(await read(store, '10000042')).toEqual(Buffer.alloc(16)); // served before/while the index loads
    await store.ready();
    const loaded = performance.now() - t0;
    expect(store.usage()).toEqual({ entries: 100_000, bytes: 100_000 * file.length, indexReady: true });
    console.log(`100,000 entries: open ${opened.toFixed(0)} ms, index loaded ${loaded.toFixed(0)} ms`);
  });
});

describe('redis store', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('stores, reads in namespace order, refuses duplicates', async () => {
    const store = await RedisStore.open({ url: redis.url, prefix: 't1:', capacity: { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: 1024 * 1024 } });
    const body = randomBytes(5000);
    expect((await put(store, 'k1', body)).ok).toBe(true);
    expect(await put(store, 'k1', randomBytes(5000))).toMatchObject({ ok: false, code: 'EXISTS' });
    const hit = await store.get([ns('pr-1'), ns('main')], h('k1'));
    expect(hit?.namespace).toBe('main');
    expect(hit?.buffer?.equals(body)).toBe(true);
    expect(await store.has([ns('pr-1')], h('k1'))).toBeNull();
    expect((await verifyStore(store, { remove: false })).corrupt).toEqual([]);
    await store.close();
  });

  it('refuses entries over the entry limit with a clear message, and writes past the hard limit', async () => {
    const store = await RedisStore.open({ url: redis.url, prefix: 't2:', capacity: { maxSize: Infinity, hardLimit: 10_000, maxEntrySize: 8000 } });
    const tooBig = await put(store, 'big', randomBytes(9000));
    expect(tooBig).toMatchObject({ ok: false, code: 'ENTRY_TOO_LARGE' });
    expect((tooBig as { message: string }).message).toMatch(/entry limit.*--max-entry-size/);
    expect((await put(store, 'a', randomBytes(6000))).ok).toBe(true);
    expect(await put(store, 'b', randomBytes(6000))).toMatchObject({ ok: false, code: 'STORE_FULL' });
    await store.close();
  });

  it('evicts by last access down to max-size', async () => {
    const store = await RedisStore.open({ url: redis.url, prefix: 't3:', capacity: { maxSize: 3000, hardLimit: Infinity, maxEntrySize: Infinity } });
    for (const k of ['r1', 'r2', 'r3']) {
      await put(store, k, randomBytes(1000));
      await new Promise((r) => setTimeout(r, 5));
    }
    await read(store, 'r1');
    await new Promise((r) => setTimeout(r, 20)); // the access-time bump is fire-and-forget
    await put(store, 'r4', randomBytes(1000));
    expect(await read(store, 'r2')).toBeNull();
    for (const k of ['r1', 'r3', 'r4']) expect(await read(store, k), k).not.toBeNull();
    await store.close();
  });
});
