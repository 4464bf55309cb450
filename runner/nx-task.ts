import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { WarmLaunch } from './nx-warm';
import { WARM_DONE_MARK, WARM_STALE_MARK } from './nx-warm-protocol';

export interface NxTaskOptions {
  workdir: string;
  /** `project:target[:configuration]`. */
  taskId: string;
  /** The argv after nx's bin (default `run <taskId>`); see task-names.ts `nxRunArgv`. */
  args?: string[];
  /** Start nx as this user (`--task-user`); resident processes are not used then. */
  uid?: number;
  gid?: number;
  env: NodeJS.ProcessEnv;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** Stop the task after this long: the outcome then says `stopped: 'timeout'`. */
  timeoutMs?: number;
  /** Aborting stops the task (cancelled or abandoned run): the outcome says `stopped: <reason>`. */
  signal?: AbortSignal;
  /** How long after SIGTERM the process group gets SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** Runs nx in a resident process that has loaded Nx already (see WarmNx); undefined: none ready. */
  launch?(args: string[], env: NodeJS.ProcessEnv): WarmLaunch | undefined;
}

export type NxTaskOutcome = { exitCode: number | null; signal: string | null; stopped?: string } | { error: string };

/**
 * The environment for an nx command fleet starts itself (the coordinator's task graph and replay):
 * when Nx runs without a daemon (NX_DAEMON=false, or on CI unless NX_DAEMON=true), Nx 24 starts
 * plugin worker processes for each command; loading the plugins in-process gives the same graph
 * and hashes at about half the cost (measured: `run-many --graph=stdout` on 200 projects 2.4 s
 * -> 1.0 s, the replay 1.7-2.3 s -> 1.2-1.7 s). A NX_ISOLATE_PLUGINS the user set wins; with a
 * daemon the plugins live there and nothing changes.
 */
export function withInProcessPlugins(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const noDaemon = env.NX_DAEMON === 'false' || (Boolean(env.CI) && env.CI !== 'false' && env.NX_DAEMON !== 'true');
  return noDaemon && env.NX_ISOLATE_PLUGINS === undefined ? { ...env, NX_ISOLATE_PLUGINS: 'false' } : env;
}

/** The workspace's own nx (what its lockfile pinned); fleet's nx when the checkout has none. */
export function resolveNxBin(workdir: string): string {
  try {
    return require.resolve('nx/bin/nx.js', { paths: [workdir] });
  } catch {
    // fleet's own nx, through its package exports (nx 24 keeps the file under dist/bin/).
    return require.resolve('nx/bin/nx.js');
  }
}

/**
 * Splits a stream into lines. With `marker`, a line ending in it is the end of the task's output
 * (a resident nx process, see nx-warm-child.ts): what comes before it on that line is emitted, the
 * marker is not, and `onMarker` is called.
 */
function lineSplitter(
  emit: (line: string) => void,
  marker?: string,
  onMarker?: () => void,
): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) {
        if (marker && p.endsWith(marker)) {
          if (p.length > marker.length) emit(p.slice(0, -marker.length).replace(/\r$/, ''));
          onMarker?.();
        } else emit(p.replace(/\r$/, ''));
      }
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
    const args = o.args ?? ['run', o.taskId];
    const warm = o.launch?.(args, o.env);
    const child =
      warm?.child ??
      spawn(process.execPath, [resolveNxBin(o.workdir), ...args], {
        cwd: o.workdir,
        env: o.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        ...(o.uid !== undefined ? { uid: o.uid, gid: o.gid } : {}),
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
    // A resident process's task ends with its marker on both streams (all its output is before).
    const marker = warm ? WARM_DONE_MARK + warm.token : undefined;
    let marks = 0;
    const onMarker = (): void => {
      if (++marks < 2 || stopped) return;
      detach();
      finish({ exitCode: 0, signal: null });
      warm!.done();
    };
    // A resident process that found the checkout changed ran nothing: run the task in a fresh nx.
    let staleProcess = false;
    const staleMarker = warm ? WARM_STALE_MARK + warm.token : undefined;
    const out = lineSplitter(
      (l) => (l === staleMarker ? (staleProcess = true) : o.onLine('stdout', l)),
      marker,
      onMarker,
    );
    const err = lineSplitter((l) => o.onLine('stderr', l), marker, onMarker);
    const onOut = (c: Buffer): void => out.push(c);
    const onErr = (c: Buffer): void => err.push(c);
    child.stdout!.on('data', onOut);
    child.stderr!.on('data', onErr);
    let settled = false;
    const finish = (outcome: NxTaskOutcome | Promise<NxTaskOutcome>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onError = (e: Error): void => finish({ error: e.message });
    const onClose = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      out.end();
      err.end();
      // Whatever nx left behind in its group (a child that ignored SIGTERM) goes too.
      if (stopped) group('SIGKILL');
      if (staleProcess && !stopped && !settled) return finish(runNxTask({ ...o, launch: undefined }));
      finish(stopped ? { exitCode, signal, stopped } : { exitCode, signal });
    };
    const detach = (): void => {
      child.stdout!.off('data', onOut);
      child.stderr!.off('data', onErr);
      child.off('error', onError);
      child.off('close', onClose);
    };
    child.once('error', onError);
    child.once('close', onClose);
  });
}
