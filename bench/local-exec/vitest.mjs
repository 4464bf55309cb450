// bench/local-exec/vitest.mjs: per-project `vitest run` through `nx run-many -t test`
// (testExecutor: "commands", the default: one process per task) against the nx-fleet:vitest batch
// executor (testExecutor: "fleet"), side by side in one run, same --parallel, cold (first
// command) and warm (the same command again). Projects differ in pool (threads, forks), isolation
// and setup files; two have a failing test. Fails when a task's status or Vitest's count lines
// differ between the modes.
// Usage: npm run build && node bench/local-exec/vitest.mjs [--projects 24] [--files 2] [--parallel 2]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const { linkNodeModules } = require(path.join(repo, 'dist/test/rig/workspace.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const projects = arg('projects', 24),
  files = arg('files', 2),
  parallel = arg('parallel', 2);
const nxBin = path.join(repo, 'node_modules/nx/dist/bin/nx.js');

const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-bench-vitest-'));
const write = (rel, text) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
const failing = new Set([3, Math.floor(projects / 2) + 1].filter((i) => i < projects));
for (let p = 0; p < projects; p++) {
  const dir = `libs/p${p}`;
  const test = {
    pool: p % 2 ? 'forks' : 'threads',
    ...(p % 3 === 0 ? { setupFiles: ['./setup.mjs'] } : {}),
    ...(p % 4 === 1 ? { isolate: false } : {}),
  };
  write(`${dir}/package.json`, JSON.stringify({ name: `p${p}`, private: true, devDependencies: { vitest: '*' } }));
  write(
    `${dir}/vitest.config.mjs`,
    `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: ${JSON.stringify(test)} });\n`,
  );
  write(`${dir}/setup.mjs`, 'globalThis.ready = true;\n');
  write(
    `${dir}/src/lib.mjs`,
    'export const add = (a, b) => a + b;\nexport const words = (s) => s.split(/\\s+/).filter(Boolean);\n',
  );
  for (let f = 0; f < files; f++) {
    const cases = Array.from(
      { length: 6 },
      (_, i) =>
        `test('case ${i}', () => { expect(add(${i}, ${f})).toBe(${i + f}); expect(words('a b  c')).toHaveLength(3); });`,
    );
    if (failing.has(p) && f === 0) cases.push(`test('seeded failure', () => { expect(add(2, 2)).toBe(5); });`);
    cases.push(`test.skip('skipped', () => {});`);
    write(
      `${dir}/src/f${f}.test.mjs`,
      `import { test, expect } from 'vitest';\nimport { add, words } from './lib.mjs';\n${cases.join('\n')}\n`,
    );
  }
}
write(
  'package.json',
  JSON.stringify({
    name: 'bench',
    private: true,
    workspaces: ['libs/*'],
    devDependencies: { nx: '*', vitest: '*', 'nx-fleet': '*' },
  }),
);
write('.gitignore', 'node_modules\n.nx\n');
linkNodeModules(root);
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_CACHE_DIRECTORY: path.join(root, '.nx/cache'),
  FORCE_COLOR: '0',
  NO_COLOR: '1',
};
for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'TEST') delete env[k];
const setMode = (testExecutor) =>
  write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { testExecutor } }] }));

/**
 * One nx command, with its wall time and the CPU time of nx and every process it waited for
 * (/usr/bin/time's user + system): on a machine shared with other work the CPU time is the
 * figure the load does not inflate.
 */
function nx() {
  const cpuFile = path.join(root, '.cpu');
  const args = [nxBin, 'run-many', '-t', 'test', '--skip-nx-cache', `--parallel=${parallel}`, '--outputStyle=static'];
  const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const t0 = performance.now();
  const r = timeBin
    ? spawnSync(timeBin, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args], {
        cwd: root,
        env,
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      })
    : spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  const cpu = timeBin
    ? fs
        .readFileSync(cpuFile, 'utf8')
        .trim()
        .split('\n')
        .pop()
        .split(' ')
        .map(Number)
        .reduce((a, b) => a + b, 0)
    : NaN;
  return { ms, cpu, out: (r.stdout ?? '') + (r.stderr ?? ''), code: r.status };
}
/** Per task: failed or not (Nx's summary), and Vitest's count lines from its section. */
function outcome(out) {
  const perTask = {};
  for (const section of out.split(/\n> nx run /).slice(1)) {
    const id = section.slice(0, section.indexOf('\n')).trim();
    const counts = section
      .split('\n')
      .filter((l) => /^\s*(Test Files|Tests)\s/.test(l))
      .map((l) =>
        l
          .trim()
          .replace(/\s+/g, ' ')
          .replace(/\(\d+ms\)/, ''),
      );
    perTask[id] = counts.join(' / ');
  }
  const failed = (out.match(/Failed tasks:\n\n((?:\s*- .*\n)+)/)?.[1] ?? '')
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter(Boolean)
    .sort();
  return { perTask: Object.fromEntries(Object.entries(perTask).sort(([a], [b]) => a.localeCompare(b))), failed };
}

const rows = [];
setMode('commands');
for (const phase of ['cold', 'warm']) rows.push({ mode: 'commands (vitest run per project)', phase, ...nx() });
setMode('fleet');
for (const phase of ['cold', 'warm']) rows.push({ mode: 'fleet (nx-fleet:vitest batch)', phase, ...nx() });

const reference = outcome(rows[0].out);
let ok = Object.keys(reference.perTask).length === projects && reference.failed.length === failing.size;
console.log(
  `bench/local-exec/vitest: ${projects} projects x ${files} files x 7 tests, parallel ${parallel}, ${os.availableParallelism()} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, seeded failures in ${[...failing].map((i) => `p${i}`).join(', ')}`,
);
for (const r of rows) {
  const o = outcome(r.out);
  const same = JSON.stringify(o) === JSON.stringify(reference);
  ok &&= same;
  console.log(
    `${r.mode.padEnd(34)} ${r.phase}  ${(r.ms / 1000).toFixed(1).padStart(6)} s  cpu ${r.cpu.toFixed(1).padStart(6)} s  exit ${r.code}  failed tasks ${o.failed.length}${same ? ' (same statuses and counts)' : ' (DIFFERENT)'}`,
  );
}
const t = (mode, phase) => rows.find((r) => r.mode.startsWith(mode) && r.phase === phase).ms;
const cpu = (mode, phase) => rows.find((r) => r.mode.startsWith(mode) && r.phase === phase).cpu;
for (const phase of ['cold', 'warm'])
  console.log(
    `${phase}: fleet is ${(t('commands', phase) / t('fleet', phase)).toFixed(2)}x faster than per-project vitest run (target >= 2); CPU time ${(cpu('commands', phase) / cpu('fleet', phase)).toFixed(2)}x less`,
  );
console.log(
  `load average after: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (process.argv.includes('--keep')) console.log(`kept ${root}`);
else fs.rmSync(root, { recursive: true, force: true });
if (!ok) {
  for (const r of rows) console.error(`--- ${r.mode} ${r.phase}:\n${JSON.stringify(outcome(r.out), null, 1)}`);
  console.error('bench/local-exec/vitest: statuses or counts differ between modes');
  process.exit(1);
}
