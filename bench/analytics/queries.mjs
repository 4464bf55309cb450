// bench/analytics/queries.mjs: query latencies on a large generated run store, and bytes per
// recorded task run. Usage: node bench/analytics/queries.mjs [taskRuns=1000000] [dbFile|-] [changeRate=0.002] [reuse]
// Needs `npm run build` first. Prints one JSON report (docs/benchmarks.md, "Run history").
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const a = require('../../dist/analytics/index.js');
const { diffManifests } = require('../../dist/analytics/diff-manifests.js');

const TARGET_RUNS = Number(process.argv[2] ?? 1_000_000);
const PROJECTS = 500;
const FILES = 20; // files per project
const CHANGE_RATE = Number(process.argv[4] ?? 0.002); // share of files changed per commit
const FLAKE = 0.01; // executed tasks that fail once, then pass with the same hash
const DAYS = 90;
const file =
  process.argv[3] && process.argv[3] !== '-'
    ? process.argv[3]
    : path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-q-')), 'history.db');

let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const sqlite = a.loadSqlite();
if (!sqlite.ok) throw new Error(sqlite.message);
const opened = a.openRunStore({ Database: sqlite.Database, file });
if (!opened.ok) throw new Error(opened.message);
const store = opened.store;
// Generation speed only: the hook writes with synchronous=FULL.
store.db.pragma('synchronous = OFF');

// Project DAG: each project depends on up to 2 earlier ones; a change reaches its dependents.
// Local fan-out, as in real monorepos: 20 groups of 25 projects; a project depends on up to 2
// of the (at most 10) projects before it in its group, so a change reaches only its group.
const deps = Array.from({ length: PROJECTS }, (_, i) => {
  const lo = Math.max(i - (i % 25), i - 10);
  return i > lo ? [...new Set([lo + Math.floor(rand() * (i - lo)), lo + Math.floor(rand() * (i - lo))])] : [];
});
const dependents = Array.from({ length: PROJECTS }, () => []);
deps.forEach((ds, i) => ds.forEach((d) => dependents[d].push(i)));
const fileHash = Array.from({ length: PROJECTS }, () =>
  Array.from({ length: FILES }, () => String(Math.floor(rand() * 1e15))),
);
const taskHash = Array.from({ length: PROJECTS }, (_, i) => `h${i}-0`);
const version = new Array(PROJECTS).fill(0);
const targets = ['build', 'test', 'lint'];
const runsNeeded = Math.ceil(TARGET_RUNS / PROJECTS);
const t0 = Date.now() - DAYS * 86_400_000;
const manifestOf = (p) => ({
  files: [
    ...fileHash[p].map((h, j) => [`libs/p${p}/src/file-${j}.ts`, h]),
    ...deps[p].flatMap((d) => fileHash[d].slice(0, 5).map((h, j) => [`libs/p${d}/src/file-${j}.ts`, h])),
  ].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
  environment: ['NODE_ENV'],
  runtime: ['node -v'],
  external: ['AllExternalDependencies'],
  depOutputs: [],
  command: JSON.stringify({ executor: 'nx:run-commands', options: { command: `tsc -p libs/p${p}` } }),
});

const reuse = process.argv[5] === 'reuse';
const genStart = Date.now();
let taskRuns = 0;
const allHashes = [];
for (let r = 0; !reuse && r < runsNeeded && taskRuns < TARGET_RUNS; r++) {
  const start = t0 + Math.floor((r / runsNeeded) * DAYS * 86_400_000);
  const changed = new Set();
  for (let p = 0; p < PROJECTS; p++)
    for (let f = 0; f < FILES; f++)
      if (rand() < CHANGE_RATE) {
        fileHash[p][f] = String(Math.floor(rand() * 1e15));
        changed.add(p);
      }
  const affected = new Set();
  const walk = (p) => {
    if (affected.has(p)) return;
    affected.add(p);
    dependents[p].forEach(walk);
  };
  changed.forEach(walk);
  const target = targets[r % 3];
  const tasks = [];
  for (let p = 0; p < PROJECTS && taskRuns + tasks.length < TARGET_RUNS; p++) {
    const miss = affected.has(p);
    if (miss) taskHash[p] = `h${p}-${++version[p]}`;
    const hash = `${target}-${taskHash[p]}`;
    const s = start + p * 10;
    const base = {
      taskId: `p${p}:${target}`,
      project: `p${p}`,
      target,
      configuration: null,
      hash,
      outputBytes: 2000,
      exitCode: 0,
    };
    const details = {
      command: '1',
      nodes: { [`p${p}:files`]: hash, 'env:NODE_ENV': '3244421341483603138', 'runtime:node -v': '1' },
    };
    if (miss && rand() < FLAKE)
      tasks.push({
        ...base,
        status: 'failure',
        cache: 'miss',
        exitCode: 1,
        startTime: s,
        endTime: s + 3000,
        hashDetails: details,
        manifest: manifestOf(p),
        attempt: 1,
      });
    tasks.push({
      ...base,
      status: miss ? 'success' : 'local-cache',
      cache: miss ? 'miss' : rand() < 0.5 ? 'local' : 'remote',
      startTime: s,
      endTime: s + (miss ? 2000 + Math.floor(rand() * 8000) : 20),
      hashDetails: details,
      manifest: miss ? manifestOf(p) : null,
      attempt: tasks.length && tasks[tasks.length - 1].taskId === base.taskId ? 2 : 1,
    });
    if (miss) allHashes.push(hash);
  }
  const known = store.manifestsByHash(tasks.filter((t) => !t.manifest).map((t) => t.hash));
  store.record(
    {
      format: a.RECORD_FORMAT,
      runId: `run-${r}`,
      namespace: 'main',
      command: `nx affected -t ${target}`,
      argv: [],
      branch: r % 5 ? 'main' : `pr-${r}`,
      commit: `c${r}`,
      machine: `ci-${r % 8}`,
      startTime: start,
      endTime: start + 600_000,
      tasks,
    },
    known,
  );
  taskRuns += tasks.length;
}
const genMs = Date.now() - genStart;
// `reuse`: measure the queries again on a store generated before (same seed, same parameters).
if (reuse)
  for (const { hash } of store.db
    .prepare("SELECT DISTINCT hash FROM task_runs WHERE cache = 'miss' LIMIT 100000")
    .all())
    allHashes.push(hash);
