import type { StoreUsage } from './types';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** One finished request, as the server reports it to metrics and to the log. */
export interface RequestRecord {
  route: string;
  method: string;
  status: number;
  seconds: number;
  bytesIn: number;
  bytesOut: number;
  /** `hit` / `miss` for reads of an artifact; undefined otherwise. */
  lookup?: 'hit' | 'miss';
  protocol?: 'nx' | 'turbo';
  /** The upload's body was read straight from the socket (socket-body.ts). */
  direct?: boolean;
}

/** Counters for `/metrics` (Prometheus text format 0.0.4). Owned by one server instance. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly lookups = new Map<string, number>();
  private bytesIn = 0;
  private bytesOut = 0;
  private evictedEntries = 0;
  private evictedBytes = 0;
  private directUploads = 0;

  record(r: RequestRecord): void {
    const key = `route="${r.route}",method="${r.method}",status="${r.status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(r.route);
    if (!h) this.latency.set(r.route, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (r.seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += r.seconds;
    h.count++;
    this.bytesIn += r.bytesIn;
    this.bytesOut += r.bytesOut;
    if (r.direct) this.directUploads++;
    if (r.lookup) {
      const k = `${r.lookup}|${r.protocol ?? 'nx'}`;
      this.lookups.set(k, (this.lookups.get(k) ?? 0) + 1);
    }
  }

  evicted(entries: number, bytes: number): void {
    this.evictedEntries += entries;
    this.evictedBytes += bytes;
  }

  render(usage: StoreUsage): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    metric(
      'fleet_cache_requests_total',
      'counter',
      'HTTP requests by route, method and status.',
      [...this.requests].map(([k, v]) => `fleet_cache_requests_total{${k}} ${v}`),
    );
    for (const [kind, name] of [
      ['hit', 'fleet_cache_hits_total'],
      ['miss', 'fleet_cache_misses_total'],
    ] as const) {
      const lines = [...this.lookups]
        .filter(([k]) => k.startsWith(`${kind}|`))
        .map(([k, v]) => `${name}{protocol="${k.split('|')[1]}"} ${v}`);
      metric(name, 'counter', `Artifact lookups that were a ${kind}.`, lines);
    }
    metric('fleet_cache_bytes_in_total', 'counter', 'Request body bytes received.', [
      `fleet_cache_bytes_in_total ${this.bytesIn}`,
    ]);
    metric('fleet_cache_bytes_out_total', 'counter', 'Response body bytes sent.', [
      `fleet_cache_bytes_out_total ${this.bytesOut}`,
    ]);
    metric(
      'fleet_cache_direct_uploads_total',
      'counter',
      'Uploads whose body was read straight from the socket, around the HTTP parser (--direct-uploads).',
      [`fleet_cache_direct_uploads_total ${this.directUploads}`],
    );
    metric('fleet_cache_evictions_total', 'counter', 'Entries removed by LRU eviction.', [
      `fleet_cache_evictions_total ${this.evictedEntries}`,
    ]);
    metric('fleet_cache_evicted_bytes_total', 'counter', 'Bytes removed by LRU eviction.', [
      `fleet_cache_evicted_bytes_total ${this.evictedBytes}`,
    ]);
    metric('fleet_cache_store_bytes', 'gauge', 'Bytes held by the store.', [`fleet_cache_store_bytes ${usage.bytes}`]);
    metric('fleet_cache_store_entries', 'gauge', 'Entries held by the store.', [
      `fleet_cache_store_entries ${usage.entries}`,
    ]);
    metric(
      'fleet_cache_pending_digests',
      'gauge',
      'Large entries stored whose SHA-256 the background hasher has not recorded yet.',
      [`fleet_cache_pending_digests ${usage.pendingDigests ?? 0}`],
    );
    metric('fleet_cache_index_ready', 'gauge', '1 once the store index has loaded.', [
      `fleet_cache_index_ready ${usage.indexReady ? 1 : 0}`,
    ]);
    metric('fleet_cache_request_duration_seconds', 'histogram', 'Request latency by route.', this.histogramLines());
    return out.join('\n') + '\n';
  }

  private histogramLines(): string[] {
    const lines: string[] = [];
    for (const [route, h] of this.latency) {
      BUCKETS.forEach((b, i) =>
        lines.push(`fleet_cache_request_duration_seconds_bucket{route="${route}",le="${b}"} ${h.counts[i]}`),
      );
      lines.push(`fleet_cache_request_duration_seconds_bucket{route="${route}",le="+Inf"} ${h.count}`);
      lines.push(`fleet_cache_request_duration_seconds_sum{route="${route}"} ${h.sum}`);
      lines.push(`fleet_cache_request_duration_seconds_count{route="${route}"} ${h.count}`);
    }
    return lines;
  }
}
