import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ArtifactMeta, VerifyOutcome } from './types';

/**
 * Small entries live in append-only pack files, `<dir>/.packs/<id>.pack`, not one file each.
 * Creating a file costs 0.2–1 ms of kernel time on the machines this was measured on (journal and
 * directory locks), several times what the rest of a 10 KB PUT costs; an append to an open file
 * costs a few µs, and PUTs that finish receiving while a write is in flight go out together in one
 * `writev` (group commit).
 *
 * A record:
 *
 *   0  u32 magic 'FLPK'       16 u32 meta length        24 u32 CRC-32 of bytes 16..24 + meta
 *   4  u8  state (1 live, 0 dead)                        28 u32 reserved (0)
 *   8  f64 last access (ms)   20 u32 body length         32 meta (JSON) then body
 *
 * Only the state and access time change after a write, in place, and the CRC leaves them out.
 * Writes to a pack are strictly sequential (one in flight), so after a crash a pack is a run of
 * whole records plus at most one torn one at the end: opening the store reads each pack up to its
 * first incomplete or damaged record and ignores the rest (it is not truncated: `fleet cache
 * verify` may open the store while the server is appending to that pack), and a started server
 * appends only to a new pack. An entry is visible (in the index) only once its whole record is
 * written, so no partial entry is ever served. Deleting or evicting an entry marks its record dead
 * (in place, so a running server stops serving a record `verify --remove` marked); a sealed pack
 * that is more than half dead is compacted by the server (its live records copied to the active
 * pack, then the file removed).
 */
export const PACK_DIR = '.packs';
const MAGIC = 0x4b504c46; // 'FLPK' little-endian
const FIXED = 32;
const LIVE = 1;
const DEAD = 0;
/** A pack is sealed (a new one started) once it is this large. */
export const PACK_ROTATE = 64 * 1024 * 1024;
/** One `writev` carries at most this many records' buffers. */
const MAX_BATCH_BUFFERS = 512;
/** A sealed pack with more than this share of dead bytes is compacted. */
const COMPACT_DEAD_SHARE = 0.5;

/** The meta of a record, as stored. */
interface RecordMeta {
  ns: string;
  hash: string;
  sha256: string;
  tag?: string;
  durationMs?: number;
  createdMs: number;
}

/** One pack file. `size` is the end of the last complete record. */
class Pack {
  dead = 0;
  readers = 0;
  removed = false;
  readonly keys = new Set<string>();
  constructor(
    readonly id: number,
    readonly file: string,
    readonly fd: number,
    public size: number,
  ) {}

  /** Closes the descriptor once no read is using it (a closed fd number could be reused by another file). */
  release(): void {
    if (this.removed && this.readers === 0) fs.close(this.fd, () => undefined);
  }
}

/** Where a record is. */
export interface PackLoc {
  pack: Pack;
  offset: number;
  /** Whole record: fixed part, meta and body. */
  length: number;
}

export interface LoadedRecord {
  key: string;
  size: number;
  accessMs: number;
}

type Queued = { bufs: Buffer[]; length: number; done: (err: Error | null, pack?: Pack, offset?: number) => void };

/** The packs of one fs store directory, their records' locations, and the one writer. */
export class PackSet {
  private readonly packs = new Map<number, Pack>();
  private readonly locs = new Map<string, PackLoc>();
  private active: Pack | undefined;
  private nextId: number;
  private queue: Queued[] = [];
  private writing = false;
  private idle: Array<() => void> = [];
  private compacting = false;
  private closed = false;

  private constructor(
    private readonly dir: string,
    maxId: number,
    private readonly rotateBytes: number,
    private readonly maintain: boolean,
  ) {
    this.nextId = maxId + 1;
  }

