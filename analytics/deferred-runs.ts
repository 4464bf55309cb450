import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from './types';

/**
 * The hook's deferred work. On a run with new hashes the hook writes the run and its task rows
 * in one durable transaction, and leaves the expensive rest (input expansion, manifests,
 * hashDetails) to a detached completer (analytics/complete-runs.ts). What the completer needs
 * is written here first, as one file per run, before the run's transaction: a completer that
 * is killed leaves the file, and the next command's completer (or the next reader) finishes it.
 */
export interface DeferredWork {
  format: 1;
  workspaceRoot: string;
  /** Nx's nx.json as the hook got it (the completer plans the inputs with the same). */
  nxJson: unknown;
  /** When the command ended (epoch ms): an input file modified after this is not the run's. */
  endedAt: number;
  /** The tasks whose manifest and hashDetails were deferred. */
  deferred: string[];
  /** Whether the run goes to the central store once complete (the completer queues it). */
  remote: boolean;
  /** The hook's FLEET_HISTORY_TRACE: the completer's line for the run goes there. */
  trace?: string;
  run: RunRecord;
}

export function deferredDir(dbPath: string): string {
  return path.join(path.dirname(dbPath), 'completing');
}

/**
 * hashDetails as written in a work file: each distinct `[node, hash]` pair once (`nodes`), each
 * task's by index. Tasks of one run share most of their nodes (a dependency's file set is in
 * every dependent's details), so this is several times smaller than the details themselves,
 * which is the hook's time (bench/analytics).
 */
interface PackedDetails {
  nodes: Array<[string, string]>;
  tasks: Array<{ command: string; n: number[]; implicitDeps?: unknown; runtime?: unknown } | null>;
}

function packDetails(run: RunRecord): { run: RunRecord; packed: PackedDetails } {
  const index = new Map<string, number>();
  const packed: PackedDetails = { nodes: [], tasks: [] };
  const tasks = run.tasks.map((t) => {
    const d = t.hashDetails;
    if (!d?.nodes) {
      packed.tasks.push(null);
      return t;
    }
    const n: number[] = [];
    for (const [k, v] of Object.entries(d.nodes)) {
      const key = `${k}\0${v}`;
      let i = index.get(key);
      if (i === undefined) {
        i = packed.nodes.push([k, v]) - 1;
        index.set(key, i);
      }
      n.push(i);
    }
    packed.tasks.push({ command: d.command, n, implicitDeps: d.implicitDeps, runtime: d.runtime });
    return { ...t, hashDetails: null };
  });
  return { run: { ...run, tasks }, packed };
}

function unpackDetails(run: RunRecord, packed: PackedDetails | undefined): RunRecord {
  if (!packed) return run;
  run.tasks.forEach((t, i) => {
    const p = packed.tasks[i];
    if (!p) return;
    const nodes: Record<string, string> = {};
    for (const j of p.n) nodes[packed.nodes[j][0]] = packed.nodes[j][1];
    t.hashDetails = { command: p.command, nodes };
    if (p.implicitDeps) t.hashDetails.implicitDeps = p.implicitDeps as Record<string, string>;
    if (p.runtime) t.hashDetails.runtime = p.runtime as Record<string, string>;
  });
  return run;
}

/** Reads a work file (hashDetails unpacked). Throws when it does not parse. */
export function readDeferred(file: string): DeferredWork {
  const w = JSON.parse(fs.readFileSync(file, 'utf8')) as DeferredWork & { details?: PackedDetails };
  unpackDetails(w.run, w.details);
  delete w.details;
  return w;
}

/** Writes the work file (through a temporary name, so a reader never sees half of one). */
export function writeDeferred(dbPath: string, work: DeferredWork): void {
  const dir = deferredDir(dbPath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${work.run.runId}.tmp`);
  const { run, packed } = packDetails(work.run);
  fs.writeFileSync(tmp, JSON.stringify({ ...work, run, details: packed }));
  // `.r.json`: the run goes to the central store, with the environment of its own command.
  fs.renameSync(tmp, path.join(dir, `${work.run.runId}${work.remote ? '.r' : ''}.json`));
}

export const isRemoteWork = (file: string): boolean => file.endsWith('.r.json');

/** How long a completer stays for the next command's work, idle, before it exits. */
export const DEFAULT_LINGER_MS = 20_000;

/** The work files waiting, oldest run first. */
export function deferredFiles(dbPath: string): string[] {
  try {
    return fs
      .readdirSync(deferredDir(dbPath))
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((n) => path.join(deferredDir(dbPath), n));
  } catch {
    return [];
  }
}

const lockFile = (dbPath: string): string => path.join(deferredDir(dbPath), '.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the completer working on this store now, or null. */
export function completerPid(dbPath: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lockFile(dbPath), 'utf8'));
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Takes the one-completer-per-store lock (O_EXCL; a lock whose process is gone is taken over). */
export function takeCompleterLock(dbPath: string): boolean {
  fs.mkdirSync(deferredDir(dbPath), { recursive: true });
  for (let i = 0; i < 2; i++) {
    try {
      fs.writeFileSync(lockFile(dbPath), String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      if (completerPid(dbPath) !== null) return false;
      fs.rmSync(lockFile(dbPath), { force: true });
    }
  }
  return false;
}

export function releaseCompleterLock(dbPath: string): void {
  try {
    if (fs.readFileSync(lockFile(dbPath), 'utf8') === String(process.pid)) fs.rmSync(lockFile(dbPath));
  } catch {
    // Not ours, or gone.
  }
}

/** Starts the completer, detached: it outlives the Nx command and never holds it up. */
export function startCompleter(dbPath: string, env: NodeJS.ProcessEnv, cwd?: string): void {
  // Loaded from the TypeScript sources (the test runner), the built script is the one to run.
  const local = path.join(__dirname, 'complete-runs.js');
  const script = fs.existsSync(local) ? local : path.join(__dirname, '..', 'dist', 'analytics', 'complete-runs.js');
  const child = spawn(process.execPath, [script, dbPath], { detached: true, stdio: 'ignore', env, cwd });
  child.on('error', () => undefined);
  child.unref();
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * For readers: a run whose completer is still at work is waited for (up to `maxMs`), so a query
 * right after a command sees its manifests. Work left by a completer that was killed is picked
 * up by a new one, started here. Returns the number of runs still incomplete.
 */
export function settleDeferred(dbPath: string, env: NodeJS.ProcessEnv, maxMs = 20_000): number {
  if (!deferredFiles(dbPath).length) return 0;
  if (completerPid(dbPath) === null) startCompleter(dbPath, env);
  const until = Date.now() + maxMs;
  let restarted = false;
  for (;;) {
    const left = deferredFiles(dbPath).length;
    if (!left || Date.now() > until) return left;
    Atomics.wait(sleeper, 0, 0, 25);
    // Started above but not yet holding the lock, or killed: one more start, not a loop of them.
    if (completerPid(dbPath) === null && Date.now() > until - maxMs + 2000 && !restarted) {
      restarted = true;
      startCompleter(dbPath, env);
    }
  }
}
