import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createWorkspace, linkNodeModules, TestWorkspace } from '../../rig';

/**
 * tools/work.js: writes `<root>/out/result.json` saying which agent ran it with which GPUs, after
 * checking that every dependency's output is there (it arrives on an agent as a remote-cache hit).
 */
const WORK_JS = `const fs = require('fs'), path = require('path');
const [root, ...deps] = process.argv.slice(2);
if (process.env.PID_DIR) fs.writeFileSync(path.join(process.env.PID_DIR, (process.env.AGENT_NAME || 'local') + '-' + path.basename(root) + '.pid'), String(process.pid));
// The slow project waits (bounded) for the test to release it, so an agent can be killed mid-task.
if (root === 'libs/slow' && process.env.RELEASE_FILE) {
  for (let i = 0; i < 600 && !fs.existsSync(process.env.RELEASE_FILE); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
}
for (const d of deps) if (!fs.existsSync(path.join(d, 'out', 'result.json'))) { console.error('missing output of ' + d); process.exit(3); }
fs.mkdirSync(path.join(root, 'out'), { recursive: true });
const result = { agent: process.env.AGENT_NAME || 'local', cuda: process.env.CUDA_VISIBLE_DEVICES ?? null, nvidia: process.env.NVIDIA_VISIBLE_DEVICES ?? null };
fs.writeFileSync(path.join(root, 'out', 'result.json'), JSON.stringify(result));
console.log('work done ' + root);
`;

/** tools/flaky.js: fails the first time in a test (no marker yet), passes after. */
const FLAKY_JS = `const fs = require('fs'), path = require('path');
const marker = path.join(process.env.PID_DIR, 'flaky-marker');
if (!fs.existsSync(marker)) { fs.writeFileSync(marker, process.env.AGENT_NAME || 'local'); console.error('flaky: failing the first time'); process.exit(1); }
fs.mkdirSync('libs/flaky/out', { recursive: true });
fs.writeFileSync('libs/flaky/out/result.json', JSON.stringify({ agent: process.env.AGENT_NAME }));
console.log('flaky: passed');
`;

/** tools/hang.js: writes its PID and sleeps (bounded, 120 s) until it is stopped. */
const HANG_JS = `const fs = require('fs'), path = require('path');
fs.writeFileSync(path.join(process.env.PID_DIR, (process.env.AGENT_NAME || 'local') + '-hang.pid'), String(process.pid));
console.log('hang: started');
setTimeout(() => process.exit(0), 120000);
`;

/** tools/probe.js: says which agent ran it (the install test's task). */
const PROBE_JS = `console.log('probe ran on ' + process.env.AGENT_NAME);
`;

/** tools/install.js: the agents' --install-command in tests: records that it ran. */
const INSTALL_JS = `const fs = require('fs'), path = require('path');
fs.appendFileSync(path.join(process.env.PID_DIR, 'installs-' + process.env.AGENT_NAME + '.log'), 'installed\\n');
console.log('install: done');
`;

const RECORD_JS = `const fs = require('fs'), path = require('path');
module.exports = { name: 'record', postTasksExecution: async (o, ctx) => {
  const s = Object.fromEntries(Object.entries(ctx.taskResults).map(([k, v]) => [k, v.status]));
  fs.writeFileSync(path.join(ctx.workspaceRoot, 'tasks.json'), JSON.stringify(s));
} };
`;

/** name → dependencies. A small DAG: 6 builds, and a GPU-tagged trainer on top of two of them. */
export const BUILD_DEPS: Record<string, string[]> = {
  p0: [],
  p1: ['p0'],
  p2: ['p0'],
  p3: ['p1', 'p2'],
  p4: ['p3'],
  p5: ['p0'],
};

function project(name: string, deps: string[], target: string, tags: string[] = []): string {
  return JSON.stringify({
    name,
    root: `libs/${name}`,
    tags,
    implicitDependencies: deps,
    targets: {
      [target]: {
        executor: 'nx:run-commands',
        cache: true,
        dependsOn: ['^build'],
        inputs: ['{projectRoot}/**/*', '^{projectRoot}/**/*'],
        outputs: ['{projectRoot}/out'],
        options: { command: ['node tools/work.js', `libs/${name}`, ...deps.map((d) => `libs/${d}`)].join(' ') },
      },
    },
  });
}

function toolProject(name: string, script: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name,
    root: `libs/${name}`,
    targets: {
      check: {
        executor: 'nx:run-commands',
        cache: true,
        inputs: ['{projectRoot}/**/*'],
        outputs: ['{projectRoot}/out'],
        options: { command: `node tools/${script}` },
        ...extra,
      },
    },
  });
}

export interface DteOptions {
  /** Register nx-fleet as a plugin too: its postTasksExecution hook reports task hashes to fleet. */
  fleetPlugin?: boolean;
  /** More files of the workspace (more projects, tools). */
  extraFiles?: Record<string, string>;
}

/** The fixture workspace (committed), with a bare repository as its `origin`. */
export function dteWorkspace(options: DteOptions = {}): { ws: TestWorkspace; bare: string } {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'dte', private: true }),
    'nx.json': JSON.stringify({
      plugins: options.fleetPlugin ? ['./tools/record.js', 'nx-fleet'] : ['./tools/record.js'],
    }),
    'tools/flaky.js': FLAKY_JS,
    'tools/hang.js': HANG_JS,
    'tools/probe.js': PROBE_JS,
    'tools/install.js': INSTALL_JS,
    'libs/flaky/project.json': toolProject('flaky', 'flaky.js'),
    'libs/hang/project.json': toolProject('hang', 'hang.js'),
    // Only the agent labelled `probe` runs it: the install test knows which agent that is.
    'libs/probe/project.json': toolProject('probe', 'probe.js', {
      metadata: { fleet: { requires: { labels: ['probe'] } } },
    }),
    'libs/probe/src.txt': 'probe',
    '.gitignore': 'node_modules\n.nx\nout\ntasks.json\n',
    'tools/work.js': WORK_JS,
    'tools/record.js': RECORD_JS,
    'libs/trainer/project.json': project('trainer', ['p1', 'p5'], 'train', ['gpu']),
    'libs/trainer/model.txt': 'weights',
    // Its target is not called build, so run-many -t build leaves it out.
    'libs/slow/project.json': project('slow', [], 'slow'),
    'libs/slow/src.txt': 'slow',
  };
  Object.assign(files, options.extraFiles ?? {});
  for (const [name, deps] of Object.entries(BUILD_DEPS)) {
    files[`libs/${name}/project.json`] = project(name, deps, 'build');
    files[`libs/${name}/src.txt`] = `source of ${name}`;
  }
  const ws = createWorkspace({ files });
  const bare = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-origin-'));
  git(os.tmpdir(), ['clone', '-q', '--bare', ws.root, bare]);
  ws.git(['remote', 'add', 'origin', bare]);
  ws.git(['fetch', '-q', 'origin']);
  return { ws, bare };
}

/** An agent's own clone of the origin, with node_modules linked as an install would give it. */
export function agentClone(bare: string): TestWorkspace {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-agent-ws-'));
  git(os.tmpdir(), ['clone', '-q', bare, dir]);
  linkNodeModules(dir);
  return new TestWorkspace(dir);
}

function git(cwd: string, args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}
