import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createWorkspace, TestWorkspace } from '../../rig';

/**
 * tools/task.js <target> <root> [--sync N] [input files...]
 *
 * Writes `<root>/out/<target>.txt`: a sha256 over the target, the project's src/ files and the
 * given input files (its dependencies' outputs, which must be present: on an agent they arrive as
 * remote-cache hits), so the output is the same wherever the task runs. Writes
 * `<root>/who/<target>.json` apart: the agent that ran it and the GPU variables it saw.
 *
 * `--sync N` (only when SYNC_DIR is set, i.e. on agents): writes a marker in SYNC_DIR and waits,
 * bounded by SYNC_TIMEOUT_MS, until N markers are there; `who` records which it saw, so a test can
 * tell the tasks ran at the same time. With GATE_FILE set every task first waits (bounded) for that file.
 */
const TASK_JS = `const fs = require('fs'), path = require('path'), crypto = require('crypto');
const args = process.argv.slice(2);
const target = args.shift(), root = args.shift();
let sync = 0;
if (args[0] === '--sync') { args.shift(); sync = Number(args.shift()); }
const h = crypto.createHash('sha256');
h.update(target + '\\n' + root + '\\n');
const src = path.join(root, 'src');
for (const f of fs.readdirSync(src).sort()) h.update(f + '\\n' + fs.readFileSync(path.join(src, f)) + '\\n');
for (const f of args) {
  if (!fs.existsSync(f)) { console.error('missing input ' + f); process.exit(3); }
  h.update(f + '\\n' + fs.readFileSync(f) + '\\n');
}
// GATE_FILE (set on agents by a test): every task waits, bounded, until the file exists.
if (process.env.GATE_FILE) for (let w = 0; w < 60000 && !fs.existsSync(process.env.GATE_FILE); w += 50) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
const who = { agent: process.env.AGENT_NAME || 'local', cuda: process.env.CUDA_VISIBLE_DEVICES ?? null, nvidia: process.env.NVIDIA_VISIBLE_DEVICES ?? null };
if (sync > 0 && process.env.SYNC_DIR) {
  const me = path.basename(root) + '-' + target;
  fs.writeFileSync(path.join(process.env.SYNC_DIR, 'started-' + me), who.cuda ?? '');
  const limit = Number(process.env.SYNC_TIMEOUT_MS || 20000);
  const seen = () => fs.readdirSync(process.env.SYNC_DIR).filter((n) => n.startsWith('started-')).sort();
  for (let waited = 0; waited < limit && seen().length < sync; waited += 50) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  who.peers = seen().map((n) => n.slice('started-'.length));
}
fs.mkdirSync(path.join(root, 'out'), { recursive: true });
fs.mkdirSync(path.join(root, 'who'), { recursive: true });
fs.writeFileSync(path.join(root, 'out', target + '.txt'), target + ' ' + root + '\\n' + h.digest('hex') + '\\n');
fs.writeFileSync(path.join(root, 'who', target + '.json'), JSON.stringify(who));
console.log(target + ' done ' + root);
`;

/** Writes `tasks.json`: task id → the status nx gave it (`local-cache`, `remote-cache`, `success`...). */
const RECORD_JS = `const fs = require('fs'), path = require('path');
module.exports = { name: 'record', postTasksExecution: async (o, ctx) => {
  const s = Object.fromEntries(Object.entries(ctx.taskResults).map(([k, v]) => [k, v.status]));
  fs.writeFileSync(path.join(ctx.workspaceRoot, 'tasks.json'), JSON.stringify(s));
} };
`;

export interface TargetSpec {
  /** Nx `dependsOn`, e.g. `['^build']` or `['build']`. */
  dependsOn?: string[];
  /** Workspace-relative files the command reads (dependency outputs), checked to be present. */
  reads?: string[];
  /** `metadata.fleet.requires`. */
  requires?: Record<string, unknown>;
  /** Wait for this many tasks to have started (see TASK_JS). */
  sync?: number;
}

export interface ProjectSpec {
  deps?: string[];
  tags?: string[];
  targets: Record<string, TargetSpec>;
}

export const outFile = (project: string, target: string): string => `libs/${project}/out/${target}.txt`;
export const whoFile = (project: string, target: string): string => `libs/${project}/who/${target}.json`;

function projectJson(name: string, p: ProjectSpec): string {
  const targets: Record<string, unknown> = {};
  for (const [target, t] of Object.entries(p.targets)) {
    const command = [
      'node tools/task.js',
      target,
      `libs/${name}`,
      ...(t.sync ? ['--sync', String(t.sync)] : []),
      ...(t.reads ?? []),
    ].join(' ');
    targets[target] = {
      executor: 'nx:run-commands',
      cache: true,
      dependsOn: t.dependsOn ?? [],
      inputs: ['{projectRoot}/src/**/*', '^{projectRoot}/src/**/*'],
      outputs: [`{projectRoot}/out/${target}.txt`, `{projectRoot}/who/${target}.json`],
      options: { command },
      ...(t.requires ? { metadata: { fleet: { requires: t.requires } } } : {}),
    };
  }
  return JSON.stringify(
    { name, root: `libs/${name}`, tags: p.tags ?? [], implicitDependencies: p.deps ?? [], targets },
    null,
    2,
  );
}

/** The fixture workspace (committed) with a bare repository as its `origin`; `remove()` deletes both. */
export function taskWorkspace(projects: Record<string, ProjectSpec>): {
  ws: TestWorkspace;
  bare: string;
  remove(): void;
} {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'task-fixture', private: true }),
    'nx.json': JSON.stringify({ plugins: ['./tools/record.js'] }),
    '.gitignore': 'node_modules\n.nx\nout\nwho\ntasks.json\n',
    'tools/task.js': TASK_JS,
    'tools/record.js': RECORD_JS,
  };
  for (const [name, p] of Object.entries(projects)) {
    files[`libs/${name}/project.json`] = projectJson(name, p);
    files[`libs/${name}/src/main.txt`] = `source of ${name}\n`;
    files[`libs/${name}/src/extra.txt`] = `${name} `.repeat(name.length + 3);
  }
  const ws = createWorkspace({ files });
  const bare = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-origin-'));
  const r = spawnSync('git', ['clone', '-q', '--bare', ws.root, bare], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git clone --bare: ${r.stderr}`);
  ws.git(['remote', 'add', 'origin', bare]);
  ws.git(['fetch', '-q', 'origin']);
  return {
    ws,
    bare,
    remove: () => {
      ws.dispose();
      fs.rmSync(bare, { recursive: true, force: true });
    },
  };
}

/** Every `libs/<p>/out/*.txt` of a workspace, relative path → content. */
export function outputsOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const libs = path.join(root, 'libs');
  for (const p of fs.readdirSync(libs).sort()) {
    const dir = path.join(libs, p, 'out');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) out[`libs/${p}/out/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  return out;
}
