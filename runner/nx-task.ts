import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export interface NxTaskOptions {
  workdir: string;
  /** `project:target[:configuration]`. */
  taskId: string;
  env: NodeJS.ProcessEnv;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** Stop the task after this long: the outcome then says `stopped: 'timeout'`. */
  timeoutMs?: number;
  /** Aborting stops the task (cancelled or abandoned run): the outcome says `stopped: <reason>`. */
  signal?: AbortSignal;
  /** How long after SIGTERM the process group gets SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** Starts nx in a spare process that has loaded Nx already (see WarmNx); undefined: none ready. */
  launch?(args: string[], env: NodeJS.ProcessEnv): ChildProcess | undefined;
}

export type NxTaskOutcome = { exitCode: number | null; signal: string | null; stopped?: string } | { error: string };

/** The workspace's own nx (what its lockfile pinned); fleet's nx when the checkout has none. */
export function resolveNxBin(workdir: string): string {
  try {
    return require.resolve('nx/bin/nx.js', { paths: [workdir] });
  } catch {
    return path.join(path.dirname(require.resolve('nx/package.json')), 'bin', 'nx.js');
  }
}

function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) emit(p.replace(/\r$/, ''));
    },
    end() {
      if (rest) emit(rest);
      rest = '';
    },
  };
}

/**
 * Runs `nx run <taskId>` (no shell: the task id is one argument) and streams its lines. nx runs in
 * a process group of its own, so stopping a task (timeout, cancel) stops the processes it started.
 */
export function runNxTask(o: NxTaskOptions): Promise<NxTaskOutcome> {
  return new Promise((resolve) => {
    const child =
      o.launch?.(['run', o.taskId], o.env) ??
      spawn(process.execPath, [resolveNxBin(o.workdir), 'run', o.taskId], {
        cwd: o.workdir,
        env: o.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      });
    let stopped: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const group = (sig: NodeJS.Signals): void => {
      try {
        if (process.platform === 'win32') child.kill(sig);
        else process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    const stop = (why: string): void => {
      if (stopped || child.exitCode !== null) return;
      stopped = why;
      o.onLine('stderr', `[fleet] stopping the task: ${why}`);
      group('SIGTERM');
      killTimer = setTimeout(() => group('SIGKILL'), o.killGraceMs ?? 5000);
    };
    const timeout = o.timeoutMs ? setTimeout(() => stop('timeout'), o.timeoutMs) : undefined;
    const onAbort = (): void => stop(String(o.signal?.reason ?? 'aborted'));
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    const out = lineSplitter((l) => o.onLine('stdout', l));
    const err = lineSplitter((l) => o.onLine('stderr', l));
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const finish = (outcome: NxTaskOutcome): void => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.once('error', (e) => finish({ error: e.message }));
    child.once('close', (exitCode, signal) => {
      out.end();
      err.end();
      // Whatever nx left behind in its group (a child that ignored SIGTERM) goes too.
      if (stopped) group('SIGKILL');
      finish(stopped ? { exitCode, signal, stopped } : { exitCode, signal });
    });
  });
}
