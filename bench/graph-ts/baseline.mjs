// Before/after in the same run (`run.mjs --baseline OTHER/dist/graph/index.js`), mirroring
// bench/graph-python: the build before a change and this one measured alternately, three rounds,
// median of each; the rounds alternate which build goes first. Measured per build: the file graph cold (fresh cache), warm (no change), a
// one-file change as createDependencies gets it (Nx's hashes, filesToProcess = 1 file), and the
// plugin's createNodes over the tree's project files (dist/plugin/create-nodes.js next to the
// graph build), where issue #12 changed the targets.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const PROJECT_FILES =
  /(^|\/)(package\.json|project\.json|tsconfig(\.(lib|app|build))?\.json|pyproject\.toml|Dockerfile)$/;

function gitFiles(ws) {
  const out = execFileSync('git', ['ls-files', '-s', '-z'], { cwd: ws, maxBuffer: 1 << 30, encoding: 'utf8' });
  return out
    .split('\0')
    .filter(Boolean)
    .map((l) => ({ file: l.slice(l.indexOf('\t') + 1), hash: l.split(' ')[1] }));
}

async function wall(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function measure(graphIndex, ws, work, label) {
  const { buildFileGraph } = require(graphIndex);
  const { createNodes } = require(path.resolve(path.dirname(graphIndex), '..', 'plugin', 'create-nodes.js'));
  const cacheDir = path.join(work, `cache-${label}`);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const cold = await wall(() => buildFileGraph({ workspaceRoot: ws, cacheDir }));
  const warm = await wall(() => buildFileGraph({ workspaceRoot: ws, cacheDir }));
  const files = gitFiles(ws);
  await buildFileGraph({ workspaceRoot: ws, cacheDir, files, filesToProcess: [] });
  const changed = 'packages/p7/src/mod3.ts';
  const original = fs.readFileSync(path.join(ws, changed), 'utf8');
  fs.appendFileSync(path.join(ws, changed), '// baseline bench\n');
  files.find((f) => f.file === changed).hash = `changed-${label}`;
  let oneFile;
  try {
    oneFile = await wall(() => buildFileGraph({ workspaceRoot: ws, cacheDir, files, filesToProcess: [changed] }));
  } finally {
    fs.writeFileSync(path.join(ws, changed), original);
  }
  const configFiles = files.map((f) => f.file).filter((f) => PROJECT_FILES.test(f));
  let results = [];
  const nodes = await wall(async () => {
    results = await createNodes[1](configFiles, {}, { workspaceRoot: ws, nxJsonConfiguration: {} });
  });
  const targets = results.reduce(
    (n, [, r]) => n + Object.values(r.projects ?? {}).reduce((m, p) => m + Object.keys(p.targets ?? {}).length, 0),
    0,
  );
  return { cold, warm, oneFile, nodes, targets };
}

export async function beforeAfter(baseline, current, ws, work) {
  const before = [];
  const after = [];
  const load = [os.loadavg()[0]];
  // Rounds alternate which build goes first, so warm-up and caches favour neither.
  for (let i = 0; i < 3; i++) {
    const sides = [
      () => measure(baseline, ws, work, 'before').then((r) => before.push(r)),
      () => measure(current, ws, work, 'after').then((r) => after.push(r)),
    ];
    if (i % 2 === 1) sides.reverse();
    for (const side of sides) await side();
    load.push(os.loadavg()[0]);
  }
  const median = (runs, key) => runs.map((r) => r[key]).sort((a, b) => a - b)[1];
  const keys = [
    ['cold', 'file graph cold (fresh cache)'],
    ['warm', 'file graph warm, no change'],
    ['oneFile', 'one-file change as createDependencies gets it'],
    ['nodes', 'createNodes over every project file of the tree'],
  ];
  const rows = keys.map(([key, name]) => ({ key, name, before: median(before, key), after: median(after, key) }));
  const uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(
    `\nbefore/after (median of 3 alternating rounds); load average during the rounds ${load.map((l) => l.toFixed(1)).join(' → ')}`,
  );
  console.log(`uptime: ${uptime}`);
  console.log(`createNodes targets: before ${before[0].targets}, after ${after[0].targets}`);
  console.log('| measurement | before ms | after ms | after / before |\n|---|---:|---:|---:|');
  for (const r of rows)
    console.log(`| ${r.name} | ${r.before.toFixed(0)} | ${r.after.toFixed(0)} | ${(r.after / r.before).toFixed(2)} |`);
  return { rows, load, uptime, before, after };
}
