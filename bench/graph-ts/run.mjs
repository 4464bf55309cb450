#!/usr/bin/env node
// Times nx-fleet's file graph on the generated tree (cold, warm, one-file change, Nx-style
// incremental call, parse crossover) and, in the same run, madge 8, dependency-cruiser 17 and
// Nx's own TypeScript dependency analysis on the same tree. Prints wall and CPU times and
// ratios, and checks our edge counts against the generator's expectation (exit 1 if not equal).
// Usage: node bench/graph-ts/run.mjs [--quick] [--no-peers] [--peer-projects N] [--baseline OTHER/dist/graph/index.js]
//   --baseline: also measures another build (e.g. the commit before a change) alternately with
//   this one, three rounds, and prints the medians side by side (bench/graph-ts/baseline.mjs).
//   --quick: madge and dependency-cruiser run on the first N projects (default 50) and their
//   time is scaled by the file ratio (they take minutes on the whole tree).
// Needs `npx tsc -b tsconfig.build.json` first (it loads dist/graph).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const work = path.join(repo, 'bench', '.work', 'graph-ts');
const ws = path.join(work, 'ws');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const peers = !args.includes('--no-peers');
const peerProjects = Number(args[args.indexOf('--peer-projects') + 1]) || 50;
const require = createRequire(import.meta.url);

if (!fs.existsSync(path.join(work, 'expected.json')))
  execFileSync(process.execPath, [path.join(here, 'generate.mjs')], { stdio: 'inherit' });
const expected = JSON.parse(fs.readFileSync(path.join(work, 'expected.json'), 'utf8'));
const { buildFileGraph } = require(path.join(repo, 'dist', 'graph'));

async function timed(fn) {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const result = await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const u = process.cpuUsage(cpu);
  return { wall, cpu: (u.user + u.system) / 1000, result };
}

function countEdges(graph) {
  const c = { imports: 0, workspaceEdges: 0, external: 0, unresolved: 0 };
  for (const f of Object.values(graph.files)) {
    for (const i of f.imports) {
      c.imports++;
      if (i.target) c.workspaceEdges++;
      else if (i.external) c.external++;
      else c.unresolved++;
    }
  }
  return c;
}

const rows = [];
const row = (name, t, note = '') => rows.push({ name, wall: t.wall, cpu: t.cpu, note });

async function ours() {
  const cacheDir = path.join(work, 'cache');
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const cold = await timed(() => buildFileGraph({ workspaceRoot: ws, cacheDir }));
  row('nx-fleet cold (discover, hash, parse, resolve, write cache)', cold, JSON.stringify(cold.result.stats));
  const got = countEdges(cold.result);
  const ok = ['imports', 'workspaceEdges', 'external', 'unresolved'].every((k) => got[k] === expected[k]);
  console.log(
    `edges: ${JSON.stringify(got)}; expected ${JSON.stringify({ imports: expected.imports, workspaceEdges: expected.workspaceEdges, external: expected.external, unresolved: expected.unresolved })}: ${ok ? 'OK' : 'MISMATCH'}`,
  );
  const warm = await timed(() => buildFileGraph({ workspaceRoot: ws, cacheDir }));
  row('nx-fleet warm (no change, whole graph)', warm);
  const changed = 'packages/p7/src/mod3.ts';
  const original = fs.readFileSync(path.join(ws, changed), 'utf8');
  fs.writeFileSync(path.join(ws, changed), `${original}import { v1 } from './mod1';\n`);
  try {
    const change = await timed(() => buildFileGraph({ workspaceRoot: ws, cacheDir }));
    row('nx-fleet one-file change (whole graph again)', change, JSON.stringify(change.result.stats));
    // What the Nx plugin does: Nx gives every file with its hash and only the changed file to process.
    const files = gitFilesWithHashes();
    // Nx's hashes are not ours: one call with nothing to process sets up the context under them, as Nx's first graph would.
    await buildFileGraph({ workspaceRoot: ws, cacheDir, files, filesToProcess: [] });
    fs.appendFileSync(path.join(ws, changed), '// again\n');
    files.find((f) => f.file === changed).hash = 'changed-again';
    const incremental = await timed(() =>
      buildFileGraph({ workspaceRoot: ws, cacheDir, files, filesToProcess: [changed] }),
    );
    row(
      'nx-fleet one-file change as createDependencies gets it (filesToProcess)',
      incremental,
      JSON.stringify(incremental.result.stats),
    );
  } finally {
    fs.writeFileSync(path.join(ws, changed), original);
  }
  return { cold, ok };
}

function gitFilesWithHashes() {
  const out = execFileSync('git', ['ls-files', '-s', '-z'], { cwd: ws, maxBuffer: 1 << 30, encoding: 'utf8' });
  return out
    .split('\0')
    .filter(Boolean)
    .map((l) => ({ file: l.slice(l.indexOf('\t') + 1), hash: l.split(' ')[1] }));
}

