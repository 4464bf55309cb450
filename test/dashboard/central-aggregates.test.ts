import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flakyTasks, loadSqlite, openRunStore, type RunRecord } from '../../analytics';
import { renderHistoryMetrics, trendsPage } from '../../dashboard';
import { startServe, type ServeProcess } from '../cache/support/serve-process';
import { createTokens } from '../cache/support/tokens';
import { knownRuns } from './support/known-runs';

/**
 * Trends, flaky tasks and /metrics in the real `fleet cache serve --history-db`, as an attacker
 * would try them: each token's aggregates must be those of the runs it may read, never including
 * another namespace's. The reference is a local store holding exactly the runs the token reads.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dash-central-agg-'));
let serve: ServeProcess;
let tokens: Record<string, string>;
const runs = knownRuns();
// main: the DAG runs and the lint series; pr-1: the distributed run (c1:test flaky on a retry);
// pr-2: the flaky:test runs (failed, then passed with the same hash) and one more lint day.
const written: Record<string, RunRecord[]> = {
  main: runs.filter((r) => r.runId.startsWith('run-dag') || r.runId.startsWith('run-lint')),
  pr1: runs.filter((r) => r.runId === 'run-dist'),
  pr2: [
    ...runs.filter((r) => r.runId.startsWith('run-flaky')),
    {
      ...runs.find((r) => r.runId === 'run-lint-1')!,
      runId: 'run-lint-pr2',
      tasks: runs.find((r) => r.runId === 'run-lint-1')!.tasks.map((t) => ({ ...t, endTime: t.endTime! + 90_000 })),
    },
  ],
};
// A hash executed only under pr-1, then a cache hit of it under main: main's run page must not
// learn pr-1's duration through "cache saved".
const shared = (runId: string, hit: boolean): RunRecord => ({
  ...runs[0],
  runId,
  startTime: runs[0].startTime + (hit ? 60_000 : 0),
  tasks: [
    {
      ...runs[0].tasks[0],
      taskId: 'shared:build',
      project: 'shared',
      target: 'build',
      hash: 'shared-h1',
      status: hit ? 'remote-cache' : 'success',
      cache: hit ? 'remote' : 'miss',
      startTime: runs[0].startTime + (hit ? 60_000 : 0),
      endTime: runs[0].startTime + (hit ? 60_010 : 4321),
    },
  ],
});
written.pr1.push(shared('run-shared-produce', false));
written.main.push(shared('run-shared-hit', true));
const reads: Record<string, string[]> = { main: ['main'], pr1: ['main', 'pr1'], pr2: ['main', 'pr2'] };
const DAYS = 365;

beforeAll(async () => {
  const tokensFile = path.join(dir, 'tokens.json');
  tokens = createTokens(tokensFile, {
    main: ['--write', 'main'],
    pr1: ['--write', 'pr-1', '--read', 'main,pr-1'],
    pr2: ['--write', 'pr-2', '--read', 'main,pr-2'],
  });
  serve = await startServe([
    '--store',
    `fs:${path.join(dir, 'cache')}`,
    '--tokens',
    tokensFile,
    '--history-db',
    path.join(dir, 'central.db'),
  ]);
  for (const [who, list] of Object.entries(written)) {
    const res = await fetch(`${serve.url}/v1/fleet/history/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ runs: list }),
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await serve?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = async (p: string, token: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(`${serve.url}/dashboard/${p}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, text: await r.text() };
};

/** A local store with exactly the runs `who` may read: what its aggregates must equal. */
function reference(who: string) {
  const sqlite = loadSqlite();
  if (!sqlite.ok) throw new Error(sqlite.message);
  const w = openRunStore({ Database: sqlite.Database, file: path.join(dir, `ref-${who}.db`) });
  if (!w.ok) throw new Error(w.message);
  for (const name of Object.keys(written))
    if (reads[who].includes(name)) for (const r of written[name]) w.store.record(r);
  return w.store;
}

