import { spawn, type StdioOptions } from 'node:child_process';
import { resolveNxBin } from './nx-task';

export interface NxSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Default `ignore` (agent housekeeping such as `daemon --stop`); the replay inherits or pipes. */
  stdio?: StdioOptions;
  /** Called with each chunk of stdout/stderr when stdio pipes them. */
  onData?(stream: 'stdout' | 'stderr', chunk: Buffer): void;
}

/**
 * Runs the checkout's own nx (`resolveNxBin`) with `args` and resolves its exit code (null when
 * it could not start). The one place fleet starts a whole nx command outside a task: the agent's
 * daemon start/stop and the coordinator's replay. Tasks go through runNxTask (nx-task.ts), which
 * adds process groups, timeouts and resident processes.
 */
export function spawnNx(args: string[], o: NxSpawnOptions): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [resolveNxBin(o.cwd), ...args], {
      cwd: o.cwd,
      env: o.env,
      stdio: o.stdio ?? 'ignore',
    });
    if (o.onData) {
      child.stdout?.on('data', (c: Buffer) => o.onData!('stdout', c));
      child.stderr?.on('data', (c: Buffer) => o.onData!('stderr', c));
    }
    child.once('error', () => resolve(null));
    child.once('close', (c) => resolve(c));
  });
}