  /** Opens every pack, drops torn tails, and returns the live records for the index. */
  /** `maintain`: this process owns the store (the server) and may compact packs. */
  static async open(
    root: string,
    opts: { rotateBytes?: number; maintain?: boolean } = {},
  ): Promise<{ packs: PackSet; loaded: LoadedRecord[] }> {
    const dir = path.join(root, PACK_DIR);
    await fsp.mkdir(dir, { recursive: true });
    const ids = (await fsp.readdir(dir))
      .map((n) => /^(\d+)\.pack$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const set = new PackSet(
      dir,
      ids.length > 0 ? ids[ids.length - 1] : 0,
      opts.rotateBytes ?? PACK_ROTATE,
      opts.maintain ?? true,
    );
    const found = new Map<string, LoadedRecord>();
    for (const id of ids) {
      const file = path.join(dir, `${id}.pack`);
      const fd = await openFd(file, 'r+');
      const scanned = await scanPack(fd);
      const pack = new Pack(id, file, fd, scanned.end);
      pack.dead = scanned.dead;
      set.packs.set(id, pack);
      for (const rec of scanned.records) {
        // The same key twice: a compaction copied it and the server died before removing the
        // old pack. Later packs win; the earlier copy is dead space.
        const before = set.locs.get(rec.key);
        if (before) set.forget(rec.key, before);
        const loc: PackLoc = { pack, offset: rec.offset, length: rec.length };
        set.locs.set(rec.key, loc);
        pack.keys.add(rec.key);
        found.set(rec.key, { key: rec.key, size: rec.length, accessMs: rec.accessMs });
      }
    }
    set.compactSoon();
    return { packs: set, loaded: [...found.values()] };
  }

  has(key: string): boolean {
    return this.locs.has(key);
  }

  keys(): IterableIterator<string> {
    return this.locs.keys();
  }

  /** Appends a record; resolves once it is written, then the key is visible. */
  append(
    ns: string,
    hash: string,
    meta: ArtifactMeta & { sha256: string },
    body: Buffer,
    accessMs: number,
  ): Promise<number> {
    const head = encodeHead(
      { ns, hash, sha256: meta.sha256, tag: meta.tag, durationMs: meta.durationMs, createdMs: meta.createdMs },
      body.length,
      accessMs,
    );
    const key = `${ns}/${hash}`;
    return new Promise((resolve, reject) => {
      this.enqueue([head, body], head.length + body.length, (err, pack, offset) => {
        if (err) return reject(err);
        this.place(key, { pack: pack!, offset: offset!, length: head.length + body.length });
        resolve(head.length + body.length);
      });
    });
  }

  /** Reads a live record: its meta and body, or null when it is gone or damaged. */
  async read(key: string): Promise<{ meta: ArtifactMeta; body: Buffer } | null> {
    // Twice at most: a compaction may move the record while it is being read.
    for (let attempt = 0; attempt < 2; attempt++) {
      const loc = this.locs.get(key);
      if (!loc) return null;
      const buf = await this.readRaw(loc);
      const rec = buf && decodeRecord(buf);
      if (rec && rec.live) return { meta: rec.meta, body: rec.body };
      if (this.locs.get(key) === loc) return null;
    }
    return null;
  }

  /** Re-hashes a record's body against the recorded SHA-256. */
  async verify(key: string): Promise<VerifyOutcome> {
    const loc = this.locs.get(key);
    if (!loc) return { ok: false, reason: 'UNREADABLE', message: 'entry vanished' };
    const buf = await this.readRaw(loc);
    if (!buf) return { ok: false, reason: 'UNREADABLE', message: 'pack record unreadable' };
    const rec = decodeRecord(buf);
    if (!rec) return { ok: false, reason: 'CORRUPT', message: 'pack record header damaged' };
    if (!rec.live) return { ok: false, reason: 'UNREADABLE', message: 'entry vanished' };
    const actual = createHash('sha256').update(rec.body).digest('hex');
    return actual === rec.meta.sha256
      ? { ok: true }
      : { ok: false, reason: 'CORRUPT', message: `sha256 ${actual} does not match recorded ${rec.meta.sha256}` };
  }

  /** Marks a record dead (deleted or evicted); resolves once the mark is written. */
  remove(key: string): Promise<boolean> {
    const loc = this.locs.get(key);
    if (!loc) return Promise.resolve(false);
    this.forget(key, loc);
    this.compactSoon();
    return this.pwrite(loc.pack, Buffer.from([DEAD]), loc.offset + 4).then(
      () => true,
      () => true, // the pack went away (compacted): the record is gone either way
    );
  }

  /** Records a read's time in the record, so the LRU order survives a restart. */
  touch(key: string, accessMs: number): void {
    const loc = this.locs.get(key);
    if (!loc) return;
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleLE(accessMs, 0);
    this.pwrite(loc.pack, b, loc.offset + 8).catch(() => undefined);
  }

  /** Waits for queued writes, then closes every pack. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing || this.compacting) await new Promise<void>((r) => this.idle.push(r));
    for (const p of this.packs.values()) {
      p.removed = true;
      p.release();
    }
    this.packs.clear();
  }

  private place(key: string, loc: PackLoc): void {
    this.locs.set(key, loc);
    loc.pack.keys.add(key);
  }

  private forget(key: string, loc: PackLoc): void {
    if (this.locs.get(key) === loc) this.locs.delete(key);
    loc.pack.keys.delete(key);
    loc.pack.dead += loc.length;
  }

  private async readRaw(loc: PackLoc): Promise<Buffer | null> {
    const pack = loc.pack;
    if (pack.removed) return null;
    pack.readers++;
    try {
      const buf = Buffer.allocUnsafe(loc.length);
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(pack.fd, buf, 0, loc.length, loc.offset, (e, got) => (e ? reject(e) : resolve(got))),
      );
      return n === loc.length ? buf : null;
    } catch {
      return null;
    } finally {
      pack.readers--;
      pack.release();
    }
  }

  private pwrite(pack: Pack, b: Buffer, position: number): Promise<void> {
    if (pack.removed) return Promise.reject(new Error('pack removed'));
    pack.readers++;
    return new Promise<void>((resolve, reject) =>
      fs.write(pack.fd, b, 0, b.length, position, (e) => {
        pack.readers--;
        pack.release();
        if (e) reject(e);
        else resolve();
      }),
    );
  }

  private enqueue(bufs: Buffer[], length: number, done: Queued['done']): void {
    this.queue.push({ bufs, length, done });
    if (!this.writing) void this.drainQueue();
  }

  /** The one writer: everything queued goes out in as few `writev` calls as it takes. */
  private async drainQueue(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        let pack: Pack;
        try {
          pack = await this.writablePack();
        } catch (err) {
          for (const q of this.queue.splice(0)) q.done(err as Error);
          break;
        }
        const batch: Queued[] = [];
        const bufs: Buffer[] = [];
        while (this.queue.length > 0 && bufs.length + this.queue[0].bufs.length <= MAX_BATCH_BUFFERS) {
          const q = this.queue.shift()!;
          batch.push(q);
          bufs.push(...q.bufs);
        }
        const start = pack.size;
        try {
          await writevAll(pack.fd, bufs, start);
        } catch (err) {
          // The tail of this pack is unknown now: seal it (the next open truncates the tail).
          this.active = undefined;
          for (const q of batch) q.done(err as Error);
          continue;
        }
        let pos = start;
        for (const q of batch) {
          q.done(null, pack, pos);
          pos += q.length;
        }
        pack.size = pos;
      }
    } finally {
      this.writing = false;
      this.idle.splice(0).forEach((f) => f());
    }
  }

  private async writablePack(): Promise<Pack> {
    if (this.active && this.active.size < this.rotateBytes) return this.active;
    if (this.active) this.compactSoon();
    for (;;) {
      const id = this.nextId++;
      const file = path.join(this.dir, `${id}.pack`);
      try {
        // O_EXCL: another process (`fleet cache verify`) never shares a pack with this one.
        const fd = await openFd(file, 'wx+');
        const pack = new Pack(id, file, fd, 0);
        this.packs.set(id, pack);
        this.active = pack;
        return pack;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  private compactSoon(): void {
    if (this.compacting || this.closed || !this.maintain) return;
    const victim = [...this.packs.values()].find(
      (p) => p !== this.active && !p.removed && p.size > 0 && p.dead > p.size * COMPACT_DEAD_SHARE,
    );
    if (!victim) return;
    this.compacting = true;
    void this.compact(victim)
      .catch(() => undefined)
      .finally(() => {
        this.compacting = false;
        this.idle.splice(0).forEach((f) => f());
        setImmediate(() => this.compactSoon());
      });
  }

  /** Copies a pack's live records to the active pack, then removes the pack file. */
  private async compact(pack: Pack): Promise<void> {
    for (const key of [...pack.keys]) {
      const loc = this.locs.get(key);
      if (!loc || loc.pack !== pack) continue;
      const raw = await this.readRaw(loc);
      const rec = raw && decodeRecord(raw);
      if (!raw || !rec || !rec.live) {
        this.forget(key, loc);
        continue;
      }
      const copied = await new Promise<{ pack: Pack; offset: number }>((resolve, reject) =>
        this.enqueue([raw], raw.length, (err, p, offset) =>
          err ? reject(err) : resolve({ pack: p!, offset: offset! }),
        ),
      );
      const now = this.locs.get(key);
      if (now === loc) {
        pack.keys.delete(key);
        this.place(key, { pack: copied.pack, offset: copied.offset, length: raw.length });
      } else {
        // Deleted while it was being copied: the copy is dead too.
        copied.pack.dead += raw.length;
        await this.pwrite(copied.pack, Buffer.from([DEAD]), copied.offset + 4).catch(() => undefined);
      }
    }
    if (pack.keys.size > 0) return;
    this.packs.delete(pack.id);
    pack.removed = true;
    await fsp.unlink(pack.file).catch(() => undefined);
    pack.release();
  }
}

function openFd(file: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, 0o644, (e, fd) => (e ? reject(e) : resolve(fd))));
}

