import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { RunExecutorOptions } from './options';

export interface CommandResult {
  code: number;
  output: string;
}

/**
 * Runs the target's command in the shell. `gpus` undefined: the environment is left as it is
 * (on an agent, which assigned the devices itself); otherwise CUDA_VISIBLE_DEVICES and
 * NVIDIA_VISIBLE_DEVICES name exactly those devices, and a CPU task sees none (`''`, `void`), so
 * it cannot grab a GPU another task holds (the agent's rule, runner/agent.ts).
 */
export function runCommand(
  workspaceRoot: string,
  options: RunExecutorOptions,
  gpus: number[] | undefined,
  live: boolean,
): { done: Promise<CommandResult>; kill: (signal: NodeJS.Signals) => void } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (gpus) {
    env.CUDA_VISIBLE_DEVICES = gpus.join(',');
    env.NVIDIA_VISIBLE_DEVICES = gpus.length ? gpus.join(',') : 'void';
  }
  const child = spawn('/bin/sh', ['-c', options.command], {
    cwd: path.resolve(workspaceRoot, options.cwd ?? '.'),
    env,
    stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<CommandResult>((resolve) => {
    child.on('error', (e) => resolve({ code: 127, output: `${output}nx-fleet: cannot start /bin/sh: ${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
  return { done, kill: (signal) => child.kill(signal) };
}
