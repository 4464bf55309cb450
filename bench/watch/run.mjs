// bench/watch: save-to-first-affected-task latency of `fleet watch`, against the start-up of
// `nx run <project>:noop` (an nx:noop target), the Nx start-up every run pays and watch cannot
// avoid. Latency: from the write of a file to the moment Nx announces the affected task
// ("Running target ..." of nx run-many, printed after Nx has built its graph, before the task).
// Usage: npm run build && node bench/watch/run.mjs [--libs 20] [--samples 5] [--debounce 100]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const { createWorkspace } = require(path.join(repo, 'dist/test/rig/index.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const libs = arg('libs', 20);
const samples = arg('samples', 5);

const files = {
  'package.json': JSON.stringify({ name: 'bench', private: true, workspaces: ['libs/*'] }),
  'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true, skipLibCheck: true },
  }),
};
for (let i = 0; i < libs; i++) {
  files[`libs/l${i}/package.json`] = JSON.stringify({
    name: `@b/l${i}`,
    version: '0.0.0',
    main: 'src/index.ts',
    nx: { targets: { noop: { executor: 'nx:noop' } } },
  });
  files[`libs/l${i}/tsconfig.json`] = JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] });
  for (let f = 0; f < 10; f++)
    files[`libs/l${i}/src/f${f}.ts`] =
      i > 0 && f === 0 ? `import { v0 } from '@b/l${i - 1}';\nexport const v = v0;\n` : `export const v${f} = ${f};\n`;
  files[`libs/l${i}/src/index.ts`] = Array.from({ length: 10 }, (_, f) => `export * from './f${f}';`).join('\n') + '\n';
}
const ws = createWorkspace({ files });
const env = ws.env();
const nxBin = path.join(repo, 'node_modules/nx/dist/bin/nx.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Nx start-up: `nx run @b/lN:noop`, whole wall time (graph from its cache, as a watch run has it).
spawnSync(process.execPath, [nxBin, 'run', `@b/l${libs - 1}:noop`], { cwd: ws.root, env });
const startup = [];
for (let s = 0; s < samples; s++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [nxBin, 'run', `@b/l${libs - 1}:noop`], {
    cwd: ws.root,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  startup.push(performance.now() - t0);
}

// The same after a save: Nx then rebuilds its project graph for the changed file (its plugins'
// createNodes/createDependencies included), which any run after a change pays, watch or not.
const startupAfterSave = [];
for (let s = 0; s < samples; s++) {
  fs.writeFileSync(ws.path(`libs/l${libs - 1}/src/f4.ts`), `export const v4 = ${200 + s};\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [nxBin, 'run', `@b/l${libs - 1}:noop`], {
    cwd: ws.root,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  startupAfterSave.push(performance.now() - t0);
}

// And with plugins in-process (NX_ISOLATE_PLUGINS=false), as fleet watch starts nx without a daemon.
const startupInProcess = [];
for (let s = 0; s < samples; s++) {
  fs.writeFileSync(ws.path(`libs/l${libs - 1}/src/f4.ts`), `export const v4 = ${300 + s};\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [nxBin, 'run', `@b/l${libs - 1}:noop`], {
    cwd: ws.root,
    env: { ...env, NX_ISOLATE_PLUGINS: 'false' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  startupInProcess.push(performance.now() - t0);
}

// --debounce <ms>: fleet watch's own option (default: its default), to compare debounces on one machine state.
const debounce = arg('debounce', undefined);
const watchArgs = ['watch', '-t', 'typecheck', ...(debounce === undefined ? [] : ['--debounce', String(debounce)])];
const watch = spawn(process.execPath, [path.join(repo, 'dist/cli/main.js'), ...watchArgs], {
  cwd: ws.root,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
watch.stdout.on('data', (c) => (out += c));
watch.stderr.on('data', (c) => (out += c));
const waitFor = async (re, from) => {
  for (;;) {
    const m = re.exec(out.slice(from));
    if (m) return performance.now();
    if (watch.exitCode !== null) throw new Error(out);
    await new Promise((r) => setImmediate(r));
  }
};
await waitFor(/fleet watch: watching/, 0);
const latency = [];
const graphMs = [];
for (let s = 0; s < samples; s++) {
  // The last library: one project affected (nothing depends on it).
  const from = out.length;
  const t0 = performance.now();
  fs.writeFileSync(ws.path(`libs/l${libs - 1}/src/f5.ts`), `export const v5 = ${100 + s};\n`);
  const t1 = await waitFor(/Running target typecheck/, from);
  latency.push(t1 - t0);
  await waitFor(/fleet watch: batch \d+: .*\n/, from);
  graphMs.push(Number(/graph (\d+)ms/.exec(out.slice(from))?.[1] ?? NaN));
}
watch.kill('SIGINT');
await new Promise((r) => watch.once('exit', r));
ws.dispose();

const lat = median(latency);
const up = median(startup);
const upSaved = median(startupAfterSave);
const upIn = median(startupInProcess);
console.log(`bench/watch: ${libs} libraries x 11 files, ${samples} samples each, medians`);
console.log(`  nx run <project>:noop (Nx start-up):          ${up.toFixed(0)} ms`);
console.log(`  the same right after a save (graph rebuilt):  ${upSaved.toFixed(0)} ms`);
console.log(`  the same with plugins in-process (as watch):  ${upIn.toFixed(0)} ms`);
console.log(`  fleet watch save -> "Running target" of nx:   ${lat.toFixed(0)} ms`);
console.log(`    of which fleet's graph + affected:          ${median(graphMs)} ms (status line)`);
console.log(`  watch overhead over the start-up:             ${(lat - up).toFixed(0)} ms (target <= 500 ms)`);
console.log(`  watch overhead over the after-save start-up:  ${(lat - upSaved).toFixed(0)} ms`);
console.log(`  watch overhead over the in-process start-up:  ${(lat - upIn).toFixed(0)} ms (target <= 500 ms)`);
console.log(`  ratio latency / start-up:                     ${(lat / up).toFixed(2)}`);
console.log(
  `  samples: latency ${latency.map((x) => x.toFixed(0)).join(', ')}; start-up ${startup.map((x) => x.toFixed(0)).join(', ')}; after save ${startupAfterSave.map((x) => x.toFixed(0)).join(', ')}; in-process ${startupInProcess.map((x) => x.toFixed(0)).join(', ')}`,
);
