import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkspace } from '../../rig';
import { realPython } from '../../rig/python-interpreter';
import { dockerCopyFiles, parseDockerBuild } from './docker-copy-files';

/** The targets whose real reads are checked (the plugin's default names). */
export const CHECKED_TARGETS = ['typecheck', 'test', 'docker-build'] as const;
export type RecordKind = 'typecheck' | 'vitest' | 'pytest' | 'docker';

export interface Miss {
  task: string;
  file: string;
  /** `input`: Nx does not hash the file for the task; `affected`: touching it leaves the task unaffected. */
  kind: 'input' | 'affected';
  tool: RecordKind;
}

export interface RecordsResult {
  /** Checked (task, file) pairs per tool. */
  checked: Record<RecordKind, number>;
  /** Distinct workspace files the tools read. */
  files: number;
  tasks: number;
  /** Tasks whose tool has no independent record here (jest, unittest, the fleet executor). */
  skipped: string[];
  /** Per-file `nx affected` selections made (one per tracked file, all targets). */
  affectedChecks: number;
  misses: Miss[];
  /** Task → the workspace files its tool read, with the task's command and cwd. */
  records: Record<string, { tool: RecordKind; files: string[]; command: string; cwd: string }>;
}

interface ProbeTask {
  project: string;
  target: string;
  root: string;
  command?: string;
  cwd?: string;
  env: Record<string, string>;
  files: string[];
}

interface Probe {
  projects: Record<string, string>;
  tasks: Record<string, ProbeTask>;
  affected: Record<string, string[]>;
}

const here = __dirname;

/**
 * Issue #12 §4: for every typecheck, test and docker-build task of the workspace, the files the
 * tool itself reads (TypeScript's program, Vitest's module graph, pytest's `open`/`sys.modules`
 * records, COPY/ADD through `.dockerignore`) must each be a file Nx hashes for that task, and
 * touching it must make that task affected. Nothing here reads nx-fleet's own graph.
 */
