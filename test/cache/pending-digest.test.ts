import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FsStore, verifyStore, type ArtifactHash, type Namespace } from '../../cache';
import { BackgroundHasher, type DigestResult } from '../../cache/digest-worker';
import {
  decodeHeader,
  DIGEST_OFFSET,
  encodeHeaderV1,
  HEADER_SIZE,
  PENDING_MODE_BIT,
  PENDING_SLOT,
} from '../../cache/fs-entry-format';
import { request } from './support/http-client';
import { fleetBin, startServe } from './support/serve-process';
import { readEntry } from './support/store-read';

// Large fs entries are published with their SHA-256 pending and hashed later by a background
// thread (cache/digest-worker.ts). These tests cover every way an entry can meet that thread.

const ns = (s: string): Namespace => s as Namespace;
const h = (s: string): ArtifactHash => s as ArtifactHash;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const cap = { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity };
const put = (store: FsStore, key: string, body: Buffer) =>
  store.put(ns('main'), h(key), Readable.from([body]), { size: body.length });
const entryFile = (dir: string, key: string): string => path.join(dir, 'main', key.slice(-2), key);
/** What the file says about its digest: the slot's digest (or undefined), and the pending mode bit. */
const digestOf = (dir: string, key: string): { sha256: string | undefined; bit: boolean } => {
  const file = entryFile(dir, key);
  const head = Buffer.alloc(HEADER_SIZE);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, HEADER_SIZE, 0);
  fs.closeSync(fd);
  const d = decodeHeader(head);
  if (!d.ok) throw new Error(d.message);
  return { sha256: d.meta.sha256, bit: (fs.statSync(file).mode & PENDING_MODE_BIT) !== 0 };
};
const read = readEntry;
const flipByte = (file: string, at: number): void => {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] ^= 0xff;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
};