store.db.pragma('wal_checkpoint(TRUNCATE)');
store.close();
const bytes = fs.statSync(file).size;

// Queries: a fresh read-only connection, random parameters, no response cache.
const ro = a.openRunStore({ Database: sqlite.Database, file, readonly: true }).store;
const now = t0 + DAYS * 86_400_000;
const pickTask = () => `p${Math.floor(rand() * PROJECTS)}:${targets[Math.floor(rand() * 3)]}`;
const queries = {
  'runs list': () => ro.listRuns({ limit: 20, before: t0 + rand() * DAYS * 86_400_000 }),
  'runs list (branch)': () => ro.listRuns({ limit: 20, branch: 'main', before: t0 + rand() * DAYS * 86_400_000 }),
  'run tasks': () => ro.runTasks(`run-${Math.floor(rand() * runsNeeded)}`),
  'task history': () => ro.taskHistory(pickTask(), { limit: 50 }),
  'explain (store side)': () => {
    const id = pickTask();
    const [last, prev] = ro.taskHistory(id, { withManifest: true, limit: 2 });
    if (!last || !prev) return;
    const details = ro.hashDetails(last.runId, last.taskId);
    diffManifests(ro.manifest(prev.manifestId), ro.manifest(last.manifestId), {
      before: details,
      now: { env: {}, runtime: {} },
    });
    ro.producerOf(last.hash);
  },
  producer: () => ro.producerOf(allHashes[Math.floor(rand() * allHashes.length)]),
  'flaky (14 days)': () => a.flakyTasks(ro, { days: 14, now: t0 + (14 + rand() * (DAYS - 14)) * 86_400_000 }),
  'flaky (14 days, one target)': () =>
    a.flakyTasks(ro, {
      days: 14,
      target: targets[Math.floor(rand() * 3)],
      now: t0 + (14 + rand() * (DAYS - 14)) * 86_400_000,
    }),
  'trends (14 days)': () => a.trendStats(ro, { days: 14, now: t0 + (14 + rand() * (DAYS - 14)) * 86_400_000 }),
};
const pct = (xs, p) => xs.slice().sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const results = {};
for (const [name, fn] of Object.entries(queries)) {
  const n = name.startsWith('flaky') || name.startsWith('trends') ? 40 : 300;
  const ms = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    fn();
    ms.push(performance.now() - s);
  }
  results[name] = { n, p50: +pct(ms, 50).toFixed(2), p95: +pct(ms, 95).toFixed(2), max: +Math.max(...ms).toFixed(2) };
}
const counts = ro.db
  .prepare(
    'SELECT (SELECT count(*) FROM task_runs) AS taskRuns, (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM blobs) AS blobs',
  )
  .get();
ro.close();
console.log(
  JSON.stringify(
    {
      workspace: {
        projects: PROJECTS,
        filesPerProject: FILES,
        changeRatePerCommit: CHANGE_RATE,
        flakeRate: FLAKE,
        days: DAYS,
      },
      ...counts,
      generateSeconds: Math.round(genMs / 1000),
      storeBytes: bytes,
      bytesPerTaskRun: Math.round(bytes / counts.taskRuns),
      queriesMs: results,
      cores: os.cpus().length,
    },
    null,
    2,
  ),
);
