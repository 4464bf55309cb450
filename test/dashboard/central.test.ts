import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../rig';
import { startServe, type ServeProcess } from '../cache/support/serve-process';
import { createTokens } from '../cache/support/tokens';
import { DAG, knownRuns } from './support/known-runs';

/**
 * The dashboard inside the real `fleet cache serve --history-db` at /dashboard/: the central
 * store's tokens decide which runs each caller sees.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dash-central-'));
let serve: ServeProcess;
let tokens: Record<string, string>;
let browser: Browser;

beforeAll(async () => {
  const tokensFile = path.join(dir, 'tokens.json');
  tokens = createTokens(tokensFile, { main: ['--write', 'main'], pr: ['--write', 'pr-1', '--read', 'main,pr-1'] });
  serve = await startServe([
    '--store',
    `fs:${path.join(dir, 'cache')}`,
    '--tokens',
    tokensFile,
    '--history-db',
    path.join(dir, 'central.db'),
  ]);
  const runs = knownRuns();
  const post = (token: string, body: unknown) =>
    fetch(`${serve.url}/v1/fleet/history/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // The DAG runs from main (run-dag with its task dependencies, as a sender adds them), the
  // distributed run from the pull request.
  const dagRuns = runs
    .filter((r) => r.runId.startsWith('run-dag'))
    .map((r) => (r.runId === 'run-dag' ? { ...r, deps: depsOf(r.tasks.map((t) => t.taskId)) } : r));
  expect((await post(tokens.main, { runs: dagRuns })).status).toBe(200);
  expect((await post(tokens.pr, { runs: runs.filter((r) => r.runId === 'run-dist') })).status).toBe(200);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const api = async (p: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const r = await fetch(
    `${serve.url}/dashboard/api/${p}`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  return { status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, unknown> };
};
/** DAG's edges among these tasks (the run's own tasks only, as a run record's `deps`). */
function depsOf(ids: string[]): Record<string, string[]> {
  const have = new Set(ids);
  return Object.fromEntries(ids.map((id) => [id, (DAG[id] ?? []).filter((d) => have.has(d)).sort()]));
}

const runIds = (body: Record<string, unknown>): string[] => (body.runs as Array<{ runId: string }>).map((r) => r.runId);

describe('the dashboard in the central store (fleet cache serve --history-db)', () => {
  it("serves the page to anyone, the data only by token, each token's namespaces only", async () => {
    const page = await fetch(`${serve.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"base":"/dashboard"');
    expect((await fetch(`${serve.url}/dashboard/api/runs`)).status).toBe(401);
    expect(
      (await fetch(`${serve.url}/dashboard/api/runs`, { headers: { authorization: 'Bearer flc_nope' } })).status,
    ).toBe(401);
    expect(runIds((await api('runs', tokens.main)).body)).toEqual(['run-dag-2', 'run-dag']);
    expect(runIds((await api('runs', tokens.pr)).body)).toEqual(['run-dist', 'run-dag-2', 'run-dag']);
    expect((await api('runs/run-dist', tokens.main)).status).toBe(404);
    expect((await api('runs/run-dist', tokens.pr)).status).toBe(200);
    expect((await api('tasks/c0%3Atest', tokens.main)).status).toBe(404);
    // Trends of the token's namespaces only (test/dashboard/central-aggregates.test.ts tries harder).
    const trends = await api('trends?days=3650', tokens.main);
    expect(trends.status).toBe(200);
    expect((trends.body.overall as Array<{ runs: number }>).reduce((n, d) => n + d.runs, 0)).toBe(2);
    // No project graph in the server: a run posted with its task dependencies has its critical
    // path (the same as the local dashboard's, test/dashboard/pages.test.ts); one without says why not.
    type Stats = { stats: { criticalPath: { tasks: string[]; durationMs: number } | null; notes: string[] } };
    const run = (await api('runs/run-dag', tokens.main)).body as Stats;
    expect(run.stats.criticalPath).toEqual({ tasks: ['c0:build', 'c2:build', 'c3:build'], durationMs: 1200 });
    const without = (await api('runs/run-dag-2', tokens.main)).body as Stats;
    expect(without.stats.criticalPath).toBeNull();
    expect(without.stats.notes).toContain('no project graph: critical path not computed');
    // The cache's own routes are untouched.
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
  });

  it('in Chromium: ?token= is taken out of the address bar and sent with each API call', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${serve.url}/dashboard/?token=${tokens.pr}#/runs`);
    await page.waitForSelector('#runs tbody tr');
    expect(await page.$$eval('#runs tbody tr', (trs) => trs.map((t) => t.getAttribute('data-run')))).toEqual([
      'run-dist',
      'run-dag-2',
      'run-dag',
    ]);
    expect(await page.evaluate('location.search')).toBe('');
    expect(await page.$$eval('nav a', (as) => as.map((a) => a.textContent))).toEqual(['Runs 1', 'Trends 2']);
    await page.goto(`${serve.url}/dashboard/#/run/run-dist`);
    await page.waitForSelector('#timeline g[data-task]');
    expect(await page.$$eval('#timeline g[data-task]', (g) => g.length)).toBe(4);
    await page.close();
  });
});