describe('trends, flaky and /metrics in the central store, per token', () => {
  it("each token's trends, flaky tasks and metrics equal those of exactly the runs it reads", async () => {
    let checked = 0;
    for (const who of ['main', 'pr1', 'pr2']) {
      const ref = reference(who);
      const now = Date.now();
      const trends = await get(`api/trends?days=${DAYS}`, tokens[who]);
      expect(trends.status).toBe(200);
      const want = JSON.parse(JSON.stringify(trendsPage(ref, { days: DAYS, now })));
      expect(JSON.parse(trends.text)).toEqual(want);
      const flaky = await get(`api/flaky?days=${DAYS}`, tokens[who]);
      expect(JSON.parse(flaky.text)).toEqual(
        JSON.parse(JSON.stringify({ tasks: flakyTasks(ref, { days: DAYS, now }) })),
      );
      const metrics = await get('metrics', tokens[who]);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toBe(renderHistoryMetrics(ref, trendsPage(ref, { days: 1, now })));
      ref.close();
      checked++;
    }
    console.log(`central aggregates checked against per-token reference stores: ${checked} tokens`);
  });

  it("as an attacker: a pull request's token never sees another's runs in aggregates; main's never sees pull requests'", async () => {
    const flakyIds = async (who: string): Promise<string[]> =>
      (
        JSON.parse((await get(`api/flaky?days=${DAYS}`, tokens[who])).text) as { tasks: Array<{ taskId: string }> }
      ).tasks
        .map((t) => t.taskId)
        .sort();
    expect(await flakyIds('main')).toEqual([]);
    expect(await flakyIds('pr1')).toEqual(['c1:test']);
    expect(await flakyIds('pr2')).toEqual(['flaky:test']);
    const trends = async (who: string) =>
      JSON.parse((await get(`api/trends?days=${DAYS}`, tokens[who])).text) as {
        overall: Array<{ runs: number }>;
        slowest: Array<{ taskId: string; meanMs: number }>;
        targets: Array<{ target: string; days: Array<{ taskRuns: number }> }>;
      };
    const runsOf = (t: Awaited<ReturnType<typeof trends>>): number => t.overall.reduce((s, d) => s + d.runs, 0);
    const [main, pr1, pr2] = [await trends('main'), await trends('pr1'), await trends('pr2')];
    expect(runsOf(main)).toBe(written.main.length);
    expect(runsOf(pr1)).toBe(written.main.length + written.pr1.length);
    expect(runsOf(pr2)).toBe(written.main.length + written.pr2.length);
    // pr-2's lint runs took 90 s more: its slowest tasks show them (a third of 90 s more, over three runs), nobody else's do.
    expect(pr2.slowest[0].meanMs).toBeGreaterThan(20_000);
    expect(Math.max(...main.slowest.map((s) => s.meanMs), ...pr1.slowest.map((s) => s.meanMs))).toBeLessThan(20_000);
    expect(pr1.targets.map((t) => t.target)).not.toContain(undefined);
    const metric = async (who: string): Promise<string> =>
      (await get('metrics', tokens[who])).text.split('\n').find((l) => l.startsWith('fleet_history_runs_total '))!;
    expect(await metric('main')).toBe(`fleet_history_runs_total ${written.main.length}`);
    expect(await metric('pr1')).toBe(`fleet_history_runs_total ${written.main.length + written.pr1.length}`);
    // A run page's "cache saved": the producer is looked up in the token's namespaces only.
    const saved = async (who: string) =>
      (
        JSON.parse((await get('api/runs/run-shared-hit', tokens[who])).text) as {
          stats: { cacheSavedMs: number; cacheHitsWithoutProducer: number };
        }
      ).stats;
    expect(await saved('main')).toMatchObject({ cacheSavedMs: 0, cacheHitsWithoutProducer: 1 });
    expect(await saved('pr1')).toMatchObject({ cacheSavedMs: 4321, cacheHitsWithoutProducer: 0 });
    // The run list's filter facets too: pr-1 does not learn pr-2's commands.
    const facets = JSON.parse((await get('api/runs', tokens.pr1)).text) as { filters: { commands: string[] } };
    expect(facets.filters.commands).not.toContain('nx run flaky:test');
    // No token, a bad token: nothing.
    expect((await fetch(`${serve.url}/dashboard/api/trends`)).status).toBe(401);
    expect((await get('api/flaky', 'flc_nope')).status).toBe(401);
  });
});
