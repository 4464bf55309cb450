import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { fleetBin } from '../cache/support/serve-process';
import { Cluster, KEYS } from './support/cluster';
import { dteWorkspace } from './support/dte-fixture';
import { waitUntil } from './support/processes';
import { elapsed, progressLine, renderLive } from '../../cli/run-view';
import { reportLines, runReport, type RunReport, type RunSnapshot } from '../../runner';

/** The figures the final summary must print, from `--summary-json`'s `report` (the same function). */
function expectSummaryMatches(output: string, report: RunReport): void {
  for (const line of reportLines(report)) expect(output).toContain(`[fleet] ${line}`);
  for (const a of report.agents)
    expect(output).toMatch(new RegExp(`\\[fleet\\]\\s+${a.agent}: ${a.tasks} task\\(s\\)`));
  expect(output).toContain(
    `critical path: ${(report.criticalPath.ms / 1000).toFixed(1)}s over ${report.criticalPath.tasks.length} task(s)`,
  );
  expect(output).toContain(`cache: ${report.cache.hits} of ${report.tasks} from a cache`);
}

/** What Nx prints around a task's output on an agent: none of it reaches `fleet run`'s task output. */
const NX_BLOCKS = [
  /NX\s+Successfully ran target/,
  /Nx read the output from the cache/,
  /Run duration:/,
  /NX\s+Running target/,
];

