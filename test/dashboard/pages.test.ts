import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../analytics';
import { startDashboard, type RunningDashboard, type TrendsPage } from '../../dashboard';
import { launchChromium, saveScreenshot } from '../rig';
import { DAG, knownStore, NOW } from './support/known-runs';

let store: RunStore;
let dash: RunningDashboard;
let browser: Browser;
let page: Page;
let dir: string;

beforeAll(async () => {
  const k = knownStore();
  dir = k.dir;
  store = k.open();
  // The project graph is not in the store: the known DAG stands in for `fleet dashboard`'s
  // taskDepsFor(project graph) (test/dashboard/cli.test.ts runs that path on a real workspace).
  dash = await startDashboard({ store, port: 0, deps: () => DAG, now: () => NOW });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const open = async (hash: string, ready: string): Promise<void> => {
  // A fresh document each time: a hash-only change would leave the previous page's DOM to match.
  await page.goto('about:blank');
  await page.goto(`${dash.url}${hash}`);
  await page.waitForSelector(ready);
};
const texts = (selector: string): Promise<string[]> =>
  page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));
const attr = (selector: string, name: string): Promise<Array<string | null>> =>
  page.$$eval(selector, (els, n) => els.map((e) => e.getAttribute(n)), name);

describe('dashboard pages in headless Chromium (known runs recorded through RunStore.record)', () => {
  it('the run list shows every run newest first, and filters by branch, command, status and machine', async () => {
    await open('#/runs', '#runs tbody tr');
    const all = [
      'run-dist',
      'run-dag-2',
      'run-dag',
      'run-flaky-3',
      'run-flaky-2',
      'run-flaky-1',
      'run-lint-0',
      'run-lint-1',
      'run-lint-2',
    ];
    expect(await attr('#runs tbody tr', 'data-run')).toEqual(all);
    const dist = await texts('#runs tbody tr[data-run="run-dist"] td');
    expect(dist.slice(0, 6)).toEqual([
      'run-dist',
      '✗ 1 failed',
      'fleet run affected -t test',
      'feature/x',
      'laptop',
      '4',
    ]);
    await saveScreenshot(page, 'dashboard-runs');
    const filtered = async (f: string, v: string): Promise<Array<string | null>> => {
      await page.selectOption(`select[data-filter="${f}"]`, v);
      await page.waitForFunction(`location.hash.includes(${JSON.stringify(`${f}=`)})`);
      // The table says which request its rows answer: wait for the one of the new hash.
      await page.waitForFunction(
        `document.querySelector('#runs')?.getAttribute('data-loaded') === 'runs?' + location.hash.split('?')[1]`,
      );
      return attr('#runs tbody tr', 'data-run');
    };
    expect(await filtered('status', 'failed')).toEqual(['run-dist', 'run-flaky-1']);
    expect(await filtered('branch', 'feature/x')).toEqual(['run-dist']);
    await open('#/runs', '#runs[data-loaded="runs?"] tbody tr');
    expect(await filtered('command', 'nx run flaky:test')).toEqual(['run-flaky-3', 'run-flaky-2', 'run-flaky-1']);
    expect(await filtered('status', 'passed')).toEqual(['run-flaky-3', 'run-flaky-2']);
    await open('#/runs', '#runs[data-loaded="runs?"] tbody tr');
    expect(await filtered('machine', 'laptop')).toEqual(['run-dist']);
  });

  it('a run page: lanes, bars on them in time order, the critical path outlined and listed', async () => {
    await open('#/run/run-dag', '#timeline g[data-task]');
    expect(await attr('#timeline g[data-lane]:not([data-task])', 'data-lane')).toEqual(['lane-1', 'lane-2']);
    const bars = await page.$$eval('#timeline g[data-task]', (els) =>
      els.map((e) => {
        const r = e.querySelector('rect')!;
        return {
          task: e.getAttribute('data-task'),
          lane: e.getAttribute('data-lane'),
          critical: e.getAttribute('data-critical'),
          x: Number(r.getAttribute('x')),
          w: Number(r.getAttribute('width')),
          y: Number(r.getAttribute('y')),
          stroke: Number(r.getAttribute('stroke-width')),
        };
      }),
    );
    const by = Object.fromEntries(bars.map((b) => [b.task, b]));
    expect(Object.fromEntries(bars.map((b) => [b.task, b.lane]))).toEqual({
      'c0:build': 'lane-1',
      'c1:build': 'lane-1',
      'c3:build': 'lane-1',
      'c2:build': 'lane-2',
    });
    expect(
      bars
        .filter((b) => b.critical === 'true')
        .map((b) => b.task)
        .sort(),
    ).toEqual(['c0:build', 'c2:build', 'c3:build']);
    expect(by['c2:build'].stroke).toBeGreaterThan(by['c1:build'].stroke);
    // Time runs left to right: c2 starts where c0 ends, c3 where c2 ends; c2's bar is 700/1200 of c0..c3.
    expect(by['c2:build'].x).toBeCloseTo(by['c0:build'].x + by['c0:build'].w, 0);
    expect(by['c3:build'].x).toBeCloseTo(by['c2:build'].x + by['c2:build'].w, 0);
    expect(by['c2:build'].w / (by['c3:build'].x + by['c3:build'].w - by['c0:build'].x)).toBeCloseTo(700 / 1200, 2);
    expect(by['c2:build'].y).toBeGreaterThan(by['c0:build'].y);
    expect(await texts('#critical-path li')).toEqual(['c0:build', 'c2:build', 'c3:build']);
    expect(await page.textContent('#critical-ms')).toBe('1.20 s');
    expect(await attr('#timeline g[data-task="c2:build"]', 'aria-label')).toEqual([
      'c2:build, 700 ms, ✓ success, ran, on the critical path, lane lane-2',
    ]);
    await saveScreenshot(page, 'dashboard-run');
  });

  it('a distributed run: agent lanes, a retry marked, a cache hit marked; a bar clicks through to its task', async () => {
    await open('#/run/run-dist', '#timeline g[data-task]');
    expect(await attr('#timeline g[data-lane]:not([data-task])', 'data-lane')).toEqual(['agent-a', 'agent-b']);
    const retry = await page.$$eval('#timeline g[data-task="c1:test"]', (els) =>
      els.map((e) => [
        e.getAttribute('data-attempt'),
        e.getAttribute('data-lane'),
        e.getAttribute('data-status'),
        e.querySelector('rect')!.getAttribute('stroke-dasharray'),
      ]),
    );
    expect(retry).toEqual([
      ['1', 'agent-a', 'failure', null],
      ['2', 'agent-b', 'success', '4 2'],
    ]);
    expect((await attr('#timeline g[data-task="c1:test"][data-attempt="2"]', 'aria-label'))[0]).toContain(
      'retry, attempt 2',
    );
    expect(await attr('#timeline g[data-task="c2:test"]', 'data-cache')).toEqual(['remote']);
    expect((await attr('#timeline g[data-task="c2:test"]', 'aria-label'))[0]).toContain('◆ remote hit');
    expect(await page.getAttribute('#timeline g[data-task="c2:test"] rect', 'fill')).toBe('url(#hit)');
    // The critical path runs through the retry: c0:test (400 ms), then c1:test, both of its
    // attempts (200 + 300 ms): c1's dependents waited for the failed attempt too.
    expect(await texts('#critical-path li')).toEqual(['c0:test', 'c1:test']);
    expect(await page.textContent('#critical-ms')).toBe('900 ms');
    await saveScreenshot(page, 'dashboard-run-distributed');
    await page.click('#timeline g[data-task="c0:test"]');
    await page.waitForSelector('#history tbody tr');
    expect(await page.evaluate('location.hash')).toBe('#/task/c0%3Atest?run=run-dist');
    expect(await page.textContent('main h1')).toBe('Task c0:test');
  });

  it("a task's history, flake rate and the explain diff between two runs", async () => {
    await open('#/task/c2%3Abuild?from=run-dag&to=run-dag-2', '#explain #explain-summary');
    expect(await attr('#history tbody tr', 'data-run')).toEqual(['run-dag-2', 'run-dag']);
    expect(await texts('#history tbody tr[data-run="run-dag"] td')).toEqual(
      expect.arrayContaining(['run-dag', '✓ success', 'ran', '700 ms', 'main']),
    );
    expect(await page.textContent('#explain h2')).toBe('Explain: run-dag → run-dag-2');
    expect(await page.textContent('#explain-summary')).toBe('The hash changed because:');
    expect(await texts('#diff-changed li')).toEqual(['~ libs/c2/src/index.ts']);
    expect(await texts('#diff-added li')).toEqual(['+ libs/c2/src/new.ts']);
    expect(await texts('#diff-env li')).toEqual(['changed: NODE_ENV']);
    expect(await page.$('#diff-removed')).toBeNull();
    await saveScreenshot(page, 'dashboard-task-explain');
    // Choosing other runs in the table re-explains: the same run on both sides is refused.
    await page.click('input[aria-label="compare from run-dag-2"]');
    await page.waitForFunction(`location.hash.includes('from=run-dag-2')`);
    expect(await page.textContent('main')).toContain('Choose two runs to compare.');
    await open('#/task/flaky%3Atest', '#flake-rate');
    expect(await page.textContent('#flake-rate')).toBe('50%');
  });

  it('trends for the known lint series: hit rate and p50/p90 per day, slowest and flakiest, time saved', async () => {
    await open('#/trends?days=7', 'table.target-days[data-target="lint"] tbody tr');
    const day = (d: string): Promise<string[]> => texts(`table.target-days[data-target="lint"] tr[data-day="${d}"] td`);
    expect(await day('2026-03-08')).toEqual(['2026-03-08', '10', '0%', '500 ms', '900 ms']);
    expect(await day('2026-03-09')).toEqual(['2026-03-09', '10', '50%', '600 ms', '1.00 s']);
    expect(await day('2026-03-10')).toEqual(['2026-03-10', '10', '100%', '–', '–']);
    expect((await texts('#slowest tbody tr td:first-child'))[0]).toBe('l9:lint');
    // c1:test failed on agent-a and passed on its retry with the same hash: flaky too, 1 of 1.
    expect(await texts('#flakiest tbody tr td:first-child')).toEqual(['c1:test', 'flaky:test']);
    expect(await texts('#flakiest tbody tr td:nth-child(2)')).toEqual(['100%', '50%']);
    // Time saved, by its rule: hits × the target's mean executed duration that day, else the window's.
    // 03-09: 5 lint hits × 600 ms. 03-10: 10 lint hits × 8500/15 ms (none ran that day), 2 build hits
    // × 2250/6 ms, 1 test hit × 1230/6 ms.
    const api = (await (await fetch(`${dash.url}api/trends?days=7`)).json()) as TrendsPage;
    const today = Math.round(10 * (8500 / 15)) + Math.round(2 * (2250 / 6)) + Math.round(1230 / 6);
    expect(api.savedMs.days).toEqual([
      { day: '2026-03-10', ms: today },
      { day: '2026-03-09', ms: 3000 },
    ]);
    expect(await page.textContent('#saved')).toBe(`${((today + 3000) / 1000).toFixed(2)} s`);
    expect(await page.$$eval('#chart-duration-lint g[data-series="p50"] circle', (e) => e.length)).toBe(2);
    await saveScreenshot(page, 'dashboard-trends');
  });

  it('keyboard: j/k move through runs, Enter opens, j reaches timeline bars, Enter opens a task, 2 opens trends', async () => {
    await open('#/runs', '#runs tbody tr');
    await page.keyboard.press('j');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('run-dist');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('run-dag-2');
    expect(await attr('#runs tr[aria-selected="true"]', 'data-run')).toEqual(['run-dag-2']);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#timeline g[data-task]');
    expect(await page.evaluate('location.hash')).toBe('#/run/run-dag-2');
    await page.keyboard.press('j');
    expect(await page.evaluate("document.activeElement.getAttribute('data-task')")).toBe('c0:build');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate("document.activeElement.getAttribute('data-task')")).toBe('c1:build');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#history tbody tr');
    expect(await page.textContent('main h1')).toBe('Task c1:build');
    await page.keyboard.press('2');
    await page.waitForSelector('#slowest');
    expect(await page.getAttribute('nav a[aria-current="page"]', 'href')).toBe('#/trends');
    await page.keyboard.press('1');
    await page.waitForSelector('#runs tbody tr');
    await page.keyboard.press('/');
    expect(await page.evaluate("document.activeElement.getAttribute('data-filter')")).toBe('branch');
  });

  it('fits 1280×800: no page-wide horizontal scroll on any page', async () => {
    for (const [hash, ready] of [
      ['#/runs', '#runs tbody tr'],
      ['#/run/run-dag', '#timeline g[data-task]'],
      ['#/run/run-dist', '#timeline g[data-task]'],
      ['#/task/c2%3Abuild', '#explain-summary'],
      ['#/trends?days=7', '#slowest'],
    ]) {
      await open(hash, ready);
      expect([hash, await page.evaluate('document.documentElement.scrollWidth')]).toEqual([hash, 1280]);
    }
  });

  it('works on a narrow window: no page-wide horizontal scroll, the timeline fits', async () => {
    const narrow = await browser.newPage({ viewport: { width: 400, height: 800 } });
    try {
      await narrow.goto(`${dash.url}#/run/run-dag`);
      await narrow.waitForSelector('#timeline g[data-task]');
      expect(Number(await narrow.getAttribute('#timeline', 'width'))).toBeLessThanOrEqual(400);
      expect(await narrow.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
      await saveScreenshot(narrow, 'dashboard-run-narrow');
      await narrow.goto(`${dash.url}#/runs`);
      await narrow.waitForSelector('#runs tbody tr');
      expect(await narrow.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
    } finally {
      await narrow.close();
    }
  });
});

describe('the API and /metrics', () => {
  const get = async (p: string, init?: RequestInit): Promise<{ status: number; body: unknown; text: string }> => {
    const res = await fetch(new URL(p, dash.url), init);
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: res.status, body, text };
  };

  it('answers the CLI shapes: /api/runs/{id} holds `fleet stats --run --json`', async () => {
    const r = (await get('api/runs/run-dag')).body as {
      stats: { criticalPath: unknown; tasks: unknown };
      lanes: string[];
    };
    expect(r.stats.criticalPath).toEqual({ tasks: ['c0:build', 'c2:build', 'c3:build'], durationMs: 1200 });
    expect(r.lanes).toEqual(['lane-1', 'lane-2']);
    const f = (await get('api/flaky?days=7')).body as { tasks: Array<{ taskId: string; rate: number }> };
    expect(f.tasks.map((t) => [t.taskId, t.rate])).toEqual([
      ['c1:test', 1],
      ['flaky:test', 0.5],
    ]);
  });

  it('/metrics: task runs, hits and durations per target, for Prometheus', async () => {
    const m = await get('metrics');
    expect(m.status).toBe(200);
    expect(m.text).toContain('fleet_history_runs_total 9\n');
    expect(m.text).toContain('fleet_history_task_runs_total{target="lint"} 30\n');
    expect(m.text).toContain('fleet_history_cache_hits_total{target="lint"} 15\n');
    expect(m.text).toMatch(/# TYPE fleet_history_task_duration_seconds summary/);
    expect(m.text).toMatch(/^fleet_history_cache_hit_ratio 0\.\d+$/m);
  });

  it('never crashes on a bad request: each gets a clear status and code, and the server keeps answering', async () => {
    const cases: Array<[string, number, string, RequestInit?]> = [
      ['api/runs?limit=abc', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/runs?limit=0', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/runs?status=maybe', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/runs?before=-5', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/runs/no-such-run', 404, 'HISTORY_RUN_NOT_FOUND'],
      ['api/runs/%E0%A4%A', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/tasks/nope%3Abuild', 404, 'DASHBOARD_TASK_NOT_FOUND'],
      ['api/tasks/c2%3Abuild/explain', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/tasks/c2%3Abuild/explain?from=run-dag&to=nope', 404, 'DASHBOARD_TASK_RUN_NOT_FOUND'],
      ['api/trends?days=1e9', 400, 'DASHBOARD_BAD_REQUEST'],
      ['api/trends?days=', 200, ''],
      ['api/live', 404, 'DASHBOARD_NO_REDIS'],
      ['api/cache', 404, 'DASHBOARD_NO_CACHE'],
      ['api/nothing/here', 404, 'DASHBOARD_NOT_FOUND'],
      ['nothing', 404, 'DASHBOARD_NOT_FOUND'],
      [`api/runs/${'x'.repeat(5000)}`, 404, 'HISTORY_RUN_NOT_FOUND'],
      ['api/runs', 405, 'DASHBOARD_METHOD', { method: 'POST', body: '{"runs":[]}' }],
      ['api/runs', 405, 'DASHBOARD_METHOD', { method: 'DELETE' }],
    ];
    for (const [p, status, code, init] of cases) {
      const r = await get(p, init);
      expect([p, r.status]).toEqual([p, status]);
      if (code) expect([p, (r.body as { code: string }).code]).toEqual([p, code]);
    }
    // Garbage that is not HTTP, and a request cut off mid-headers.
    for (const raw of ['NOT HTTP AT ALL\r\n\r\n', 'GET /api/runs HTTP/1.1\r\nHost: x\r\nX: ']) {
      await new Promise<void>((resolve) => {
        const s = net.connect(Number(new URL(dash.url).port), '127.0.0.1', () => {
          s.write(raw);
          setTimeout(() => s.destroy(), 100);
        });
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      });
    }
    expect((await get('api/runs')).status).toBe(200);
    console.log(`bad requests answered without a crash: ${cases.length + 2}`);
  });
});
