import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveNxBin } from './nx-task';

interface Resident {
  child: ChildProcess;
  jobFile: string;
  /** Its SIGUSR2 handler is in place (before that, the signal would kill it). */
  ready: boolean;
  /** Running a task now. */
  busy: boolean;
  /** Tasks it ran. */
  tasks: number;
  /** The environment of its first task: later tasks must have the same (see nx-warm-child.ts). */
  envKey?: string;
}

/** A task handed to a resident nx process: `done()` gives the process back once its end marker came. */
export interface WarmLaunch {
  child: ChildProcess;
  /** The random token of the end marker this task's output ends with. */
  token: string;
  /** Tasks this process ran before this one (0: its first). */
  reused: number;
  done(): void;
}

/**
 * Resident nx processes for one checkout. Starting nx costs most of a task's overhead on an agent
 * (node start-up and loading Nx's code, ~0.4 s of CPU here, measured in bench/dte): a resident
 * process has done that before its first task arrives, and after a task that succeeded it runs
 * the next one too (see nx-warm-child.ts), so a task costs only what Nx does for it. They are
 * thrown away when the checkout changes commit, so none has loaded anything of the old files; a
 * failed, stopped or timed-out task ends its process, and a new one starts in its place.
 */
export class WarmNx {
  private readonly residents: Resident[] = [];
  private seq = 0;
  private closed = false;
  /** Between discard() and the next fill(): the checkout is changing, start nothing. */
  private holding = false;

  constructor(
    private readonly workdir: string,
    private readonly jobsDir: string,
    /** The environment residents start with (a task's own differs only in its GPU variables). */
    private readonly baseEnv: () => NodeJS.ProcessEnv,
    private readonly count: number,
  ) {}

  private spawnResident(): void {
    const jobFile = path.join(this.jobsDir, `warm-${process.pid}-${++this.seq}.json`);
    const child = spawn(
      process.execPath,
      [path.join(__dirname, 'nx-warm-child.js'), resolveNxBin(this.workdir), jobFile],
      {
        cwd: this.workdir,
        env: this.baseEnv(),
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      },
    );
    const r: Resident = { child, jobFile, ready: false, busy: false, tasks: 0 };
    const signal = child.stdio[3] as NodeJS.ReadableStream | null;
    signal?.once('data', () => (r.ready = true));
    signal?.on('error', () => undefined);
    child.once('exit', () => {
      const i = this.residents.indexOf(r);
      if (i >= 0) this.residents.splice(i, 1);
      fs.rmSync(jobFile, { force: true });
      // A process that ended (failed task, its task limit, idle) is replaced while the agent works.
      setImmediate(() => this.topUp());
    });
    child.once('error', () => undefined);
    this.residents.push(r);
  }

  /** Starts residents up to the pool size (after a checkout switch, and when one ends). */
  fill(): void {
    this.holding = false;
    this.topUp();
  }

  private topUp(): void {
    if (this.closed || this.holding || process.platform === 'win32') return;
    while (this.residents.length < this.count) this.spawnResident();
  }

  /** Runs `nx <args>` in an idle resident process if one is ready; undefined when none is. */
  launch(args: string[], env: NodeJS.ProcessEnv): WarmLaunch | undefined {
    const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    const envKey = JSON.stringify(Object.entries(clean).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    // Not one still starting, nor one that died (idle timeout) before its exit event came; one
    // that ran tasks only for the same environment (a GPU task's differs in its device list).
    // A process that ran tasks before comes first: it has warmed up further.
    const idle = this.residents.filter(
      (s) => s.ready && !s.busy && s.child.exitCode === null && s.child.signalCode === null,
    );
    const r = idle.find((s) => s.envKey === envKey) ?? idle.find((s) => s.envKey === undefined);
    if (!r) {
      // All idle ones are bound to other environments: one makes room for a fresh process.
      idle[0]?.child.kill('SIGKILL');
      return undefined;
    }
    r.busy = true;
    r.envKey = envKey;
    const token = randomBytes(12).toString('hex');
    fs.writeFileSync(r.jobFile, JSON.stringify({ args, env: clean, token }));
    r.child.kill('SIGUSR2');
    const reused = r.tasks++;
    return {
      child: r.child,
      token,
      reused,
      done: () => {
        r.busy = false;
        if (this.closed || !this.residents.includes(r)) r.child.kill('SIGKILL');
      },
    };
  }

  /** Stops the residents (checkout switch, agent stop). */
  discard(): void {
    this.holding = true;
    // Each one's exit handler removes its job file.
    for (const r of this.residents.splice(0)) r.child.kill('SIGKILL');
  }

  close(): void {
    this.closed = true;
    this.discard();
  }
}