describe('live view and summary (pure parts)', () => {
  const snap: RunSnapshot = {
    runId: 'r-1',
    phase: 'running',
    total: 10,
    done: 4,
    failed: 1,
    agents: [{ agent: 'cpu-a', taskId: 'lib:build', since: 1000 }, { agent: 'gpu-a' }],
    queued: [
      { requirement: 'any agent', count: 2, waiting: false },
      { requirement: 'labels [gpu], gpus >= 1', count: 1, waiting: true },
    ],
    startedAt: 0,
  };

  it('one line per agent with its task and elapsed time, the bar, and queues per requirement', () => {
    const lines = renderLive(snap, 3500, 120);
    expect(lines[0]).toMatch(/fleet r-1 +\[#+-+\] 4\/10 \(40%\), 1 failed, 3\.5s$/);
    expect(lines[1]).toMatch(/^ {2}cpu-a\s+lib:build {2}2\.5s$/);
    expect(lines[2]).toMatch(/^ {2}gpu-a\s+idle$/);
    expect(lines[3]).toBe('  queued: 2 any agent; 1 labels [gpu], gpus >= 1 (waiting for an agent that can run them)');
    // ASCII only: a line never wraps on a terminal that counts shade characters double.
    for (const l of lines) expect(l).toMatch(/^[\x20-\x7e]*$/);
    // Never wider than the terminal, whatever the names.
    let checked = 0;
    for (const width of [40, 60, 80, 200])
      for (const l of renderLive(
        { ...snap, agents: [{ agent: 'x'.repeat(90), taskId: 'y'.repeat(90), since: 0 }] },
        1,
        width,
      )) {
        expect([...l].length).toBeLessThanOrEqual(Math.max(40, width));
        checked++;
      }
    expect(checked).toBeGreaterThan(8);
    expect(progressLine(snap, 3500)).toBe(
      '4/10 done (1 failed) after 3.5s; running 1: lib:build on cpu-a 2.5s; queued 3 (1 labels [gpu], gpus >= 1 waiting for a capable agent)',
    );
    expect([elapsed(59_900), elapsed(125_000)]).toEqual(['59.9s', '2m05s']);
  });

  it('the report: per agent tasks and busy share, the critical path by run time, cache, retries and flaky', () => {
    const h = (
      agent: string,
      startedAt: number,
      endedAt: number,
      status: 'success' | 'failure',
      nxStatus?: string,
    ) => ({
      attempt: 1,
      agent,
      status,
      exitCode: status === 'success' ? 0 : 1,
      startedAt,
      endedAt,
      ...(nxStatus ? { nxStatus } : {}),
      ...(status === 'failure' ? { code: 'FLEET_TASK_TIMEOUT' } : {}),
    });
    const req = { labels: [], gpus: 0, gpuMemoryGb: 0, memoryGb: 0, cpus: 0 };
    const r = runReport([
      {
        taskId: 'a:b',
        status: 'success',
        attempts: 1,
        requirement: req,
        queuedAt: 0,
        startedAt: 0,
        endedAt: 1000,
        resultAt: 1000,
        deps: [],
        history: [h('x', 0, 1000, 'success', 'success')],
        agent: 'x',
      },
      {
        taskId: 'c:b',
        status: 'success',
        attempts: 1,
        requirement: req,
        queuedAt: 0,
        startedAt: 0,
        endedAt: 300,
        resultAt: 300,
        deps: [],
        history: [h('y', 0, 300, 'success', 'remote-cache')],
        agent: 'y',
      },
      {
        taskId: 'd:b',
        status: 'success',
        attempts: 2,
        requirement: req,
        queuedAt: 1000,
        startedAt: 1600,
        endedAt: 2000,
        resultAt: 2000,
        deps: ['a:b', 'c:b'],
        flaky: true,
        history: [h('y', 1000, 1500, 'failure'), h('x', 1600, 2000, 'success', 'local-cache')],
        agent: 'x',
      },
    ]);
    expect(r.execMs).toBe(2000);
    expect(r.agents).toEqual([
      { agent: 'x', tasks: 2, busyMs: 1400, busyShare: 0.7 },
      { agent: 'y', tasks: 2, busyMs: 800, busyShare: 0.4 },
    ]);
    expect(r.criticalPath).toEqual({ tasks: ['a:b', 'd:b'], ms: 1400 });
    expect(r.cache).toEqual({ hits: 2, remote: 1, local: 1, ran: 1, unknown: 0 });
    expect([r.retries, r.retried, r.flaky]).toEqual([
      1,
      [{ taskId: 'd:b', attempts: 2, codes: ['FLEET_TASK_TIMEOUT'] }],
      ['d:b'],
    ]);
    expect(r.slowest[0]).toEqual({ taskId: 'a:b', agent: 'x', ms: 1000 });
  });
});

/** `fleet run` on real agents: the plain view from captured output, the live view in tmux. */
describe('fleet run output', () => {
  let cluster: Cluster;
  let ws: TestWorkspace;
  let releaseDir: string;
  const release = (): string => path.join(releaseDir, 'release-slow');

  beforeAll(async () => {
    const fx = dteWorkspace({ fleetPlugin: true });
    ws = fx.ws;
    cluster = await new Cluster(fx.bare).start();
    releaseDir = cluster.tempDir('fleet-view-release-');
    const env = { RELEASE_FILE: release(), PID_DIR: releaseDir };
    await cluster.startAgents([
      { id: 'cpu-a', slots: 1, env },
      { id: 'cpu-b', slots: 1, env },
    ]);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    ws?.dispose();
  });

  it('not a terminal: one header line per task, the command’s own output without Nx’s banners, the summary of --summary-json', async () => {
    const r = await cluster.run(ws, ['run-many', '-t', 'build']);
    const own = r.output.slice(0, r.output.indexOf('--- agent '));
    expect(r.code, r.output).toBe(0);
    const summary = r.summary as unknown as { report: RunReport; timings: { planMs: number } };
    for (const t of ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']) {
      expect(own).toMatch(new RegExp(`✔ ${t}:build · cpu-[ab] · \\d+\\.\\ds · (ran|remote cache|local cache)`));
      expect(own).toContain(`  work done libs/${t}`);
    }
    for (const banner of NX_BLOCKS) expect(own).not.toMatch(banner);
    expect(own).not.toMatch(/^\s*> nx run p\d:build/m);
    expect(own).toMatch(/replay: \d+ task\(s\) restored from the remote cache/);
    expectSummaryMatches(own, summary.report);
    expect(summary.report.tasks).toBe(6);
    expect(summary.timings.planMs).toBeGreaterThan(0);
  }, 180_000);

  it('a terminal (tmux): per-agent lines with the running task and elapsed time, the progress bar; then the summary', async () => {
    const socket = `fleet-view-${process.pid}`;
    const dir = cluster.tempDir('fleet-view-tmux-');
    const summaryFile = path.join(dir, 'summary.json');
    // The environment goes through a file: tmux would give the command its server's environment.
    const env = ws.env({
      FLEET_REDIS_URL: cluster.redis.url,
      FLEET_CACHE_URL: cluster.cache.url,
      ...KEYS.coordinatorEnv,
      NX_ISOLATE_PLUGINS: 'false',
      TERM: 'xterm-256color',
    });
    delete env.CI;
    fs.writeFileSync(path.join(dir, 'env.json'), JSON.stringify(env));
    fs.writeFileSync(
      path.join(dir, 'launch.cjs'),
      `const env = require(${JSON.stringify(path.join(dir, 'env.json'))});
const r = require('child_process').spawnSync(process.execPath, ${JSON.stringify([fleetBin(), 'run', '--summary-json', summaryFile, 'run-many', '-t', 'build', 'slow'])}, { cwd: ${JSON.stringify(ws.root)}, env, stdio: 'inherit' });
require('fs').writeFileSync(${JSON.stringify(path.join(dir, 'exit'))}, String(r.status));
setTimeout(() => {}, 600000);
`,
    );
    const tmux = (...args: string[]) =>
      spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    const started = tmux(
      'new-session',
      '-d',
      '-s',
      'view',
      '-x',
      '250',
      '-y',
      '60',
      `${process.execPath} ${path.join(dir, 'launch.cjs')}`,
    );
    expect(started.status, started.stderr).toBe(0);
    // A detached session may keep tmux's default size: make it wide enough for the summary lines.
    tmux('resize-window', '-t', 'view', '-x', '250', '-y', '60');
    try {
      const pane = (): string => tmux('capture-pane', '-p', '-S', '-300', '-t', 'view').stdout ?? '';
      // slow:slow waits for the release file: meanwhile its agent's line shows it with a running clock.
      const seen = await waitUntil(() => {
        const p = pane();
        return /cpu-[ab]\s+slow:slow\s+[1-9]\d*\.\ds/.test(p) && /✔ p4:build/.test(p);
      }, 120_000);
      const during = pane();
      expect(seen, during).toBe(true);
      expect(during).toMatch(/fleet r-\S+ +\[[#-]+\] \d+\/7 \(\d+%\)/);
      // The block is drawn once: redrawing erased its earlier copies.
      expect(during.match(/^fleet r-/gm)?.length, during).toBe(1);
      expect(during).toMatch(/^\s+cpu-a\s/m);
      expect(during).toMatch(/^\s+cpu-b\s/m);
      // Task output scrolls above the block, without Nx's banners.
      expect(during).toMatch(/✔ p0:build · cpu-[ab]/);
      for (const banner of NX_BLOCKS) expect(during).not.toMatch(banner);
      fs.writeFileSync(release(), 'go');
      expect(await waitUntil(() => fs.existsSync(path.join(dir, 'exit')), 120_000), pane()).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'exit'), 'utf8')).toBe('0');
      const after = pane();
      const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
      // The block is gone; the summary's figures are --summary-json's.
      expect(after).not.toMatch(/^fleet r-\S+ +\[/m);
      expectSummaryMatches(after, summary.report);
    } finally {
      tmux('kill-server');
      fs.rmSync(release(), { force: true });
    }
  }, 300_000);
});