function writevAll(fd: number, bufs: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Buffer[], pos: number): void =>
      fs.writev(fd, rest, pos, (err, n) => {
        if (err) return reject(err);
        let left = n;
        let i = 0;
        while (i < rest.length && left >= rest[i].length) left -= rest[i++].length;
        const next = rest.slice(i);
        if (next.length > 0 && left > 0) next[0] = next[0].subarray(left);
        if (next.length === 0) resolve();
        else step(next, pos + n);
      });
    step(bufs, position);
  });
}

function encodeHead(meta: RecordMeta, bodyLength: number, accessMs: number): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(FIXED + json.length);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(LIVE, 4); // state byte, then three zero bytes
  head.writeDoubleLE(accessMs, 8);
  head.writeUInt32LE(json.length, 16);
  head.writeUInt32LE(bodyLength, 20);
  json.copy(head, FIXED);
  head.writeUInt32LE(headCrc(head, json.length), 24);
  head.writeUInt32LE(0, 28);
  return head;
}

function headCrc(buf: Buffer, metaLength: number): number {
  return crc32(buf.subarray(FIXED, FIXED + metaLength), crc32(buf.subarray(16, 24)));
}

/** A whole record in `buf` (exactly one), or null when its header does not check out. */
function decodeRecord(buf: Buffer): { live: boolean; meta: ArtifactMeta; body: Buffer } | null {
  if (buf.length < FIXED || buf.readUInt32LE(0) !== MAGIC) return null;
  const metaLength = buf.readUInt32LE(16);
  const bodyLength = buf.readUInt32LE(20);
  if (FIXED + metaLength + bodyLength !== buf.length || headCrc(buf, metaLength) !== buf.readUInt32LE(24)) return null;
  let m: RecordMeta;
  try {
    m = JSON.parse(buf.toString('utf8', FIXED, FIXED + metaLength)) as RecordMeta;
  } catch {
    return null;
  }
  const meta: ArtifactMeta = {
    size: bodyLength,
    sha256: m.sha256,
    tag: m.tag,
    durationMs: m.durationMs,
    createdMs: m.createdMs,
  };
  return { live: buf[4] === LIVE, meta, body: buf.subarray(FIXED + metaLength) };
}

