import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { VitestFailureCode, WorkerReply, WorkerRequest } from './protocol';
import type { ProjectRequest, ProjectResult } from './run-project';

export type WorkerOutcome =
  { ok: true; result: ProjectResult; extra: string } | { ok: false; code: VitestFailureCode; message: string };

interface Worker {
  child: ChildProcess;
  busy?: { id: number; done: (o: WorkerOutcome) => void; extra: string };
}

/**
 * Up to `size` warm worker processes (worker-main.ts), started on demand and kept for the
 * batch: each runs one project at a time. A worker that dies fails only its running project
 * (FLEET_VITEST_WORKER_CRASHED) and is replaced by the next demand.
 */
export class VitestWorkers {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<(w: Worker) => void> = [];
  private nextId = 1;

  constructor(
    private readonly size: number,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async run(req: ProjectRequest): Promise<WorkerOutcome> {
    const worker = await this.take();
    const id = this.nextId++;
    return new Promise<WorkerOutcome>((done) => {
      worker.busy = { id, done, extra: '' };
      const message: WorkerRequest = { type: 'run', id, ...req };
      worker.child.send(message);
    }).finally(() => {
      worker.busy = undefined;
      if (this.all.has(worker)) this.give(worker);
    });
  }

  /** Stops the workers and waits (bounded) until they are gone, so none outlives the batch. */
  async close(): Promise<void> {
    const exits = [...this.all].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
          w.child.once('exit', () => resolve());
          w.child.kill('SIGTERM');
        }),
    );
    this.all.clear();
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))]);
  }

  private take(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.size < this.size) return Promise.resolve(this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  private start(): Worker {
    const child = fork(path.join(__dirname, 'worker-main.js'), [], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const worker: Worker = { child };
    this.all.add(worker);
    // Output Vitest did not capture (a globalSetup's console.log) belongs to the running project.
    const stray = (chunk: Buffer) => worker.busy && (worker.busy.extra += chunk.toString());
    child.stdout?.on('data', stray);
    child.stderr?.on('data', stray);
    child.on('message', (m: WorkerReply) => {
      if (m.type === 'result' && worker.busy?.id === m.id)
        worker.busy.done({ ok: true, result: m.result, extra: worker.busy.extra });
    });
    child.on('exit', (code, signal) => {
      const wasKnown = this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      if (worker.busy)
        worker.busy.done({
          ok: false,
          code: 'FLEET_VITEST_WORKER_CRASHED',
          message: `nx-fleet: the vitest worker (pid ${child.pid}) exited (${signal ?? code}) while running this project${worker.busy.extra ? `; its last output:\n${worker.busy.extra}` : ''}`,
        });
      // A replacement for whoever waits (the crashed worker's slot is free again).
      if (wasKnown && this.waiting.length && this.all.size < this.size) this.give(this.start());
    });
    return worker;
  }
}
