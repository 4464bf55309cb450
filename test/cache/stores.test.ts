import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore, RedisStore, verifyStore, type ArtifactHash, type ArtifactStore, type Namespace } from '../../cache';
import { encodeHeader, HEADER_SIZE } from '../../cache/fs-entry-format';
import { startRedis, type RedisProcess } from './support/redis-server';
import { readEntry } from './support/store-read';

const ns = (s: string): Namespace => s as Namespace;
const h = (s: string): ArtifactHash => s as ArtifactHash;
const put = (store: ArtifactStore, key: string, body: Buffer, n = 'main') =>
  store.put(ns(n), h(key), Readable.from([body]), { size: body.length });
const read = readEntry;

describe('fs store', () => {
  const dirs: string[] = [];
  const mkdir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-fs-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('evicts the least recently *used* entry, not the oldest written', async () => {
    let now = 1_000_000;
    // 1000-byte bodies are pack records of about 1,150 bytes: three fit under 3,900, four do not.
    const store = await FsStore.open({
      dir: mkdir(),
      capacity: { maxSize: 3900, hardLimit: Infinity, maxEntrySize: Infinity },
      now: () => now++,
    });
    await store.ready();
    for (const k of ['a1', 'a2', 'a3']) expect((await put(store, k, randomBytes(1000))).ok).toBe(true);
    await read(store, 'a1'); // a1 is now the most recently used; a2 the least
    expect((await put(store, 'a4', randomBytes(1000))).ok).toBe(true);
    expect(await read(store, 'a2')).toBeNull();
    for (const k of ['a1', 'a3', 'a4']) expect(await read(store, k), k).not.toBeNull();
    expect(store.usage().entries).toBe(3);
    expect(store.usage().bytes).toBeGreaterThan(3000);
    expect(store.usage().bytes).toBeLessThanOrEqual(3900);
  });

  it('streams large entries and reports corrupt ones in verify', async () => {
    const dir = mkdir();
    const store = await FsStore.open({
      dir,
      capacity: { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity },
    });
    const big = randomBytes(3 * 1024 * 1024);
    await put(store, 'big1', big);
    await put(store, 'small1', randomBytes(100));
    expect((await read(store, 'big1'))!.equals(big)).toBe(true);
    // Corrupted once its digest is recorded (damage before that: see pending-digest.test.ts).
    await store.digestsDrained();
    const file = path.join(dir, 'main', 'g1', 'big1');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from('X'), 0, 1, HEADER_SIZE + 12345);
    fs.closeSync(fd);
    const report = await verifyStore(store, { remove: true });
    expect(report.checked).toBe(2);
    expect(report.corrupt).toMatchObject([{ hash: 'big1', reason: 'CORRUPT', removed: true }]);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('small entries live in packs: they survive a reopen, a torn tail is ignored, deletes stay deleted', async () => {
    const dir = mkdir();
    const cap = { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity };
    const bodies = new Map(['s1', 's2', 's3', 's4', 's5'].map((k) => [k, randomBytes(1000 + k.charCodeAt(1))]));
    const first = await FsStore.open({ dir, capacity: cap });
    for (const [k, b] of bodies) expect((await put(first, k, b)).ok).toBe(true);
    expect(await first.delete({ namespace: ns('main'), hash: h('s2') })).toBe(true);
    await first.close();
    const packs = fs.readdirSync(path.join(dir, '.packs'));
    expect(packs).toEqual(['1.pack']);
    expect(fs.readdirSync(dir).sort()).toEqual(['.packs', '.tmp']); // no file per entry
    // What a kill -9 in the middle of a write leaves: a record cut short at the end of the pack.
    const pack = path.join(dir, '.packs', '1.pack');
    const whole = fs.statSync(pack).size;
    fs.appendFileSync(pack, fs.readFileSync(pack).subarray(0, 600));
    const second = await FsStore.open({ dir, capacity: cap });
    await second.ready();
    for (const [k, b] of bodies) expect(await read(second, k), k).toEqual(k === 's2' ? null : b);
    expect(second.usage().entries).toBe(4);
    const s6 = randomBytes(777);
    expect((await put(second, 's6', s6)).ok).toBe(true);
    expect(await put(second, 's1', s6)).toMatchObject({ ok: false, code: 'EXISTS' });
    await second.close();
    // A started store appends to a new pack, never after a torn tail.
    expect(fs.statSync(pack).size).toBe(whole + 600);
    expect(fs.readdirSync(path.join(dir, '.packs')).sort()).toEqual(['1.pack', '2.pack']);
    const third = await FsStore.open({ dir, capacity: cap });
    await third.ready();
    expect(await read(third, 's6')).toEqual(s6);
    expect(await read(third, 's2')).toBeNull();
    expect((await verifyStore(third, { remove: false })).checked).toBe(5);
    await third.close();
  });

  it('verify finds a damaged pack record and --remove deletes it for good', async () => {
    const dir = mkdir();
    const cap = { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity };
    const p1 = randomBytes(5000);
    const p2 = randomBytes(5000);
    const store = await FsStore.open({ dir, capacity: cap });
    await put(store, 'p1', p1);
    await put(store, 'p2', p2);
    await store.close();
    const pack = path.join(dir, '.packs', '1.pack');
    const raw = fs.readFileSync(pack);
    raw[raw.indexOf(p1) + 4321] ^= 0x01;
    fs.writeFileSync(pack, raw);
    const again = await FsStore.open({ dir, capacity: cap });
    const report = await verifyStore(again, { remove: true });
    expect(report).toMatchObject({ checked: 2, corrupt: [{ hash: 'p1', reason: 'CORRUPT', removed: true }] });
    await again.close();
    const last = await FsStore.open({ dir, capacity: cap });
    expect(await read(last, 'p1')).toBeNull();
    expect(await read(last, 'p2')).toEqual(p2);
    await last.close();
  });

  it('evicted pack records are reclaimed: half-dead packs are compacted and removed', async () => {
    const dir = mkdir();
    let now = 1_000_000;
    // Packs sealed at 64 KiB; room for about ten 10 KB entries.
    const store = await FsStore.open({
      dir,
      capacity: { maxSize: 110_000, hardLimit: Infinity, maxEntrySize: Infinity },
      now: () => now++,
      packBytes: 64 * 1024,
    });
    await store.ready();
    const bodies = Array.from({ length: 60 }, () => randomBytes(10_000));
    for (let i = 0; i < bodies.length; i++) expect((await put(store, `e${i}`, bodies[i])).ok).toBe(true);
    for (let i = 0; i < 20 && fs.readdirSync(path.join(dir, '.packs')).length > 4; i++)
      await new Promise((r) => setTimeout(r, 25));
    const live = store.usage().entries;
    expect(live).toBeGreaterThanOrEqual(9);
    for (let i = 0; i < bodies.length; i++) {
      const got = await read(store, `e${i}`);
      if (i >= bodies.length - live) expect(got, `e${i}`).toEqual(bodies[i]);
      else expect(got, `e${i}`).toBeNull();
    }
    await store.close(); // waits for a compaction in progress
    const onDisk = fs
      .readdirSync(path.join(dir, '.packs'))
      .reduce((n, f) => n + fs.statSync(path.join(dir, '.packs', f)).size, 0);
    // 600 KB were written; what is left on disk is the live entries plus at most about one
    // sealed pack's worth of dead records and the active pack.
    expect(onDisk).toBeLessThan(110_000 + 3 * 64 * 1024);
    const reopened = await FsStore.open({
      dir,
      capacity: { maxSize: 110_000, hardLimit: Infinity, maxEntrySize: Infinity },
    });
    await reopened.ready();
    expect(reopened.usage().entries).toBe(live);
    for (let i = bodies.length - live; i < bodies.length; i++) expect(await read(reopened, `e${i}`)).toEqual(bodies[i]);
    await reopened.close();
  });

  it('while the packs are scanned at start-up, entry files are served at once', async () => {
    const dir = mkdir();
    const cap = { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity };
    const first = await FsStore.open({ dir, capacity: cap });
    const small = randomBytes(512);
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < 40_000) await put(first, `p${next++}`, small);
      }),
    );
    const big = randomBytes(300 * 1024);
    await put(first, 'big', big);
    await first.close();
    const store = await FsStore.open({ dir, capacity: cap });
    const order: string[] = [];
    const ready = store.ready().then(() => order.push('packs scanned'));
    const got = read(store, 'big').then((b) => {
      order.push('file served');
      return b;
    });
    const packed = read(store, 'p123').then((b) => {
      order.push('small entry served');
      return b;
    });
    await Promise.all([ready, got, packed]);
    expect(await got).toEqual(big);
    expect(await packed).toEqual(small);
    expect(order[0]).toBe('file served');
    expect(order.indexOf('small entry served')).toBeGreaterThan(0);
    await store.close();
  });

  it('starts with 100,000 entries on disk: serves at once, index complete in the background', async () => {
    const dir = mkdir();
    const header = encodeHeader({
      size: 16,
      sha256: createHash('sha256').update(Buffer.alloc(16)).digest('hex'),
      createdMs: 1,
    });
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
    const store = await FsStore.open({
      dir,
      capacity: { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity },
    });
    const opened = performance.now() - t0;
    expect(await read(store, '10000042')).toEqual(Buffer.alloc(16)); // served before/while the index loads
    await store.ready();
    const loaded = performance.now() - t0;
    expect(store.usage()).toEqual({
      entries: 100_000,
      bytes: 100_000 * file.length,
      indexReady: true,
      pendingDigests: 0,
    });
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
    const store = await RedisStore.open({
      url: redis.url,
      prefix: 't1:',
      capacity: { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: 1024 * 1024 },
    });
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
    const store = await RedisStore.open({
      url: redis.url,
      prefix: 't2:',
      capacity: { maxSize: Infinity, hardLimit: 10_000, maxEntrySize: 8000 },
    });
    const tooBig = await put(store, 'big', randomBytes(9000));
    expect(tooBig).toMatchObject({ ok: false, code: 'ENTRY_TOO_LARGE' });
    expect((tooBig as { message: string }).message).toMatch(/entry limit.*--max-entry-size/);
    expect((await put(store, 'a', randomBytes(6000))).ok).toBe(true);
    expect(await put(store, 'b', randomBytes(6000))).toMatchObject({ ok: false, code: 'STORE_FULL' });
    await store.close();
  });

  it('evicts by last access down to max-size', async () => {
    const store = await RedisStore.open({
      url: redis.url,
      prefix: 't3:',
      capacity: { maxSize: 3000, hardLimit: Infinity, maxEntrySize: Infinity },
    });
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
