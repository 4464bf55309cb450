import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveNxBin } from './nx-task';

interface Spare {
  child: ChildProcess;
  jobFile: string;
  /** Its SIGUSR2 handler is in place (before that, the signal would kill it). */
  ready: boolean;
}

/**
 * Spare nx processes for one checkout. Starting nx costs most of a task's overhead on an agent
 * (node start-up and loading Nx's code, ~0.4 s of CPU here, measured in bench/dte); a spare has
 * done that before its task arrives, while the previous task's command runs. Spares are thrown
 * away when the checkout changes commit, so none has loaded anything of the old files.
 */
export class WarmNx {
  private readonly spares: Spare[] = [];
  private seq = 0;
  private closed = false;

  constructor(
    private readonly workdir: string,
    private readonly jobsDir: string,
    /** The environment spares start with (a task's own differs only in its GPU variables). */
    private readonly baseEnv: () => NodeJS.ProcessEnv,
    private readonly count: number,
  ) {}

  private spawnSpare(): void {
    const jobFile = path.join(this.jobsDir, `warm-${process.pid}-${++this.seq}.json`);
    const child = spawn(process.execPath, [path.join(__dirname, 'nx-warm-child.js'), resolveNxBin(this.workdir), jobFile], {
      cwd: this.workdir,
      env: this.baseEnv(),
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const spare: Spare = { child, jobFile, ready: false };
    const signal = child.stdio[3] as NodeJS.ReadableStream | null;
    signal?.once('data', () => (spare.ready = true));
    signal?.on('error', () => undefined);
    child.once('exit', () => {
      const i = this.spares.indexOf(spare);
      if (i >= 0) this.spares.splice(i, 1);
    });
    child.once('error', () => undefined);
    this.spares.push(spare);
  }

  /** Fills up the spares (after a checkout switch, and after each task takes one). */
  fill(): void {
    if (this.closed || process.platform === 'win32') return;
    while (this.spares.length < this.count) this.spawnSpare();
  }

  /** Runs `nx <args>` in a spare if one is ready; undefined when none is. */
  launch(args: string[], env: NodeJS.ProcessEnv): ChildProcess | undefined {
    // Not one still starting, nor one that died (idle timeout) before its exit event came.
    const i = this.spares.findIndex((s) => s.ready && s.child.exitCode === null && s.child.signalCode === null);
    if (i < 0) return undefined;
    const [spare] = this.spares.splice(i, 1);
    const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    fs.writeFileSync(spare.jobFile, JSON.stringify({ args, env: clean }));
    spare.child.kill('SIGUSR2');
    setImmediate(() => this.fill());
    return spare.child;
  }

  /** Stops the spares (checkout switch, agent stop). */
  discard(): void {
    for (const s of this.spares.splice(0)) {
      s.child.kill('SIGKILL');
      fs.rmSync(s.jobFile, { force: true });
    }
  }

  close(): void {
    this.closed = true;
    this.discard();
  }
}
