/**
 * A mergeable record of durations for percentiles: exact while small, then a histogram with a
 * bounded relative error (the DDSketch bucketing).
 *
 * - Up to {@link SKETCH_EXACT_MAX} durations, the durations themselves: percentiles are exact.
 * - Above, buckets: a duration x ≥ 1 ms falls in bucket 1 + ceil(log_γ x), γ = (1 + α) / (1 − α),
 *   and a bucket stands for 2γⁱ / (γ + 1), within α of every value in it. Buckets keep the order
 *   of the values, so the nearest-rank percentile of the counts is the bucket of the exact
 *   nearest-rank value: the estimate is within α (1 %) of it, then rounded to whole ms (± 0.5 ms).
 *
 * Durations below 0 (a clock that went back) count as 0. Merging is adding counts (or joining
 * lists while the total stays small): a sum over namespaces or days has the same bound.
 */
export const SKETCH_RELATIVE_ERROR = 0.01;
export const SKETCH_EXACT_MAX = 256;
const GAMMA = (1 + SKETCH_RELATIVE_ERROR) / (1 - SKETCH_RELATIVE_ERROR);
const LN_GAMMA = Math.log(GAMMA);

export interface DurationSketch {
  /** The durations, while there are at most SKETCH_EXACT_MAX; null once bucketed. */
  values: number[] | null;
  /** Bucket → count (bucket 0: durations of 0; bucket i ≥ 1: (γ^(i−2), γ^(i−1)]). */
  buckets: Map<number, number>;
}

export function emptySketch(): DurationSketch {
  return { values: [], buckets: new Map() };
}

function bucketOf(ms: number): number {
  return ms <= 0 ? 0 : 1 + Math.max(0, Math.ceil(Math.log(ms) / LN_GAMMA));
}

function valueOf(bucket: number): number {
  return bucket === 0 ? 0 : (2 * GAMMA ** (bucket - 1)) / (GAMMA + 1);
}

function bucketize(s: DurationSketch): void {
  if (!s.values) return;
  for (const v of s.values) {
    const b = bucketOf(v);
    s.buckets.set(b, (s.buckets.get(b) ?? 0) + 1);
  }
  s.values = null;
}

export function addDuration(s: DurationSketch, ms: number): void {
  const v = Math.max(0, Math.round(ms));
  if (s.values && s.values.length < SKETCH_EXACT_MAX) {
    s.values.push(v);
    return;
  }
  bucketize(s);
  const b = bucketOf(v);
  s.buckets.set(b, (s.buckets.get(b) ?? 0) + 1);
}

export function sketchCount(s: DurationSketch): number {
  if (s.values) return s.values.length;
  let n = 0;
  for (const c of s.buckets.values()) n += c;
  return n;
}

export function mergeSketch(into: DurationSketch, from: DurationSketch): void {
  if (into.values && from.values && into.values.length + from.values.length <= SKETCH_EXACT_MAX) {
    into.values.push(...from.values);
    return;
  }
  bucketize(into);
  if (from.values) for (const v of from.values) addDuration(into, v);
  else for (const [b, n] of from.buckets) into.buckets.set(b, (into.buckets.get(b) ?? 0) + n);
}

/** The nearest-rank percentile (p in 0..1), whole ms, or null for an empty sketch. */
export function sketchPercentile(s: DurationSketch, p: number): number | null {
  const total = sketchCount(s);
  if (!total) return null;
  const rank = Math.min(total, Math.max(1, Math.ceil(p * total)));
  if (s.values) return s.values.slice().sort((a, b) => a - b)[rank - 1];
  let seen = 0;
  for (const b of [...s.buckets.keys()].sort((x, y) => x - y)) {
    seen += s.buckets.get(b)!;
    if (seen >= rank) return Math.round(valueOf(b));
  }
  return null;
}

/**
 * Bytes: a tag (0: values, 1: buckets), then varints: the sorted values' deltas, or pairs of
 * (bucket delta, count). A day's sketch is a few hundred bytes.
 */
export function encodeSketch(s: DurationSketch): Buffer {
  const out: number[] = [s.values ? 0 : 1];
  const varint = (v: number): void => {
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
  };
  let prev = 0;
  if (s.values)
    for (const v of s.values.slice().sort((a, b) => a - b)) {
      varint(v - prev);
      prev = v;
    }
  else
    for (const b of [...s.buckets.keys()].sort((x, y) => x - y)) {
      varint(b - prev);
      varint(s.buckets.get(b)!);
      prev = b;
    }
  return Buffer.from(out);
}

/** Decodes a stored sketch, merged into `into` when given. */
export function decodeSketch(buf: Uint8Array, into?: DurationSketch): DurationSketch {
  let i = 1;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = buf[i++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 0x80;
    }
  };
  const s = emptySketch();
  let prev = 0;
  if (buf[0] === 0) while (i < buf.length) s.values!.push((prev += varint()));
  else {
    s.values = null;
    while (i < buf.length) {
      prev += varint();
      s.buckets.set(prev, varint());
    }
  }
  if (!into) return s;
  mergeSketch(into, s);
  return into;
}