/**
 * Walks a pack's records from the start, reading 64 KiB windows (several small records each).
 * Stops at the first record that is incomplete or whose header fails its CRC (`end`).
 */
async function scanPack(fd: number): Promise<{
  records: Array<{ key: string; offset: number; length: number; accessMs: number }>;
  dead: number;
  end: number;
}> {
  const fileSize = (await new Promise<fs.Stats>((r, j) => fs.fstat(fd, (e, st) => (e ? j(e) : r(st))))).size;
  const records: Array<{ key: string; offset: number; length: number; accessMs: number }> = [];
  let dead = 0;
  let win = Buffer.alloc(0);
  let winStart = 0;
  const load = async (pos: number, need: number): Promise<boolean> => {
    if (pos >= winStart && pos + need <= winStart + win.length) return true;
    if (pos + need > fileSize) return false;
    const len = Math.min(Math.max(need, 64 * 1024), fileSize - pos);
    const b = Buffer.allocUnsafe(len);
    const n = await new Promise<number>((r, j) => fs.read(fd, b, 0, len, pos, (e, got) => (e ? j(e) : r(got))));
    win = b.subarray(0, n);
    winStart = pos;
    return n >= need;
  };
  let pos = 0;
  while (pos < fileSize) {
    if (!(await load(pos, FIXED))) break;
    const at = pos - winStart;
    if (win.readUInt32LE(at) !== MAGIC) break;
    const metaLength = win.readUInt32LE(at + 16);
    const bodyLength = win.readUInt32LE(at + 20);
    const length = FIXED + metaLength + bodyLength;
    if (metaLength > 64 * 1024 || pos + length > fileSize) break;
    if (!(await load(pos, FIXED + metaLength))) break;
    const a = pos - winStart;
    const head = win.subarray(a, a + FIXED + metaLength);
    if (headCrc(head, metaLength) !== head.readUInt32LE(24)) break;
    if (head[4] === LIVE) {
      let m: RecordMeta;
      try {
        m = JSON.parse(head.toString('utf8', FIXED)) as RecordMeta;
      } catch {
        break;
      }
      records.push({ key: `${m.ns}/${m.hash}`, offset: pos, length, accessMs: head.readDoubleLE(8) });
    } else dead += length;
    pos += length;
  }
  return { records, dead, end: pos };
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(buf: Buffer, seed = 0): number {
  let c = ~seed;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
