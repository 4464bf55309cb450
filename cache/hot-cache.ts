import type { ArtifactMeta } from './types';

/**
 * Small entries kept in memory, least recently used dropped first, within a byte budget. Safe
 * because entries are immutable once written (first writer wins); the store drops a key here
 * whenever it deletes or evicts it. This takes the four file-system round trips of a small GET
 * off the hot path.
 */
export class HotCache {
  private readonly map = new Map<string, { meta: ArtifactMeta; buffer: Buffer }>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(key: string): { meta: ArtifactMeta; buffer: Buffer } | undefined {
    const e = this.map.get(key);
    if (e) {
      this.map.delete(key);
      this.map.set(key, e);
    }
    return e;
  }

  set(key: string, meta: ArtifactMeta, buffer: Buffer): void {
    if (buffer.length > this.budget / 16 || this.map.has(key)) return;
    this.map.set(key, { meta, buffer });
    this.bytes += buffer.length;
    for (const [k, e] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= e.buffer.length;
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.buffer.length;
  }
}
