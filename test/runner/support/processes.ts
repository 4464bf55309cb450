import { afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fleetBin } from '../../cache/support/serve-process';

export interface FleetProcess {
  pid: number;
  child: ChildProcess;
  /** Everything it printed (stdout and stderr go to a file, so a busy test never blocks it). */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

let logDir: string | undefined;
// Registered on the importing test file: its processes have been stopped by its own afterAll by then.
afterAll(() => {
  if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
  logDir = undefined;
});
let logs = 0;

/** One folder of output files per test file, removed after its tests (vitest ends its workers without an exit event). */
function outputFile(): string {
  if (!logDir) {
    const dir = (logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-proc-')));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return path.join(logDir, `${++logs}.log`);
}

/** Starts `node dist/cli/main.js <args>` with its output in a temp file. */
export function startFleet(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): FleetProcess {
  const logFile = outputFile();
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [fleetBin(), ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    child,
    output: () => fs.readFileSync(logFile, 'utf8'),
    exited,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits (bounded) until `check` is true; returns whether it became true. */
export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}
