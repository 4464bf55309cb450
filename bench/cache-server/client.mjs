// The one HTTP client every server is measured with: node:http, keep-alive, bodies consumed
// without copying or hashing so that the client costs the same for all.
import * as http from 'node:http';

function once(agent, url, method, body) {
  return new Promise((resolve, reject) => {
    const headers = { authorization: 'Bearer bench-token-0123456789' };
    if (body) Object.assign(headers, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    const req = http.request(url, { agent, method, headers }, (res) => {
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes: n }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `count` requests at `concurrency`; returns req/s, MB/s, p50/p99 and any non-2xx. */
export async function measure({ concurrency, count, request }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const lat = [];
  let next = 0;
  let bytes = 0;
  const bad = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const { url, method, body } = request(i);
        const s = performance.now();
        const r = await once(agent, url, method, body);
        lat.push(performance.now() - s);
        bytes += body ? body.length : r.bytes;
        if (r.status < 200 || r.status > 299) bad.push(`${method} ${r.status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return {
    rps: count / seconds,
    mbps: bytes / 1e6 / seconds,
    p50: lat[Math.floor(lat.length / 2)],
    p99: lat[Math.floor(lat.length * 0.99)],
    errors: bad.length,
    firstError: bad[0],
  };
}
