import { describe, expect, it } from 'vitest';
import {
  addDuration,
  decodeSketch,
  emptySketch,
  encodeSketch,
  mergeSketch,
  SKETCH_EXACT_MAX,
  SKETCH_RELATIVE_ERROR,
  sketchCount,
  sketchPercentile,
} from '../../analytics/duration-sketch';
import { percentile } from '../../dashboard/percentile';
import { prng } from './support/generated-workspace';

describe('duration sketch', () => {
  it('invariant: percentiles of merged, stored sketches are exact while small, within 1 % + 0.5 ms above', () => {
    const rand = prng(2026);
    const shapes: Array<() => number> = [
      () => Math.floor(rand() * 10_000),
      () => 2000 + Math.floor(rand() * 8000),
      () => Math.floor(Math.exp(rand() * 16)), // 1 ms .. ~2.5 h, log-uniform
      () => (rand() < 0.9 ? 20 + Math.floor(rand() * 30) : 60_000 + Math.floor(rand() * 600_000)),
      () => Math.floor(rand() * 3), // 0, 1, 2 ms
      () => 1234,
    ];
    let cases = 0;
    let exactCases = 0;
    let maxRelative = 0;
    for (let round = 0; round < 300; round++) {
      const shape = shapes[round % shapes.length];
      const n = 1 + Math.floor(rand() ** 2 * 3000);
      const all = Array.from({ length: n }, shape);
      // Split into parts (records, namespaces, days), each stored and read back, then merged.
      const parts = 1 + Math.floor(rand() * 6);
      const sketches = Array.from({ length: parts }, emptySketch);
      for (const v of all) addDuration(sketches[Math.floor(rand() * parts)], v);
      const merged = emptySketch();
      for (const s of sketches) decodeSketch(encodeSketch(s), merged);
      expect(sketchCount(merged)).toBe(n);
      const sorted = all.slice().sort((a, b) => a - b);
      for (const p of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 1]) {
        const exact = percentile(sorted, p)!;
        const got = sketchPercentile(merged, p)!;
        if (n <= SKETCH_EXACT_MAX) {
          expect(got).toBe(exact);
          exactCases++;
        } else {
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(SKETCH_RELATIVE_ERROR * exact + 0.5);
          if (exact > 0) maxRelative = Math.max(maxRelative, Math.abs(got - exact) / exact);
        }
        cases++;
      }
    }
    console.log(
      `sketch percentiles checked against the exact nearest rank: ${cases} (${exactCases} exact, ` +
        `largest relative error above ${SKETCH_EXACT_MAX}: ${(maxRelative * 100).toFixed(3)} %)`,
    );
    expect(exactCases).toBeGreaterThan(100);
    expect(cases - exactCases).toBeGreaterThan(100);
  });

  it('an empty sketch has no percentile; merging small lists past the limit buckets them', () => {
    expect(sketchPercentile(emptySketch(), 0.5)).toBeNull();
    const a = emptySketch();
    const b = emptySketch();
    for (let i = 0; i < SKETCH_EXACT_MAX; i++) addDuration(a, 1000);
    addDuration(b, 5000);
    mergeSketch(a, b);
    expect(a.values).toBeNull();
    expect(sketchCount(a)).toBe(SKETCH_EXACT_MAX + 1);
    expect(Math.abs(sketchPercentile(a, 1)! - 5000)).toBeLessThanOrEqual(50.5);
    expect(Math.abs(sketchPercentile(a, 0.5)! - 1000)).toBeLessThanOrEqual(10.5);
  });
});
