// bench/local-exec: per-project `tsc --noEmit` through `nx run-many -t typecheck` (executors:
// "commands", the default), the nx-fleet:typecheck batch executor on the persistent server
// (executors: "fleet"), and `tsc -b` over a solution tsconfig, side by side in one run, cold
// and warm (a second command). Same parallelism for all. Fails when diagnostics differ.
// Usage: npm run build && node bench/local-exec/run.mjs [--libs 50] [--files 40] [--parallel 2]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { generate } from './generate.mjs';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const { linkNodeModules } = require(path.join(repo, 'dist/test/rig/workspace.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const libs = arg('libs', 50),
  files = arg('files', 40),
  parallel = arg('parallel', 2);
const nxBin = path.join(repo, 'node_modules/nx/dist/bin/nx.js');
const tscBin = path.join(repo, 'node_modules/typescript/bin/tsc');

const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-bench-exec-'));
const { seeded } = generate(root, { libs, files });
fs.writeFileSync(
  path.join(root, 'package.json'),
  JSON.stringify({ name: 'bench', private: true, devDependencies: { nx: '*', typescript: '*', 'nx-fleet': '*' } }),
);
fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.nx\nout\n');
linkNodeModules(root);
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_CACHE_DIRECTORY: path.join(root, '.nx/cache'),
  FORCE_COLOR: '0',
  NO_COLOR: '1',
  FLEET_TYPECHECK_THREADS: String(parallel),
};
const setMode = (executors) =>
  fs.writeFileSync(
    path.join(root, 'nx.json'),
    JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { executors } }] }),
  );

function timed(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, out: (r.stdout ?? '') + (r.stderr ?? ''), code: r.status };
}
const nx = () =>
  timed(process.execPath, [nxBin, 'run-many', '-t', 'typecheck', '--skip-nx-cache', `--parallel=${parallel}`]);

/** Error lines as workspace-relative `file(l,c): error TSn: msg`, from Nx's per-task sections or tsc -b. */
function diagnostics(out) {
  const set = new Set();
  let project;
  for (const line of out.split('\n')) {
    const header = line.match(/^> (?:nx run )?(lib\d+):typecheck/);
    if (header) project = header[1];
    const m = line.match(/^(?:\S+\s+)?(\S+\.tsx?)\((\d+),(\d+)\): error (TS\d+: .*)$/);
    if (!m) continue;
    const file = m[1].startsWith('libs/') ? m[1] : `libs/${project}/${m[1]}`;
    set.add(`${file}(${m[2]},${m[3]}): ${m[4]}`);
  }
  return [...set].sort();
}
function serverPeakRss() {
  try {
    const { pid } = JSON.parse(fs.readFileSync(path.join(root, '.nx/fleet/typecheck-server.json'), 'utf8'));
    const hwm = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return { pid, mb: hwm ? Number(hwm[1]) / 1024 : NaN };
  } catch {
    return { pid: 0, mb: NaN };
  }
}
const cleanTscB = () => {
  for (const n of fs.readdirSync(path.join(root, 'libs')))
    fs.rmSync(path.join(root, 'libs', n, 'out'), { recursive: true, force: true });
};

const rows = [];
setMode('commands');
for (const phase of ['cold', 'warm']) rows.push({ mode: 'commands (tsc per project)', phase, ...nx() });
setMode('fleet');
for (const phase of ['cold', 'warm']) rows.push({ mode: 'fleet (batch, server)', phase, ...nx() });
const rss = serverPeakRss();
for (const phase of ['cold', 'warm']) {
  cleanTscB();
  rows.push({
    mode: 'tsc -b --force (not incr.)',
    phase,
    ...timed(process.execPath, [tscBin, '-b', '--force', 'tsconfig.solution.json']),
  });
}
if (rss.pid)
  try {
    process.kill(rss.pid, 'SIGTERM');
  } catch {}

const reference = diagnostics(rows[0].out);
let ok = reference.length > 0;
console.log(
  `bench/local-exec: ${libs} libs x ${files} files, parallel ${parallel}, ${os.availableParallelism()} cores, seeded errors in ${seeded.join(', ')}`,
);
for (const r of rows) {
  const same = JSON.stringify(diagnostics(r.out)) === JSON.stringify(reference);
  ok &&= same;
  console.log(
    `${r.mode.padEnd(28)} ${r.phase}  ${(r.ms / 1000).toFixed(1).padStart(6)} s  exit ${r.code}  diagnostics ${diagnostics(r.out).length}${same ? ' (same)' : ' (DIFFERENT)'}`,
  );
}
const t = (mode, phase) => rows.find((r) => r.mode.startsWith(mode) && r.phase === phase).ms;
for (const phase of ['cold', 'warm']) {
  const vsCommands = t('commands', phase) / t('fleet', phase),
    vsTscB = t('fleet', phase) / t('tsc -b', phase);
  console.log(
    `${phase}: fleet is ${vsCommands.toFixed(2)}x faster than per-project tsc (target >= 4), ${vsTscB.toFixed(2)}x the time of tsc -b (target <= 1.3)`,
  );
}
const limit = Number(process.env.FLEET_TYPECHECK_MAX_RSS_MB ?? 4096);
console.log(`server peak RSS ${rss.mb.toFixed(0)} MiB (limit ${limit} MiB)${rss.mb <= limit ? '' : ' OVER'}`);
fs.rmSync(root, { recursive: true, force: true });
if (!ok) {
  for (const r of rows)
    if (JSON.stringify(diagnostics(r.out)) !== JSON.stringify(reference))
      console.error(`--- ${r.mode} ${r.phase}:\n${r.out.slice(0, 3000)}`);
  console.error('bench/local-exec: diagnostics differ between modes');
  process.exit(1);
}