export async function checkIndependentRecords(ws: TestWorkspace): Promise<RecordsResult> {
  const tracked = ws.git(['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  const tmp = fs.mkdtempSync(path.join(path.dirname(ws.root), 'fleet-records-'));
  try {
    const probe = await runJson<Probe>(ws, tmp, 'nx', process.execPath, [path.join(here, 'nx-probe.cjs')], {
      targets: CHECKED_TARGETS,
      files: tracked,
    });
    const req = toolRequests(ws, probe, tracked);
    // The two tool probes are independent processes: run them side by side.
    const [js, py] = await Promise.all([
      runJson<Record<string, string[]>>(ws, tmp, 'js', process.execPath, [path.join(here, 'js-tools-probe.mjs')], {
        tsconfigs: req.tsconfigs,
        vitest: req.vitest,
      }),
      Object.keys(req.pytest).length === 0
        ? Promise.resolve({} as Record<string, string[]>)
        : runJson<Record<string, string[]>>(ws, tmp, 'py', realPython(), [path.join(here, 'pytest-probe.py')], {
            workspace: ws.root,
            runs: req.pytest,
          }),
    ]);
    const records = req.docker;
    for (const [id, files] of Object.entries(js))
      records.set(id, { tool: probe.tasks[id].target === 'typecheck' ? 'typecheck' : 'vitest', files: rel(ws, files) });
    for (const [id, files] of Object.entries(py)) records.set(id, { tool: 'pytest', files: rel(ws, files) });
    const out: RecordsResult['records'] = {};
    for (const [id, r] of records)
      out[id] = { ...r, command: probe.tasks[id].command ?? '', cwd: probe.tasks[id].cwd ?? '.' };
    return { ...compare(probe, records, new Set(tracked)), tasks: records.size, skipped: req.skipped, records: out };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

type ToolRecords = Map<string, { tool: RecordKind; files: string[] }>;

/** What to ask each tool, read from the task's own command, cwd and env; docker's record is computed here. */
function toolRequests(ws: TestWorkspace, probe: Probe, tracked: string[]) {
  const trackedSet = new Set(tracked);
  const docker: ToolRecords = new Map();
  const skipped: string[] = [];
  const tsconfigs: Record<string, string[]> = {};
  const vitest: Record<string, { dir: string; exclude: string[] }> = {};
  const pytest: Record<string, { cwd: string; pythonpath: string[]; args: string[] }> = {};
  for (const [id, task] of Object.entries(probe.tasks)) {
    const command = task.command ?? '';
    const cwd = ws.path(task.cwd ?? '.');
    const call = task.target === 'docker-build' ? parseDockerBuild(command) : undefined;
    if (task.target === 'typecheck' && /\btsc\b/.test(command)) {
      tsconfigs[id] = [...command.matchAll(/-p\s+(\S+)/g)].map((m) => path.resolve(cwd, m[1]));
    } else if (task.target === 'test' && /\bvitest run\b/.test(command)) {
      const args = commandArgs(command, 'vitest run');
      vitest[id] = { dir: cwd, exclude: args.flatMap((a, i) => (a === '--exclude' ? [args[i + 1]] : [])) };
    } else if (task.target === 'test' && /\bpytest\b/.test(command)) {
      const extra = (task.env.PYTHONPATH ?? '').split(':').filter(Boolean);
      pytest[id] = { cwd, pythonpath: extra.map((p) => path.resolve(cwd, p)), args: commandArgs(command, 'pytest') };
    } else if (call) {
      const read = (f: string) => (trackedSet.has(f) ? ws.read(f) : undefined);
      docker.set(id, { tool: 'docker', files: dockerCopyFiles(call, read(call.dockerfile) ?? '', tracked, read) });
    } else skipped.push(id);
  }
  return { docker, skipped, tsconfigs, vitest, pytest };
}

/** Every recorded workspace file must be an input of its task and make that task affected. */
function compare(probe: Probe, records: ToolRecords, tracked: ReadonlySet<string>) {
  const checked: Record<RecordKind, number> = { typecheck: 0, vitest: 0, pytest: 0, docker: 0 };
  const misses: Miss[] = [];
  const files = new Set<string>();
  for (const [task, record] of records) {
    const inputs = new Set(probe.tasks[task].files);
    for (const file of record.files) {
      if (!tracked.has(file)) continue;
      files.add(file);
      checked[record.tool]++;
      if (!inputs.has(file)) misses.push({ task, file, kind: 'input', tool: record.tool });
      if (!(probe.affected[file] ?? []).includes(task))
        misses.push({ task, file, kind: 'affected', tool: record.tool });
    }
  }
  return { checked, files: files.size, affectedChecks: Object.keys(probe.affected).length, misses };
}

/** The words after `word` in a shell command (up to `&&`), single and double quotes removed. */
function commandArgs(command: string, word: string): string[] {
  const rest = command.slice(command.indexOf(word) + word.length).split('&&')[0];
  return [...rest.matchAll(/'((?:[^']|'\\'')*)'|"([^"]*)"|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] ?? m[3]).replace(/^(--[\w-]+=)'(.*)'$/, '$1$2'),
  );
}

function rel(ws: TestWorkspace, files: string[]): string[] {
  const root = fs.realpathSync(ws.root);
  return files
    .map((f) =>
      path
        .relative(root, fs.existsSync(f) ? fs.realpathSync(f) : f)
        .split(path.sep)
        .join('/'),
    )
    .filter((f) => !f.startsWith('..') && !f.split('/').includes('node_modules'));
}

function runJson<T>(
  ws: TestWorkspace,
  tmp: string,
  name: string,
  bin: string,
  args: string[],
  request: unknown,
): Promise<T> {
  const req = path.join(tmp, `${name}-request.json`);
  const out = path.join(tmp, `${name}-result.json`);
  fs.writeFileSync(req, JSON.stringify(request));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Plugins in the probe's own process (NX_ISOLATE_PLUGINS=false): the same plugin code and
    // graph (checked equal on examples/polyglot), without a plugin worker to start per workspace.
    const env = ws.env({ PYTHONDONTWRITEBYTECODE: '1', NX_ISOLATE_PLUGINS: 'false' });
    const child = spawn(bin, [...args, req, out], { cwd: ws.root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (process.env.FLEET_TRUST_TIMING) console.log(`${name} probe ${Date.now() - started} ms`);
      if (code !== 0 || !fs.existsSync(out))
        reject(
          new Error(`${name} probe failed (${code}) in ${ws.root}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`),
        );
      else resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as T);
    });
  });
}
