import type { CachePage } from './types';

/** Parses Prometheus text: sums every sample of a metric name over its labels. */
export function sumSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out.set(m[1], (out.get(m[1]) ?? 0) + v);
  }
  return out;
}

/** The cache page: the cache server's `/metrics` (cache/metrics.ts names), fetched on each request. */
export async function fetchCachePage(url: string, timeoutMs = 3000): Promise<CachePage> {
  const res = await fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`);
  const s = sumSamples(await res.text());
  const hits = s.get('fleet_cache_hits_total') ?? 0;
  const misses = s.get('fleet_cache_misses_total') ?? 0;
  return {
    url,
    hits,
    misses,
    hitRate: hits + misses ? hits / (hits + misses) : null,
    bytesIn: s.get('fleet_cache_bytes_in_total') ?? 0,
    bytesOut: s.get('fleet_cache_bytes_out_total') ?? 0,
    storeBytes: s.get('fleet_cache_store_bytes') ?? 0,
    storeEntries: s.get('fleet_cache_store_entries') ?? 0,
    evictions: s.get('fleet_cache_evictions_total') ?? 0,
    evictedBytes: s.get('fleet_cache_evicted_bytes_total') ?? 0,
  };
}
