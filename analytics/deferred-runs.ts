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

/** Writes the work file (through a temporary name, so a reader never sees half of one). */
export function writeDeferred(dbPath: string, work: DeferredWork): void {
  const dir = deferredDir(dbPath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${work.run.runId}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(work));
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