async function crossover() {
  const sources = gitFilesWithHashes().filter((f) => /\.[cm]?[jt]sx?$/.test(f.file));
  const files = gitFilesWithHashes();
  for (const n of [1000, 3000, 10000, sources.length]) {
    const subset = sources.slice(0, n).map((f) => f.file);
    const serial = await timed(() =>
      buildFileGraph({
        workspaceRoot: ws,
        cacheDir: false,
        files,
        filesToProcess: subset,
        parallelThreshold: Number.MAX_SAFE_INTEGER,
      }),
    );
    const pool = await timed(() =>
      buildFileGraph({
        workspaceRoot: ws,
        cacheDir: false,
        files,
        filesToProcess: subset,
        parallelThreshold: 1,
        parallelMinCores: 1,
      }),
    );
    console.log(
      `parse crossover, ${n} files: main thread ${serial.wall.toFixed(0)} ms, piscina (${os.availableParallelism()} cores) ${pool.wall.toFixed(0)} ms`,
    );
  }
}

function runPeer(name, cmd, cmdArgs, scale) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, cmdArgs, {
    cwd: ws,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192' },
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) console.log(`${name} exited ${r.status}: ${(r.stderr || '').slice(0, 500)}`);
  row(
    name,
    { wall: wall * scale, cpu: NaN },
    scale === 1 ? '' : `measured ${wall.toFixed(0)} ms on ${peerProjects} projects, scaled x${scale.toFixed(1)}`,
  );
  return r;
}

function nxAnalysis() {
  const nm = path.join(ws, 'node_modules');
  fs.mkdirSync(nm, { recursive: true });
  for (const name of ['nx', '@nx'])
    if (!fs.existsSync(path.join(nm, name))) fs.symlinkSync(path.join(repo, 'node_modules', name), path.join(nm, name));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-data-'));
  const t = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'),
      'graph',
      `--file=${path.join(work, 'nx-graph.json')}`,
    ],
    {
      cwd: ws,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: {
        ...process.env,
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_TUI: 'false',
        NX_PERF_LOGGING: 'true',
        NX_WORKSPACE_DATA_DIRECTORY: data,
        NX_CACHE_DIRECTORY: path.join(data, 'cache'),
      },
    },
  );
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  fs.rmSync(data, { recursive: true, force: true });
  const m = /Time taken for 'build typescript dependencies' ([\d.]+)ms/.exec(r.stdout + r.stderr);
  if (r.status !== 0 || !m)
    console.log(
      `nx graph: exit ${r.status}, no "build typescript dependencies" timing: ${(r.stdout + r.stderr).slice(-800)}`,
    );
  let edges = 0;
  try {
    const g = JSON.parse(fs.readFileSync(path.join(work, 'nx-graph.json'), 'utf8'));
    edges = Object.values(g.graph.dependencies)
      .flat()
      .filter((d) => !d.target.startsWith('npm:')).length;
  } catch {
    /* reported through the missing timing above */
  }
  if (m)
    row(
      "Nx 24 'build typescript dependencies' (cold nx graph)",
      { wall: Number(m[1]), cpu: NaN },
      `${edges} project-to-project edges in its graph`,
    );
  row('Nx 24 whole cold `nx graph`', { wall, cpu: NaN });
}

function peerRuns() {
  const projects = fs
    .readdirSync(path.join(ws, 'packages'))
    .filter((p) => /^p\d+$/.test(p))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const subset = quick ? projects.slice(0, peerProjects) : projects;
  const scale = projects.length / subset.length;
  const dirs = subset.map((p) => `packages/${p}`);
  runPeer(
    'madge 8',
    process.execPath,
    [
      path.join(repo, 'node_modules/madge/bin/cli.js'),
      '--json',
      '--extensions',
      'ts,tsx,js,cjs,mjs',
      '--ts-config',
      'tsconfig.base.json',
      ...dirs,
    ],
    scale,
  );
  runPeer(
    'dependency-cruiser 17',
    process.execPath,
    [
      path.join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      '--no-config',
      '--output-type',
      'json',
      '--ts-config',
      'tsconfig.base.json',
      '--output-to',
      path.join(work, 'depcruise.json'),
      ...dirs,
    ],
    scale,
  );
  nxAnalysis();
}

const baselineAt = args.indexOf('--baseline');
if (baselineAt >= 0) {
  const { beforeAfter } = await import('./baseline.mjs');
  await beforeAfter(path.resolve(args[baselineAt + 1]), path.join(repo, 'dist', 'graph', 'index.js'), ws, work);
}
const { cold, ok } = await ours();
await crossover();
if (peers) peerRuns();
console.log(
  `\n${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, Node ${process.version}`,
);
console.log('| step | wall ms | CPU ms | × our cold (wall) | note |\n|---|---:|---:|---:|---|');
for (const r of rows) {
  const ratio = r.wall / cold.wall;
  console.log(
    `| ${r.name} | ${r.wall.toFixed(0)} | ${Number.isNaN(r.cpu) ? '' : r.cpu.toFixed(0)} | ${ratio.toFixed(ratio < 1 ? 3 : 1)} | ${r.note} |`,
  );
}
console.log(createHash('sha1').update(JSON.stringify(expected)).digest('hex').slice(0, 12), 'tree fingerprint');
process.exitCode = ok ? 0 : 1;
