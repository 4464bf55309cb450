import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoad } from './support/load-run';
import { startServe, type ServeProcess } from './support/serve-process';

// The documented shape is 200 clients × 10,000 requests (FLEET_LOAD_REQUESTS=10000); CI runs
// fewer requests of the same shape to stay within the suite's time budget.
const REQUESTS = Number(process.env.FLEET_LOAD_REQUESTS ?? 2000);
const CLIENTS = Number(process.env.FLEET_LOAD_CLIENTS ?? 200);

describe('load', () => {
  let s: ServeProcess | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-load-'));
  afterAll(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${CLIENTS} concurrent clients, ${REQUESTS} mixed GET/PUT of 1 KB to 5 MB: no errors, no mismatches, flat memory`, async () => {
    s = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    const rss: number[] = [];
    const report = await runLoad({
      url: s.url,
      clients: CLIENTS,
      requests: REQUESTS,
      minBytes: 1024,
      maxBytes: 5 * 1024 * 1024,
      onProgress: () => rss.push(s!.rss()),
    });
    rss.push(s.rss());
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
    console.log(
      `load: ${report.requests} requests (${report.gets} GET, ${report.puts} PUT) by ${CLIENTS} clients in ${report.seconds.toFixed(1)} s: ` +
        `${(report.requests / report.seconds).toFixed(0)} req/s, p50 ${report.p50ms.toFixed(1)} ms, p99 ${report.p99ms.toFixed(1)} ms; ` +
        `server RSS ${rss.map(mib).join(' → ')} MiB`,
    );
    expect(report.errors.slice(0, 5)).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.requests).toBe(REQUESTS);
    // Flat: after the first quarter, memory may wobble but not grow with the request count.
    const settled = rss[Math.floor(rss.length / 4)];
    expect(rss[rss.length - 1] - settled).toBeLessThan(96 * 2 ** 20);
  });
});
