import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type RunningDashboard } from '../../dashboard';
import { createLiveSource } from '../../dashboard/live-state';
import { launchChromium, saveScreenshot, type TestWorkspace } from '../rig';
import { Cluster } from '../runner/support/cluster';
import { taskWorkspace, type ProjectSpec } from '../runner/support/task-fixture';
import { knownStore } from './support/known-runs';

// Three independent tasks that each hold their agent ~3 s (--sync 99 never completes; it waits
// SYNC_TIMEOUT_MS), on two agents of one slot: one task waits in its queue, then a fourth
// depends on them.
const PROJECTS: Record<string, ProjectSpec> = {
  s0: { targets: { build: { sync: 99 } } },
  s1: { targets: { build: { sync: 99 } } },
  s2: { targets: { build: { sync: 99 } } },
  s3: { deps: ['s0', 's1', 's2'], targets: { build: { dependsOn: ['^build'] } } },
};

let cluster: Cluster;
let fixture: ReturnType<typeof taskWorkspace>;
let ws: TestWorkspace;
let dash: RunningDashboard;
let live: ReturnType<typeof createLiveSource>;
let browser: Browser;
let page: Page;
let storeDir: string;

beforeAll(async () => {
  fixture = taskWorkspace(PROJECTS);
  ws = fixture.ws;
  cluster = await new Cluster(fixture.bare).start();
  const sync = cluster.tempDir('fleet-live-sync-');
  const env = { SYNC_DIR: sync, SYNC_TIMEOUT_MS: '3000' };
  await cluster.startAgents([
    { id: 'live-gpu', gpus: 1, slots: 1, labels: ['price:0.75', 'team:web'], env, policy: 'always' },
    { id: 'live-cpu', slots: 1, env },
  ]);
  const k = knownStore();
  storeDir = k.dir;
  live = createLiveSource(cluster.redis.url);
  dash = await startDashboard({ store: k.open(), port: 0, live: live.read });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await live?.close();
  await cluster?.stop();
  fixture?.remove();
  if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
});

const rows = (sel: string): Promise<string[][]> =>
  page.$$eval(sel, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));

describe('the live page, on a real redis-server with real agents and a real fleet run', () => {
  it('shows the agents, then follows a run in progress without a reload: queued, running, done', async () => {
    await page.goto(`${dash.url}#/live`);
    await page.waitForSelector('#agents tr[data-agent="live-gpu"]');
    const agents = await rows('#agents tbody tr');
    const gpu = agents.find((r) => r[0] === 'live-gpu')!;
    expect(gpu[1]).toContain('price=0.75');
    expect(gpu[1]).toContain('team=web');
    expect(gpu.slice(2, 6)).toEqual(['1', '0.75', 'trusted', 'idle']);
    expect(agents.find((r) => r[0] === 'live-cpu')!.slice(2, 4)).toEqual(['0', '–']);
    await page.evaluate('window.__sameDocument = true');

    const running = cluster.run(ws, ['run-many', '-t', 'build']);
    const seen = { maxQueued: 0, runningOnAgent: false, runningStates: 0, polls: 0 };
    let done = false;
    for (const start = Date.now(); Date.now() - start < 120_000 && !done;) {
      await new Promise((r) => setTimeout(r, 150));
      seen.polls++;
      const q = await rows('#queues tbody tr');
      seen.maxQueued = Math.max(seen.maxQueued, ...q.map((r) => Number(r[2])), 0);
      const a = await rows('#agents tbody tr');
      if (a.some((r) => /s[0-2]:build/.test(r[5]))) seen.runningOnAgent = true;
      const inProgress = (await page.$$('[data-live-run] tr[data-state="running"]')).length > 0;
      if (inProgress && !seen.runningStates) await saveScreenshot(page, 'dashboard-live-running');
      seen.runningStates += inProgress ? 1 : 0;
      done = (await page.$$eval('[data-live-run] [data-run-status]', (e) => e.map((x) => x.textContent))).includes(
        'done',
      );
    }
    const result = await running;
    expect(result.code, result.output).toBe(0);
    await page.waitForFunction(`document.querySelectorAll('[data-live-run] tr[data-state="success"]').length === 4`);
    await saveScreenshot(page, 'dashboard-live');
    const tasks = await rows('[data-live-run] .live-tasks tbody tr');
    expect(tasks.map((t) => t[0]).sort()).toEqual(['s0:build', 's1:build', 's2:build', 's3:build']);
    expect(new Set(tasks.map((t) => t[2]))).toEqual(new Set(['live-gpu', 'live-cpu']));
    expect(seen.runningOnAgent).toBe(true);
    expect(seen.runningStates).toBeGreaterThan(0);
    expect(seen.maxQueued).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    console.log(`live page polls: ${JSON.stringify(seen)}`);
  });

  it('a Redis that is gone gives a 502 with a code, and the server keeps answering', async () => {
    const gone = createLiveSource('redis://127.0.0.1:1');
    const d = await startDashboard({ store: knownStore().open(), port: 0, live: gone.read });
    try {
      const started = Date.now();
      const r = await fetch(`${d.url}api/live`);
      expect(r.status).toBe(502);
      expect(((await r.json()) as { code: string }).code).toBe('DASHBOARD_UPSTREAM');
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await fetch(`${d.url}api/runs`)).status).toBe(200);
    } finally {
      await d.close();
      await gone.close();
    }
  });
});
