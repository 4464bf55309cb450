import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * Processes an isolated run left behind, where the agent has no task user to tell them apart:
 * every task of the run gets `FLEET_RUN_MARK=<random>` in its environment, which its children
 * inherit, and between runs the agent ends the processes of its own user whose initial
 * environment (`/proc/<pid>/environ`) holds the previous run's mark. Best effort: a process that
 * started itself with a clean environment escapes it (docs/distributed.md says so); with a task
 * user the agent ends every process of that user instead (task-user.ts).
 */
export const RUN_MARK_ENV = 'FLEET_RUN_MARK';

export function newRunMark(): string {
  return randomBytes(12).toString('hex');
}

/** Ends (SIGKILL) every process of this user that carries `mark`; returns their PIDs. Linux only. */
export function endMarkedProcesses(mark: string, procDir = '/proc'): number[] {
  const needle = Buffer.from(`${RUN_MARK_ENV}=${mark}\0`);
  const ended: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(procDir);
  } catch {
    return ended;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = fs.readFileSync(`${procDir}/${name}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (environ.indexOf(needle) < 0) continue;
    try {
      process.kill(pid, 'SIGKILL');
      ended.push(pid);
    } catch {
      /* already gone */
    }
  }
  return ended;
}

/** Whether the process is gone or a zombie (dead, waiting for its parent to reap it). */
function dead(pid: number, procDir: string): boolean {
  try {
    const stat = fs.readFileSync(`${procDir}/${pid}/stat`, 'utf8');
    return /^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return true;
  }
}

/** Waits (bounded) until every PID is dead, so the next run never meets one still exiting. */
export async function waitDead(pids: number[], timeoutMs = 2000, procDir = '/proc'): Promise<boolean> {
  for (let waited = 0; ; waited += 20) {
    if (pids.every((p) => dead(p, procDir))) return true;
    if (waited >= timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
