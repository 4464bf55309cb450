// bench/dte: the synthetic workspace. A layered random DAG of `n` projects, each with one cached
// `work` target whose command sleeps for a duration drawn from a lognormal distribution (fixed
// seed) and writes its output; generated, committed, cloned into a bare origin and into one clone
// per agent, each with node_modules linked to the repository's (nx 24, nx-fleet itself).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** mulberry32: a small seeded PRNG, so the DAG and the durations are the same on every machine. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
function normal(rand) {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * The DAG: `layers` layers of about equal size; every task outside the first layer depends on one
 * task of the layer right above it (so the depth is real) and on 0–2 more from any earlier layer.
 * Durations: lognormal with the given median and sigma, clamped to [median/10, median*cap].
 */
export function makeDag({ tasks, seed, medianMs, sigma, capFactor }) {
  const rand = rng(seed);
  const layers = Math.max(2, Math.round(Math.sqrt(tasks / 2)));
  const nodes = [];
  const byLayer = Array.from({ length: layers }, () => []);
  for (let i = 0; i < tasks; i++) {
    const layer = Math.min(layers - 1, Math.floor((i * layers) / tasks));
    const name = `p${String(i).padStart(3, '0')}`;
    const ms = Math.round(
      Math.min(medianMs * capFactor, Math.max(medianMs / 10, medianMs * Math.exp(sigma * normal(rand)))),
    );
    const deps = new Set();
    if (layer > 0) {
      const above = byLayer[layer - 1];
      deps.add(above[Math.floor(rand() * above.length)].name);
      const extra = Math.floor(rand() * 3);
      for (let k = 0; k < extra; k++) {
        const l = Math.floor(rand() * layer);
        const pool = byLayer[l];
        deps.add(pool[Math.floor(rand() * pool.length)].name);
      }
    }
    const node = { name, layer, ms, deps: [...deps].sort() };
    nodes.push(node);
    byLayer[layer].push(node);
  }
  return { nodes, layers };
}

/** Longest path by duration (each task's duration plus `perTaskMs`). */
export function criticalPath(nodes, perTaskMs = 0) {
  const finish = new Map();
  for (const n of nodes) finish.set(n.name, Math.max(0, ...n.deps.map((d) => finish.get(d))) + n.ms + perTaskMs);
  return Math.max(...finish.values());
}

/** Transitive dependency counts (what `nx run p:work` on an agent has to hash and fetch). */
export function transitiveDeps(nodes) {
  const closure = new Map();
  for (const n of nodes) {
    const s = new Set();
    for (const d of n.deps) {
      s.add(d);
      for (const x of closure.get(d)) s.add(x);
    }
    closure.set(n.name, s);
  }
  return new Map([...closure].map(([k, v]) => [k, v.size]));
}

const SLEEP_JS = `// node tools/sleep.js <ms> <outfile>: the simulated work of one task.
const fs = require('fs'), path = require('path');
const [ms, out] = process.argv.slice(2);
setTimeout(() => {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // start: when this process started (epoch ms); end: now. The benchmark reads them back from the
  // outputs (restored by the replay) to time the command where it ran, under the same load.
  fs.writeFileSync(out, JSON.stringify({ ms: Number(ms), start: performance.timeOrigin, end: Date.now() }) + '\\n');
  console.log('slept ' + ms + ' ms');
}, Number(ms));
`;

export function git(cwd, args, opts = {}) {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.invalid',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
    },
    ...opts,
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd}: ${r.error?.message ?? ''}${r.stderr}`);
  return r.stdout;
}

/** Writes the workspace files for the DAG into `root`. */
export function writeWorkspace(root, dag) {
  const write = (rel, text) => {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  };
  write('package.json', JSON.stringify({ name: 'dte-bench', private: true }, null, 2) + '\n');
  write('nx.json', JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json' }, null, 2) + '\n');
  write('.gitignore', 'node_modules\n.nx\nout\n');
  write('tools/sleep.js', SLEEP_JS);
  write('salt.txt', 'initial\n');
  for (const n of dag.nodes) {
    const root = `libs/${n.name}`;
    write(`${root}/src.txt`, `source of ${n.name}\n`);
    write(
      `${root}/project.json`,
      JSON.stringify(
        {
          name: n.name,
          root,
          implicitDependencies: n.deps,
          targets: {
            work: {
              executor: 'nx:run-commands',
              cache: true,
              dependsOn: ['^work'],
              // salt.txt is every task's input: a new salt, committed and pushed, makes every hash new.
              inputs: ['{projectRoot}/**/*', '{workspaceRoot}/salt.txt', '^{projectRoot}/**/*'],
              outputs: ['{projectRoot}/out'],
              options: { command: `node tools/sleep.js ${n.ms} ${root}/out/result.json` },
            },
          },
        },
        null,
        2,
      ) + '\n',
    );
  }
}

/** Like test/rig linkNodeModules: a link to every package of the repository's node_modules. */
export function linkNodeModules(repo, root) {
  const nm = path.join(root, 'node_modules');
  fs.mkdirSync(nm, { recursive: true });
  const repoNm = path.join(repo, 'node_modules');
  const link = (target, at) => fs.existsSync(at) || fs.symlinkSync(target, at);
  for (const name of fs.readdirSync(repoNm)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      fs.mkdirSync(path.join(nm, name), { recursive: true });
      for (const sub of fs.readdirSync(path.join(repoNm, name)))
        link(path.join(repoNm, name, sub), path.join(nm, name, sub));
    } else link(path.join(repoNm, name), path.join(nm, name));
  }
  link(repo, path.join(nm, 'nx-fleet'));
  fs.mkdirSync(path.join(nm, '.bin'), { recursive: true });
  for (const bin of fs.readdirSync(path.join(repoNm, '.bin')))
    link(path.join(repoNm, '.bin', bin), path.join(nm, '.bin', bin));
}

/**
 * Generates the workspace under `tmp`: `ws` (the coordinator's clone, origin = `origin.git`) and
 * `agents` clones. Returns their paths.
 */
export function createWorkspace(repo, tmp, dag, agentCount) {
  const ws = path.join(tmp, 'ws');
  const bare = path.join(tmp, 'origin.git');
  writeWorkspace(ws, dag);
  git(ws, ['init', '-q', '-b', 'main']);
  git(ws, ['add', '-A']);
  git(ws, ['commit', '-q', '-m', 'bench/dte workspace']);
  git(tmp, ['clone', '-q', '--bare', ws, bare]);
  git(ws, ['remote', 'add', 'origin', bare]);
  git(ws, ['fetch', '-q', 'origin']);
  git(ws, ['branch', '-q', '--set-upstream-to=origin/main', 'main']);
  linkNodeModules(repo, ws);
  const agents = [];
  for (let i = 1; i <= agentCount; i++) {
    const dir = path.join(tmp, `agent-${i}`);
    git(tmp, ['clone', '-q', bare, dir]);
    linkNodeModules(repo, dir);
    agents.push(dir);
  }
  return { ws, bare, agents };
}

/** A new salt, committed and pushed: every task hash changes, so the remote cache is cold for them. */
export function newSalt(ws, label) {
  fs.writeFileSync(path.join(ws, 'salt.txt'), `${label} ${Date.now()} ${Math.random()}\n`);
  git(ws, ['commit', '-q', '-am', `salt ${label}`]);
  git(ws, ['push', '-q', 'origin', 'HEAD:main']);
  return git(ws, ['rev-parse', 'HEAD']).trim();
}
