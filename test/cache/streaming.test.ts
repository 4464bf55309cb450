import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedBody } from './support/generated-body';
import { request } from './support/http-client';
import { startServe, type ServeProcess } from './support/serve-process';

// Full size by default (2 GiB); FLEET_TEST_STREAM_BYTES scales it for slow machines.
const SIZE = Number(process.env.FLEET_TEST_STREAM_BYTES ?? 2 * 1024 ** 3);
// "A few MB": what streaming allows for buffers and V8 noise, independent of SIZE. Measured on
// the 2-core VM with 2 GiB: PUT +17 MiB (spent upload buffers are collected every 8 MiB, see
// cache/gc-pressure.ts), GET +4–8 MiB; the budget leaves room for a busy machine's GC timing.
const RSS_BUDGET = 24 * 1024 * 1024;

function download(url: string): Promise<{ status: number; sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex'), bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('streaming', () => {
  let s: ServeProcess | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-stream-'));
  afterAll(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`a ${(SIZE / 1024 ** 2).toFixed(0)} MiB artifact goes up and down with server memory bounded independently of its size`, async () => {
    s = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    await request(`${s.url}/v1/cache/1`, { method: 'PUT', body: Buffer.alloc(1024 * 1024) }); // warm up
    await download(`${s.url}/v1/cache/1`);
    const baseline = s.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, s!.rss())), 20);
    try {
      const body = generatedBody(SIZE);
      const up = await request(`${s.url}/v1/cache/2`, {
        method: 'PUT',
        headers: { 'content-length': SIZE },
        body: body.stream,
      });
      expect(up.status).toBe(200);
      const down = await download(`${s.url}/v1/cache/2`);
      expect(down.bytes).toBe(SIZE);
      expect(down.sha256).toBe(body.sha256());
    } finally {
      clearInterval(sampler);
    }
    console.log(
      `streaming ${SIZE} bytes: server RSS baseline ${(baseline / 2 ** 20).toFixed(1)} MiB, peak +${((peak - baseline) / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(peak - baseline).toBeLessThan(RSS_BUDGET);
  });
});
