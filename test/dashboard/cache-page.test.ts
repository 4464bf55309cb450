import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, sumSamples, type CachePage, type RunningDashboard } from '../../dashboard';
import { launchChromium, saveScreenshot } from '../rig';
import { startServe, type ServeProcess } from '../cache/support/serve-process';
import { createTokens } from '../cache/support/tokens';
import { knownStore } from './support/known-runs';

/** The cache page against a real `fleet cache serve`: 2 entries stored, 3 hits, 2 misses. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dash-cache-'));
let serve: ServeProcess;
let dash: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  const tokensFile = path.join(dir, 'tokens.json');
  const { ci } = createTokens(tokensFile, { ci: ['--write', 'main'] });
  serve = await startServe(['--store', `fs:${path.join(dir, 'cache')}`, '--tokens', tokensFile]);
  const call = (method: string, hash: string, body?: Buffer) =>
    fetch(`${serve.url}/v1/cache/${hash}`, {
      method,
      headers: { authorization: `Bearer ${ci}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      body,
    });
  expect((await call('PUT', 'aaa111', Buffer.alloc(3000, 1))).status).toBe(200);
  expect((await call('PUT', 'bbb222', Buffer.alloc(5000, 2))).status).toBe(200);
  for (const h of ['aaa111', 'aaa111', 'bbb222']) expect((await call('GET', h)).status).toBe(200);
  for (const h of ['ccc333', 'ddd444']) expect((await call('GET', h)).status).toBe(404);
  const k = knownStore();
  dash = await startDashboard({ store: k.open(), port: 0, cacheUrl: serve.url });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await serve?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the cache page (fleet dashboard --cache-url)', () => {
  it("shows the cache server's hit rate, traffic and store size as its /metrics gives them", async () => {
    const metrics = sumSamples(await (await fetch(`${serve.url}/metrics`)).text());
    const c = (await (await fetch(`${dash.url}api/cache`)).json()) as CachePage;
    expect(c).toMatchObject({ hits: 3, misses: 2, hitRate: 0.6, storeEntries: 2, evictions: 0 });
    expect(c.storeBytes).toBe(metrics.get('fleet_cache_store_bytes'));
    expect(c.storeBytes).toBeGreaterThan(0);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${dash.url}#/cache`);
    await page.waitForSelector('#cache tr[data-metric]');
    const cells = await page.$$eval('#cache tr', (trs) =>
      Object.fromEntries(trs.map((t) => [t.querySelector('th')!.textContent, t.querySelector('td')!.textContent])),
    );
    expect(cells).toMatchObject({ 'hit rate': '60%', hits: '3', misses: '2', 'store entries': '2', evictions: '0' });
    await saveScreenshot(page, 'dashboard-cache');
    await page.close();
  });

  it('a cache server that is gone gives a 502 with a code', async () => {
    const d = await startDashboard({ store: knownStore().open(), port: 0, cacheUrl: 'http://127.0.0.1:1' });
    try {
      const r = await fetch(`${d.url}api/cache`);
      expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([502, 'DASHBOARD_UPSTREAM']);
    } finally {
      await d.close();
    }
  });
});
