// bench/analytics/hook.mjs: an Nx command of N tasks (default 500) with and without the run
// history hook, end to end, side by side (alternating), plus the hook's own time from
// FLEET_HISTORY_TRACE. "Without" is FLEET_HISTORY=0, with which nx-fleet registers no
// postTasksExecution hook at all (plugin/post-tasks-execution.ts, hookWanted), so Nx sends the
// task results to no plugin; the warm rounds add a no-op hook of another plugin, which is what
// Nx's transport of the results costs any hook. Usage: node bench/analytics/hook.mjs [tasks=500] [warmRounds=7] [coldRounds=3]
// Needs `npm run build`. Prints one JSON report (docs/benchmarks.md, "Run history").
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { createWorkspace, repoRoot } = require('../../dist/test/rig/index.js');
const N = Number(process.argv[2] ?? 500);
const WARM = Number(process.argv[3] ?? 7);
const COLD = Number(process.argv[4] ?? 3);

// noop-hook.js: a plugin whose postTasksExecution does nothing, registered only when BENCH_NOOP_HOOK
// is set (its createNodes keeps its worker alive as nx-fleet's is). It measures what Nx itself
// spends bringing every task's result to any plugin's hook (stubbing terminal outputs, the
// socket, the worker reading them back), apart from nx-fleet's own work.
const files = {
  'nx.json': JSON.stringify({
    plugins: ['nx-fleet', './noop-hook.js'],
    namedInputs: { default: ['{projectRoot}/**/*'] },
  }),
  'noop-hook.js': [
    "exports.name = 'noop-hook';",
    "exports.createNodesV2 = ['**/noop-hook-none.json', async () => []];",
    'exports.postTasksExecution = process.env.BENCH_NOOP_HOOK ? async () => {} : undefined;',
    '',
  ].join('\n'),
  'package.json': JSON.stringify({ name: 'bench-hook', private: true }),
};
for (let i = 0; i < N; i++) {
  const deps = i % 25 ? [`p${i - 1}`] : [];
  files[`libs/p${i}/project.json`] = JSON.stringify({
    name: `p${i}`,
    root: `libs/p${i}`,
    implicitDependencies: deps,
    targets: {
      build: {
        executor: 'nx:run-commands',
        cache: true,
        dependsOn: ['^build'],
        inputs: ['default', '^default', { env: 'BENCH_SALT' }],
        options: { command: 'echo ok' },
      },
    },
  });
  for (let j = 0; j < 5; j++) files[`libs/p${i}/src/f${j}.ts`] = `export const v = ${i * 10 + j};\n`;
}
const ws = createWorkspace({ files });
const trace = path.join(ws.root, 'trace.jsonl');
const nxBin = path.join(repoRoot(), 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

function run(history, salt, noop = false) {
  const env = ws.env({
    FLEET_HISTORY: history ? '1' : '0',
    FLEET_HISTORY_TRACE: trace,
    BENCH_SALT: salt,
    ...(noop ? { BENCH_NOOP_HOOK: '1' } : {}),
  });
  const s = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [nxBin, 'run-many', '-t', 'build', '--parallel=4'], {
    cwd: ws.root,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  if (r.status !== 0) throw new Error(`nx failed: ${r.stderr.slice(-2000)}`);
  // The detached completer (a run with new hashes) is waited for here, outside the timed command,
  // so that it does not run during the next, timed one; its own time is in the trace.
  const completing = path.join(ws.root, '.nx/fleet/completing');
  const until = Date.now() + 60_000;
  const waiting = () => fs.existsSync(completing) && fs.readdirSync(completing).some((n) => n.endsWith('.json'));
  while (Date.now() < until && waiting()) spawnSync('sleep', ['0.05']);
  return ms;
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const traced = () =>
  fs
    .readFileSync(trace, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const hookTimes = () => {
  const lines = traced();
  const hook = lines.filter((o) => o.code === 'RECORDED');
  // The completer's line for each run (FLEET_HISTORY_DEFER, on by default): its time is not the command's.
  const completed = new Map(lines.filter((o) => o.code === 'COMPLETED').map((o) => [o.runId, o]));
  for (const h of hook) h.completer = completed.get(h.runId) ?? null;
  return hook;
};

// Warm: every task a local cache hit whose manifest is stored (the common CI case).
run(true, 'warm');
run(false, 'warm');
fs.rmSync(trace, { force: true });
const warm = { on: [], off: [], noop: [] };
for (let i = 0; i < WARM; i++) {
  warm.off.push(run(false, 'warm'));
  warm.noop.push(run(false, 'warm', true));
  warm.on.push(run(true, 'warm'));
}
const warmHook = hookTimes();

fs.rmSync(trace, { force: true });
// Cold, environment changed: every hash new (the salt is an env input), every task runs; the
// file inputs are those of earlier runs (their manifests are found by inputs key).
const cold = { on: [], off: [] };
for (let i = 0; i < COLD; i++) {
  cold.off.push(run(false, `cold-off-${i}`));
  cold.on.push(run(true, `cold-on-${i}`));
}
const coldHook = hookTimes();

fs.rmSync(trace, { force: true });
// Cold, files changed: a source file of every chain's first project changes before each run, so
// every hash is new and so is every task's file set (no manifest can be reused).
const touched = { on: [], off: [] };
const touch = (tag) => {
  for (let i = 0; i < N; i += 25) ws.write(`libs/p${i}/src/f0.ts`, `export const v = '${tag}';\n`);
};
for (let i = 0; i < COLD; i++) {
  touch(`off-${i}`);
  touched.off.push(run(false, 'files'));
  touch(`on-${i}`);
  touched.on.push(run(true, 'files'));
}
const filesHook = hookTimes();

const dbBytes =
  fs.statSync(path.join(ws.root, '.nx/fleet/history.db')).size +
  (fs.statSync(path.join(ws.root, '.nx/fleet/history.db-wal'), { throwIfNoEntry: false })?.size ?? 0);
const summary = (x, hook) => ({
  offMedianMs: Math.round(median(x.off)),
  onMedianMs: Math.round(median(x.on)),
  addedMedianMs: Math.round(median(x.on) - median(x.off)),
  // Rounds alternate off, on: the median of each round's own difference is less exposed to the
  // machine's drift than the difference of the two medians.
  addedPairedMedianMs: Math.round(median(x.on.map((v, i) => v - x.off[i]))),
  // A no-op hook of another plugin instead of nx-fleet's (warm only): Nx's own cost of any hook.
  ...(x.noop
    ? {
        noopMedianMs: Math.round(median(x.noop)),
        noopAddedPairedMedianMs: Math.round(median(x.noop.map((v, i) => v - x.off[i]))),
        noop: x.noop.map(Math.round),
      }
    : {}),
  hookMedianMs: +median(hook.map((h) => h.ms)).toFixed(1),
  manifestsComputed: hook.map((h) => h.manifestsComputed + (h.completer?.manifestsComputed ?? 0)),
  deferred: hook.map((h) => h.deferred ?? 0),
  // The detached completer, after the command: its own time and steps (median over the rounds).
  completerMedianMs: hook.some((h) => h.completer) ? +median(hook.map((h) => h.completer?.ms ?? 0)).toFixed(1) : null,
  completerPhasesMedianMs: Object.fromEntries(
    [...new Set(hook.flatMap((h) => Object.keys(h.completer?.phases ?? {})))].map((k) => [
      k,
      +median(hook.map((h) => h.completer?.phases?.[k] ?? 0)).toFixed(1),
    ]),
  ),
  manifestsStale: hook.map((h) => h.completer?.manifestsStale ?? 0),
  // Where the hook's time goes: the median of each step over the rounds (FLEET_HISTORY_TRACE).
  phasesMedianMs: Object.fromEntries(
    [...new Set(hook.flatMap((h) => Object.keys(h.phases ?? {})))].map((k) => [
      k,
      +median(hook.map((h) => h.phases?.[k] ?? 0)).toFixed(1),
    ]),
  ),
  off: x.off.map(Math.round),
  on: x.on.map(Math.round),
});
console.log(
  JSON.stringify(
    {
      tasks: N,
      cores: os.cpus().length,
      defer: process.env.FLEET_HISTORY_DEFER ?? 'default (on)',
      loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
      warm: summary(warm, warmHook),
      cold: summary(cold, coldHook),
      coldFiles: summary(touched, filesHook),
      storeBytesAfter: dbBytes,
    },
    null,
    2,
  ),
);
ws.dispose();
