/** One entry as the index knows it. */
export interface IndexedEntry {
  size: number;
  /** Last access (ms since epoch): a read or the write. */
  accessMs: number;
}

/**
 * Entries in least-recently-used order with running totals. A Map keeps insertion order, so
 * "touch" is delete + set and the oldest entry is always the first: O(1) for every operation,
 * which keeps 100,000+ entries cheap.
 */
export class LruIndex {
  private readonly map = new Map<string, IndexedEntry>();
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): IndexedEntry | undefined {
    return this.map.get(key);
  }

  /** Adds or replaces an entry as the most recently used. */
  add(key: string, entry: IndexedEntry): void {
    this.remove(key);
    this.map.set(key, entry);
    this.total += entry.size;
  }

  /** Marks an entry as just used; returns the access time it had before (or undefined). */
  touch(key: string, nowMs: number): number | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    const before = e.accessMs;
    this.map.delete(key);
    e.accessMs = nowMs;
    this.map.set(key, e);
    return before;
  }

  remove(key: string): IndexedEntry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.total -= e.size;
    return e;
  }

  /** Least recently used first. Safe to remove the yielded key while iterating. */
  *oldest(): IterableIterator<[string, IndexedEntry]> {
    yield* this.map.entries();
  }

  /**
   * Inserts entries found on disk at start-up, oldest access first, *before* anything the server
   * indexed since it started (those were used more recently), unless already known.
   */
  mergeLoaded(loaded: Array<[string, IndexedEntry]>): void {
    loaded.sort((a, b) => a[1].accessMs - b[1].accessMs);
    const live = [...this.map.entries()];
    this.map.clear();
    this.total = 0;
    const liveKeys = new Set(live.map(([k]) => k));
    for (const [k, e] of loaded) if (!liveKeys.has(k)) this.add(k, e);
    for (const [k, e] of live) this.add(k, e);
  }
}