describe('pending digests of large entries', () => {
  const dirs: string[] = [];
  const mkdir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-pending-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('an entry is served while pending; the low-priority hasher records its digest in place', async () => {
    const dir = mkdir();
    // Without the background hasher the entry stays pending: what a client sees in that window.
    const first = await FsStore.open({ dir, capacity: cap, hashInBackground: false });
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const stored = await put(first, 'p10', body);
    expect(stored).toMatchObject({ ok: true, meta: { size: body.length } });
    expect(stored.ok && stored.meta.sha256).toBeUndefined();
    expect(digestOf(dir, 'p10')).toEqual({ sha256: undefined, bit: true });
    expect(fs.readFileSync(entryFile(dir, 'p10')).toString('latin1', DIGEST_OFFSET, DIGEST_OFFSET + 64)).toBe(
      PENDING_SLOT,
    );
    expect(sha((await read(first, 'p10'))!)).toBe(sha(body));
    await first.close();

    const store = await FsStore.open({ dir, capacity: cap });
    const body2 = randomBytes(2 * 1024 * 1024);
    expect((await put(store, 'p11', body2)).ok).toBe(true);
    expect(sha((await read(store, 'p11'))!)).toBe(sha(body2));
    await store.ready();
    await store.digestsDrained();
    expect(store.usage().pendingDigests).toBe(0);
    expect(digestOf(dir, 'p10')).toEqual({ sha256: sha(body), bit: false });
    expect(digestOf(dir, 'p11')).toEqual({ sha256: sha(body2), bit: false });
    const hit = await store.get([ns('main')], h('p11'));
    expect(hit?.meta.sha256).toBe(sha(body2));
    await hit?.file?.handle.close();
    if (fs.existsSync('/proc/thread-self/stat'))
      expect(await store.hasherPriority()).toEqual({ nice: 19, error: null });
    await store.close();
  });

  it('a restart re-queues every entry a previous run left pending', async () => {
    const dir = mkdir();
    const bodies = new Map(['r20', 'r21', 'r22', 'r23'].map((k, i) => [k, randomBytes(300 * 1024 + i * 100_000)]));
    const before = await FsStore.open({ dir, capacity: cap, hashInBackground: false });
    for (const [k, b] of bodies) expect((await put(before, k, b)).ok).toBe(true);
    expect((await put(before, 'r24', randomBytes(1000))).ok).toBe(true); // a pack record: hashed inline
    await before.close();
    for (const k of bodies.keys()) expect(digestOf(dir, k)).toEqual({ sha256: undefined, bit: true });

    const after = await FsStore.open({ dir, capacity: cap });
    await after.ready();
    await after.digestsDrained();
    for (const [k, b] of bodies) expect(digestOf(dir, k), k).toEqual({ sha256: sha(b), bit: false });
    expect(await verifyStore(after, { remove: false })).toEqual({ checked: 5, pending: 0, unrecorded: 0, corrupt: [] });
    await after.close();
  });

  it('verify hashes a pending entry and records it (not corrupt); damage after that is reported', async () => {
    const dir = mkdir();
    const store = await FsStore.open({ dir, capacity: cap, hashInBackground: false });
    const body = randomBytes(1024 * 1024);
    expect((await put(store, 'v30', body)).ok).toBe(true);
    expect(await verifyStore(store, { remove: false })).toEqual({ checked: 1, pending: 1, unrecorded: 0, corrupt: [] });
    expect(digestOf(dir, 'v30')).toEqual({ sha256: sha(body), bit: false });
    expect(await verifyStore(store, { remove: false })).toEqual({ checked: 1, pending: 0, unrecorded: 0, corrupt: [] });
    flipByte(entryFile(dir, 'v30'), HEADER_SIZE + 777);
    const report = await verifyStore(store, { remove: true });
    expect(report).toMatchObject({
      checked: 1,
      pending: 0,
      corrupt: [{ hash: 'v30', reason: 'CORRUPT', removed: true }],
    });
    expect(report.corrupt[0].message).toContain(sha(body));
    expect(fs.existsSync(entryFile(dir, 'v30'))).toBe(false);
    await store.close();
  });

  it('fleet cache verify says which entries it hashed for the first time', async () => {
    const dir = mkdir();
    const store = await FsStore.open({ dir, capacity: cap, hashInBackground: false });
    expect((await put(store, 'c40', randomBytes(600 * 1024))).ok).toBe(true);
    expect((await put(store, 'c41', randomBytes(600 * 1024))).ok).toBe(true);
    await store.close();
    const text = spawnSync(process.execPath, [fleetBin(), 'cache', 'verify', '--store', `fs:${dir}`], {
      encoding: 'utf8',
    });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      'checked 2 entries, 0 corrupt\n2 entries had no digest yet (the server had not hashed them in the background): hashed now, not counted corrupt; digest recorded for 2\n',
    );
    const again = spawnSync(process.execPath, [fleetBin(), 'cache', 'verify', '--store', `fs:${dir}`, '--json'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(again.stdout)).toEqual({ checked: 2, pending: 0, unrecorded: 0, corrupt: [] });
  });

  it('entries deleted, evicted or replaced while pending: every digest recorded is its own body’s', async () => {
    const dir = mkdir();
    const failures: string[] = [];
    let now = 1_000_000;
    // Room for about six 1 MiB entries: the later writes evict earlier ones, pending or not.
    const store = await FsStore.open({
      dir,
      capacity: { maxSize: 6.5 * 1024 * 1024, hardLimit: Infinity, maxEntrySize: Infinity },
      now: () => now++,
      events: { digestFailed: (key, message) => failures.push(`${key}: ${message}`) },
    });
    await store.ready();
    const latest = new Map<string, Buffer>();
    for (let i = 0; i < 24; i++) {
      const key = `d5${i % 8}`;
      // Every third write deletes its key first, so the key is stored again with another body.
      if (i % 3 === 0 && latest.has(key)) await store.delete({ namespace: ns('main'), hash: h(key) });
      const body = randomBytes(1024 * 1024 + i);
      const r = await put(store, key, body);
      if (r.ok) latest.set(key, body);
    }
    await store.digestsDrained();
    expect(failures).toEqual([]);
    let live = 0;
    for (const [key, body] of latest) {
      const got = await read(store, key);
      if (!got) continue; // evicted
      live++;
      expect(got.equals(body), key).toBe(true);
      expect(digestOf(dir, key), key).toEqual({ sha256: sha(body), bit: false });
    }
    expect(live).toBeGreaterThanOrEqual(5);
    expect((await verifyStore(store, { remove: false })).corrupt).toEqual([]);
    await store.close();
  });

  it('an entry that waited too long is hashed at normal priority', async () => {
    const dir = mkdir();
    const store = await FsStore.open({ dir, capacity: cap, hashInBackground: false });
    const body = randomBytes(700 * 1024);
    expect((await put(store, 'u90', body)).ok).toBe(true);
    await store.close();
    const results: Array<[string, DigestResult]> = [];
    const hasher = new BackgroundHasher((key, r) => results.push([key, r]), 0);
    hasher.add('main/u90', entryFile(dir, 'u90'));
    hasher.add('main/u91', entryFile(dir, 'u91')); // no such file
    await new Promise((r) => setTimeout(r, 5));
    await hasher.drained();
    expect(hasher.urgentJobs).toBe(2);
    expect(results).toEqual([
      ['main/u90', { state: 'hashed', digest: sha(body), recorded: true }],
      ['main/u91', { state: 'gone' }],
    ]);
    expect(digestOf(dir, 'u90')).toEqual({ sha256: sha(body), bit: false });
    await hasher.close();
  });

  it('closing does not wait for the backlog: what was not hashed stays marked pending', async () => {
    const dir = mkdir();
    const store = await FsStore.open({ dir, capacity: cap });
    const keys = Array.from({ length: 12 }, (_, i) => `g6${i}`);
    for (const k of keys) expect((await put(store, k, randomBytes(2 * 1024 * 1024))).ok).toBe(true);
    await store.close();
    // Each file is either recorded, or pending with its mark (so the next start queues it).
    for (const k of keys) {
      const d = digestOf(dir, k);
      if (d.sha256 === undefined) expect(d.bit, k).toBe(true);
    }
    const again = await FsStore.open({ dir, capacity: cap });
    await again.ready();
    await again.digestsDrained();
    for (const k of keys) expect(digestOf(dir, k).sha256, k).toBe(sha((await read(again, k))!));
    await again.close();
  });

  it('entries written by the previous format (digest in the JSON) still read and verify', async () => {
    const dir = mkdir();
    const body = randomBytes(400 * 1024);
    const small = randomBytes(1000);
    for (const [key, b] of [
      ['o70', body],
      ['o71', small],
    ] as const) {
      fs.mkdirSync(path.dirname(entryFile(dir, key)), { recursive: true });
      fs.writeFileSync(
        entryFile(dir, key),
        Buffer.concat([encodeHeaderV1({ size: b.length, sha256: sha(b), createdMs: 1 }), b]),
      );
    }
    const store = await FsStore.open({ dir, capacity: cap });
    await store.ready();
    expect(sha((await read(store, 'o70'))!)).toBe(sha(body));
    expect(await read(store, 'o71')).toEqual(small);
    expect((await store.has([ns('main')], h('o70')))?.sha256).toBe(sha(body));
    expect(await verifyStore(store, { remove: false })).toEqual({ checked: 2, pending: 0, unrecorded: 0, corrupt: [] });
    flipByte(entryFile(dir, 'o70'), HEADER_SIZE + 5);
    expect((await verifyStore(store, { remove: false })).corrupt).toMatchObject([{ hash: 'o70', reason: 'CORRUPT' }]);
    await store.close();
  });

  it('kill -9 mid-upload: nothing partial is visible; pending entries are hashed after the restart and verify clean', async () => {
    const dir = mkdir();
    const bodies = new Map(Array.from({ length: 16 }, (_, i) => [`8${i}`, randomBytes(512 * 1024 + i * 131 * 1024)]));
    const first = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    let done = 0;
    const uploads = [...bodies].map(([hash, body]) =>
      request(`${first.url}/v1/cache/${hash}`, { method: 'PUT', body }).then(
        () => done++,
        () => null,
      ),
    );
    while (done < 4) await new Promise((r) => setTimeout(r, 2));
    await first.kill9();
    await Promise.all(uploads);
    const second = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    try {
      let served = 0;
      for (const [hash, body] of bodies) {
        const r = await request(`${second.url}/v1/cache/${hash}`);
        expect([200, 404]).toContain(r.status);
        if (r.status === 200) (served++, expect(sha(r.body), hash).toBe(sha(body)));
      }
      expect(served).toBeGreaterThanOrEqual(4);
      for (let i = 0; i < 500; i++) {
        const metrics = (await request(`${second.url}/metrics`)).body.toString();
        if (/^fleet_cache_pending_digests 0$/m.test(metrics) && /^fleet_cache_index_ready 1$/m.test(metrics)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const [hash, body] of bodies)
        if (fs.existsSync(entryFile(dir, hash)))
          expect(digestOf(dir, hash), hash).toEqual({ sha256: sha(body), bit: false });
    } finally {
      await second.stop();
    }
    expect(fs.readdirSync(path.join(dir, '.tmp'))).toEqual([]);
    const v = spawnSync(process.execPath, [fleetBin(), 'cache', 'verify', '--store', `fs:${dir}`, '--json'], {
      encoding: 'utf8',
    });
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ pending: 0, corrupt: [] });
  });
});
