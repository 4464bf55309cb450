#!/usr/bin/env node
// bench/fairness: a small run started while a large one is in flight (issue 17). A synthetic
// workspace of BENCH_BIG (200) + BENCH_SMALL (5) independent `work` tasks that sleep BENCH_MS
// (400) each, BENCH_AGENTS (2) `fleet agent --slots 1` processes in their own clones, a real
// redis-server and `fleet cache serve`. Measured, in one run of this script:
//   alone:     the small run by itself (wall time of its `fleet run`);
//   contended: the large run started first; once BENCH_HEAD (10) of its tasks have ended, the
//              small run starts (from a second clone); its wall time, and the large run's.
// BENCH_CHECKOUTS: the agents' `--checkouts` (default: theirs, 2 with --slots 1; 1 is one
// checkout per agent, the layout before issue 17's fix). The switches of the agents' checkouts
// (their `checkout switch` log lines) from the large run's start are counted, split into new
// worktrees and commit changes of an existing checkout.
// The verdict compares the small run's contended time with its time alone (target <= 2x). Each
// run gets a new salt (an input of every task), so every hash is new to the caches.
//
// Usage: npm run build && node bench/fairness/run.mjs
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, startCache, startRedis, stop, stopAll, killAllSync, waitExit, waitFor } from '../dte/processes.mjs';
import { git, linkNodeModules, writeWorkspace } from '../dte/workspace.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fleetBin = path.join(repo, 'dist', 'cli', 'main.js');
const { generateLevelKeys } = createRequire(import.meta.url)(path.join(repo, 'dist', 'runner', 'index.js'));
const BIG = Number(process.env.BENCH_BIG ?? 200);
const SMALL = Number(process.env.BENCH_SMALL ?? 5);
const MS = Number(process.env.BENCH_MS ?? 400);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 2);
const HEAD = Number(process.env.BENCH_HEAD ?? 10);
const CHECKOUTS = process.env.BENCH_CHECKOUTS ? ['--checkouts', process.env.BENCH_CHECKOUTS] : [];
const keys = generateLevelKeys();
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const t00 = Date.now();
const log = (l) => process.stderr.write(`bench [${((Date.now() - t00) / 1000).toFixed(0)} s]: ${l}\n`);

function env(extra = {}) {
  const e = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', NO_COLOR: '1', ...extra };
  for (const k of Object.keys(e)) if (k.startsWith('VITEST') || k.startsWith('FLEET_')) delete e[k];
  return { ...e, ...extra };
}

