import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';

export interface LoadOptions {
  url: string;
  clients: number;
  requests: number;
  minBytes: number;
  maxBytes: number;
  /** Called every `sampleEvery` completed requests (e.g. to sample server memory). */
  onProgress?: (done: number) => void;
}

export interface LoadReport {
  requests: number;
  errors: string[];
  mismatches: number;
  seconds: number;
  p50ms: number;
  p99ms: number;
  gets: number;
  puts: number;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * `clients` concurrent keep-alive clients issue `requests` mixed GET/PUT requests over a set of
 * keys whose bodies range log-uniformly from minBytes to maxBytes. Every GET 200 body is checked
 * against what was uploaded for that key.
 */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const bodies = Array.from({ length: 48 }, (_, i) =>
    randomBytes(Math.round(o.minBytes * (o.maxBytes / o.minBytes) ** (i / 47))),
  );
  const digests = bodies.map(sha);
  const keys = Math.max(50, Math.floor(o.requests / 4));
  const stored = new Set<number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients });
  const latencies: number[] = [];
  const report: LoadReport = {
    requests: 0,
    errors: [],
    mismatches: 0,
    seconds: 0,
    p50ms: 0,
    p99ms: 0,
    gets: 0,
    puts: 0,
  };
  let issued = 0;
  const started = performance.now();
  const client = async (): Promise<void> => {
    while (issued < o.requests) {
      const n = issued++;
      const key = Math.floor(Math.random() * keys);
      const body = bodies[key % bodies.length];
      const isPut = !stored.has(key) || Math.random() < 0.2;
      const t0 = performance.now();
      const r = await once(agent, `${o.url}/v1/cache/${100000 + key}`, isPut ? body : undefined).catch((e: Error) => ({
        status: -1,
        body: Buffer.from(e.message),
      }));
      latencies.push(performance.now() - t0);
      report.requests++;
      if (isPut) {
        report.puts++;
        if (r.status === 200 || r.status === 409) stored.add(key);
        else report.errors.push(`PUT ${key}: ${r.status} ${r.body.toString().slice(0, 100)}`);
      } else {
        report.gets++;
        if (r.status !== 200) report.errors.push(`GET ${key}: ${r.status}`);
        else if (sha(r.body) !== digests[key % bodies.length]) report.mismatches++;
      }
      if (n % 500 === 0) o.onProgress?.(n);
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  agent.destroy();
  report.seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  report.p50ms = latencies[Math.floor(latencies.length * 0.5)];
  report.p99ms = latencies[Math.floor(latencies.length * 0.99)];
  return report;
}

function once(agent: http.Agent, url: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        agent,
        method: body ? 'PUT' : 'GET',
        headers: body ? { 'content-length': body.length, 'content-type': 'application/octet-stream' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