/** A new salt in `ws`, pushed to its own branch of origin (the two clones never push over each other). */
function salt(ws, label, branch) {
  fs.writeFileSync(path.join(ws, 'salt.txt'), `${label} ${Date.now()} ${Math.random()}\n`);
  git(ws, ['commit', '-q', '-am', `salt ${label}`]);
  git(ws, ['push', '-q', '-f', 'origin', `HEAD:refs/heads/${branch}`]);
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fairness-'));
  const nodes = [
    ...Array.from({ length: BIG }, (_, i) => ({ name: `big${i}`, ms: MS, deps: [] })),
    ...Array.from({ length: SMALL }, (_, i) => ({ name: `small${i}`, ms: MS, deps: [] })),
  ];
  const ws = path.join(tmp, 'ws');
  const bare = path.join(tmp, 'origin.git');
  writeWorkspace(ws, { nodes });
  git(ws, ['init', '-q', '-b', 'main']);
  git(ws, ['add', '-A']);
  git(ws, ['commit', '-q', '-m', 'bench/fairness workspace']);
  git(tmp, ['clone', '-q', '--bare', ws, bare]);
  git(ws, ['remote', 'add', 'origin', bare]);
  git(ws, ['fetch', '-q', 'origin']);
  git(ws, ['branch', '-q', '--set-upstream-to=origin/main', 'main']);
  linkNodeModules(repo, ws);
  const ws2 = path.join(tmp, 'ws2');
  git(tmp, ['clone', '-q', bare, ws2]);
  linkNodeModules(repo, ws2);
  const clones = Array.from({ length: AGENTS }, (_, i) => {
    const d = path.join(tmp, `agent-${i + 1}`);
    git(tmp, ['clone', '-q', bare, d]);
    linkNodeModules(repo, d);
    return d;
  });
  const redis = await startRedis(tmp);
  const cache = await startCache(fleetBin, tmp, path.join(tmp, 'store'));
  const agents = clones.map((d, i) =>
    start(
      `agent a${i + 1}`,
      process.execPath,
      [
        fleetBin,
        'agent',
        '--redis',
        redis.url,
        '--cache',
        cache.url,
        '--slots',
        '1',
        '--id',
        `a${i + 1}`,
        '--workdir',
        d,
        ...CHECKOUTS,
      ],
      {
        cwd: d,
        env: env({ FLEET_PUBLIC_KEY: keys.publicKey, NX_CACHE_DIRECTORY: path.join(d, '.nx', 'cache') }),
        logFile: path.join(tmp, `agent-${i + 1}.log`),
      },
    ),
  );
  await waitFor(() => agents.every((a) => a.output().includes('agent ready')), 60_000, 'agents ready');
  const runEnv = env({ FLEET_REDIS_URL: redis.url, FLEET_CACHE_URL: cache.url, FLEET_SIGNING_KEY: keys.privateKey });
  const fleetRun = (cwd, label, projects) => {
    const summary = path.join(tmp, `summary-${label}.json`);
    const t0 = performance.now();
    const p = start(
      `fleet run ${label}`,
      process.execPath,
      [fleetBin, 'run', '--summary-json', summary, 'run-many', '-t', 'work', '-p', projects],
      { cwd, env: runEnv, logFile: path.join(tmp, `run-${label}.log`) },
    );
    return {
      p,
      done: waitExit(p, 1_800_000).then((code) => {
        if (code !== 0) throw new Error(`fleet run ${label} exited ${code}:\n${p.output().slice(-3000)}`);
        return { ms: performance.now() - t0, summary: JSON.parse(fs.readFileSync(summary, 'utf8')) };
      }),
    };
  };
  const load0 = load();
  salt(ws2, 'alone', 'small');
  log(`small run alone (${SMALL} tasks, ${AGENTS} agents; load ${load()})`);
  const alone = await fleetRun(ws2, 'alone', 'small*').done;
  log(`alone: ${(alone.ms / 1000).toFixed(1)} s`);
  salt(ws, 'big', 'big');
  salt(ws2, 'contended', 'small');
  log(`large run (${BIG} tasks), then the small run after ${HEAD} of its tasks ended (load ${load()})`);
  const bigAt = Date.now();
  const big = fleetRun(ws, 'big', 'big*');
  const ended = () => agents.reduce((n, a) => n + (a.output().match(/"task finished"/g) ?? []).length, 0);
  const before = ended();
  const switches = () =>
    agents
      .flatMap((a) => a.output().split('\n'))
      .filter((l) => l.includes('"checkout switch"'))
      .map((l) => JSON.parse(l));
  await waitFor(() => ended() - before >= HEAD, 600_000, 'large run in flight');
  const small = await fleetRun(ws2, 'contended', 'small*').done;
  const bigDone = await big.done;
  const during = switches().filter((e) => e.startedAt >= bigAt);
  const created = during.filter((e) => e.created).length;
  if (process.env.BENCH_VERBOSE) for (const e of switches()) log(JSON.stringify(e));
  const smallEnd = Math.max(...small.summary.tasks.map((t) => t.endedAt));
  const bigAfter = bigDone.summary.tasks.filter((t) => t.startedAt > smallEnd).length;
  const ratio = small.ms / alone.ms;
  // The agents' part: the small run's first queueing to its last task's end (no coordinator start-up, no replay).
  const exec = (sum) => Math.max(...sum.tasks.map((t) => t.endedAt)) - Math.min(...sum.tasks.map((t) => t.queuedAt));
  const execRatio = exec(small.summary) / exec(alone.summary);
  const out = [
    `bench/fairness, ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, load average ${load0} at the start, ${load()} at the end`,
    `${AGENTS} agents (--slots 1), tasks sleep ${MS} ms; small run ${SMALL} tasks, large run ${BIG} tasks`,
    `small run alone:                    ${(alone.ms / 1000).toFixed(1)} s`,
    `small run during the large one:     ${(small.ms / 1000).toFixed(1)} s  (${ratio.toFixed(2)}x its time alone; target <= 2x: ${ratio <= 2 ? 'met' : 'NOT met'})`,
    `  of which on the agents (first queued to last ended): ${(exec(alone.summary) / 1000).toFixed(1)} s alone, ${(exec(small.summary) / 1000).toFixed(1)} s during the large run (${execRatio.toFixed(2)}x)`,
    `large run:                          ${(bigDone.ms / 1000).toFixed(1)} s; ${bigAfter} of its tasks started after the small run's last task ended`,
    `checkout switches on the agents from the large run's start: ${during.length - created} commit changes, ${created} new worktrees (--checkouts ${process.env.BENCH_CHECKOUTS ?? 'default'})`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  await Promise.all(agents.map((a) => stop(a, 15_000)));
  await stopAll(5000);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch(async (e) => {
  process.stderr.write(`bench/fairness failed: ${e.stack ?? e}\n`);
  await stopAll().catch(() => killAllSync());
  process.exitCode = 1;
});
