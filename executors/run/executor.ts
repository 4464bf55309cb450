import type { ExecutorContext, Task, TaskGraph } from '@nx/devkit';
import { fleetDisabled } from '../../config';
import { batchParallelism } from '../batch-parallelism';
import { historyDurations } from './durations';
import { GpuSlots } from './gpu-slots';
import { localCapabilities, planLocalTask, priorities, routingOptions, type LocalTask } from './local-plan';
import type { RunExecutorOptions } from './options';
import { OFFLOADED_ENV, offloadReplay, offloadTask, offloadTrust, poolConfigured, sendBack } from './offload';
import { runCommand, type CommandResult } from './run-command';

export interface RunTaskReport {
  success: boolean;
  terminalOutput: string;
  startTime: number;
  endTime: number;
}

/**
 * Plain mode, no local slots, no requirement check, never an offload: on an agent (it runs what
 * it was given with the devices it assigned) and under FLEET_DISABLE=1 (the bypass).
 */
function plain(env = process.env): boolean {
  const disable = fleetDisabled(env);
  if (disable.problem) throw Object.assign(new Error(`nx-fleet: ${disable.problem}`), { code: 'FLEET_INVALID_OPTION' });
  // FLEET_TASK_RESULTS_DIR: an nx started by `fleet agent` (or by `fleet run`'s replay).
  return env.FLEET_ON_AGENT === '1' || !!env.FLEET_TASK_RESULTS_DIR || disable.disabled;
}
const POLL_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `nx-fleet:run` for one task: waits for free local GPUs when it needs them, output live. */
export default async function runExecutor(
  options: RunExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const id = `${context.projectName}:${context.targetName}${context.configurationName ? `:${context.configurationName}` : ''}`;
  const replayed = await offloadReplay(id, context);
  if (replayed) {
    process.stderr.write(replayed.message);
    return { success: replayed.success };
  }
  if (plain()) {
    if ((await runCommand(context.root, options, undefined, true).done).code !== 0) return { success: false };
    const sent = await sendBack(id, context);
    if (sent) process.stderr.write(`nx-fleet: ${sent.message}\n`);
    return { success: sent?.ok ?? true };
  }
  const task = context.taskGraph?.tasks[id] ?? syntheticTask(context);
  const plan = planLocalTask(task, context, localCapabilities(), routingOptions(context.root));
  if (plan.unsatisfiable) {
    const sent = elsewhere(plan, id, context.root, true);
    if (typeof sent === 'string') {
      process.stderr.write(sent);
      return { success: false };
    }
    return { success: (await sent.done).code === 0 };
  }
  const slots = new GpuSlots();
  const release = () => slots.releaseAll();
  process.once('exit', release);
  try {
    let gpus = plan.gpus ? slots.tryAcquire(plan.gpuCandidates, plan.gpus, id) : [];
    if (!gpus)
      process.stderr.write(
        `nx-fleet: ${id} waits for ${plan.gpus} free GPU(s): ${slots.describe(plan.gpuCandidates)}\n`,
      );
    while (!gpus) {
      await sleep(POLL_MS);
      gpus = slots.tryAcquire(plan.gpuCandidates, plan.gpus, id);
    }
    const run = runCommand(context.root, options, gpus, true);
    const stop = (signal: NodeJS.Signals) => {
      run.kill(signal);
      release();
      process.kill(process.pid, signal);
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const { code } = await run.done;
    process.off('SIGINT', stop).off('SIGTERM', stop);
    return { success: code === 0 };
  } finally {
    release();
    process.off('exit', release);
  }
}

/**
 * Batch mode: every nx-fleet:run task of the command, up to `--parallel` at once. Of the ready
 * tasks, the one with the longest remaining critical path (durations from the run history)
 * starts first; a GPU task starts when enough local GPUs are free (locks shared with every Nx
 * process on the machine) and CPU tasks go ahead meanwhile. Results are yielded as tasks end.
 */
export async function* runBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, RunExecutorOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: RunTaskReport }> {
  const ids = Object.keys(taskGraph.tasks);
  const parallel = batchParallelism(
    ids.length,
    process.env,
    context.nxJsonConfiguration?.parallel,
    'FLEET_RUN_WORKERS',
  );
  if (parallel.problem)
    throw Object.assign(new Error(`nx-fleet: ${parallel.problem}`), { code: 'FLEET_INVALID_OPTION' });
  const batch = new BatchRun(taskGraph, inputs, context, parallel.workers);
  const stop = (signal: NodeJS.Signals) => {
    batch.kill(signal);
    process.kill(process.pid, signal);
  };
  const release = () => batch.release();
  process.once('exit', release).once('SIGINT', stop).once('SIGTERM', stop);
  try {
    yield* batch.results();
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop).off('exit', release);
    release();
  }
}

type Finished = { id: string; result: RunTaskReport };

/** One batch: the plans, the slots, what runs and what has ended. */
class BatchRun {
  private readonly plans = new Map<string, LocalTask>();
  private readonly rank: Map<string, number>;
  private readonly slots: GpuSlots | undefined;
  private readonly running = new Map<string, Promise<Finished>>();
  private readonly kills = new Set<(s: NodeJS.Signals) => void>();
  private readonly done = new Map<string, boolean>();
  private readonly started = new Set<string>();
  private readonly ids: string[];
  /** Inside an offload's replay: no task runs, each one's outcome comes from the agent. */
  private readonly replaying = process.env[OFFLOADED_ENV] === '1';

  constructor(
    private readonly graph: TaskGraph,
    private readonly inputs: Record<string, RunExecutorOptions>,
    private readonly context: ExecutorContext,
    private readonly workers: number,
  ) {
    this.ids = Object.keys(graph.tasks);
    const isPlain = plain();
    const machine = isPlain ? undefined : localCapabilities();
    const routing = routingOptions(context.root);
    for (const id of this.ids)
      this.plans.set(id, machine ? planLocalTask(graph.tasks[id], context, machine, routing) : plainPlan(id));
    const all = Object.keys(context.taskGraph?.tasks ?? graph.tasks);
    this.rank = priorities(context, historyDurations(context.root, all));
    this.slots = isPlain ? undefined : new GpuSlots();
  }

  kill(signal: NodeJS.Signals): void {
    for (const k of this.kills) k(signal);
    this.release();
  }

  release(): void {
    this.slots?.releaseAll();
  }

  async *results(): AsyncGenerator<{ task: string; result: RunTaskReport }> {
    while (this.done.size < this.ids.length) {
      const waitingForGpu = this.startReady();
      if (!this.running.size) {
        // Only GPU tasks are ready and every GPU they may use is held (by other Nx processes).
        await sleep(POLL_MS);
        continue;
      }
      const poll = waitingForGpu ? [sleep(POLL_MS).then(() => undefined)] : [];
      const next = await Promise.race([...this.running.values(), ...poll]);
      if (!next) continue;
      this.running.delete(next.id);
      this.done.set(next.id, next.result.success);
      yield { task: next.id, result: next.result };
    }
  }

  private deps(id: string): string[] {
    return (this.graph.dependencies[id] ?? []).map(String).filter((d) => d in this.graph.tasks);
  }

  /** Starts what can start, longest remaining path first; true when a GPU task waits for a slot. */
  private startReady(): boolean {
    const ready = this.ids
      .filter((id) => !this.started.has(id) && this.deps(id).every((d) => this.done.has(d)))
      .sort((a, b) => (this.rank.get(b) ?? 0) - (this.rank.get(a) ?? 0));
    let waitingForGpu = false;
    for (const id of ready) {
      const outcome = this.startOne(id);
      if (outcome === 'full') break;
      if (outcome === 'wait') waitingForGpu = true;
    }
    return waitingForGpu;
  }

  private startOne(id: string): 'started' | 'full' | 'wait' {
    const plan = this.plans.get(id)!;
    const failedDep = this.deps(id).find((d) => !this.done.get(d));
    if (failedDep)
      return this.finishNow(
        id,
        false,
        `nx-fleet: not run: its dependency ${failedDep} failed [FLEET_RUN_DEPENDENCY_FAILED]\n`,
      );
    if (this.replaying)
      return this.track(
        id,
        { done: replayCommand(id, this.context, this.graph.tasks[id]), kill: () => undefined },
        undefined,
      );
    if (plan.unsatisfiable) {
      const sent = elsewhere(plan, id, this.context.root, false);
      if (typeof sent === 'string') return this.finishNow(id, false, sent);
      // On the agent pool: it takes no local slot.
      return this.track(id, sent, undefined);
    }
    if (this.running.size >= this.workers) return 'full';
    const gpus =
      this.slots && plan.gpus ? this.slots.tryAcquire(plan.gpuCandidates, plan.gpus, id) : this.slots ? [] : undefined;
    if (!gpus && this.slots) return 'wait';
    const run = runCommand(this.context.root, this.inputs[id], gpus, false);
    return this.track(id, this.slots ? run : withSendBack(id, this.context, this.graph.tasks[id], run), gpus);
  }

  private finishNow(id: string, success: boolean, terminalOutput: string): 'started' {
    this.started.add(id);
    const now = Date.now();
    this.running.set(id, Promise.resolve({ id, result: { success, terminalOutput, startTime: now, endTime: now } }));
    return 'started';
  }

  private track(
    id: string,
    run: { done: Promise<{ code: number; output: string }>; kill: (s: NodeJS.Signals) => void },
    gpus: number[] | undefined,
  ): 'started' {
    this.started.add(id);
    const startTime = Date.now();
    this.kills.add(run.kill);
    this.running.set(
      id,
      run.done.then(({ code, output }) => {
        this.kills.delete(run.kill);
        if (gpus) this.slots?.release(gpus);
        const note = gpus?.length ? `nx-fleet: ${id} ran on GPU ${gpus.join(',')}\n` : '';
        return { id, result: { success: code === 0, terminalOutput: note + output, startTime, endTime: Date.now() } };
      }),
    );
    return 'started';
  }
}

function plainPlan(id: string): LocalTask {
  return { id, requirement: { labels: [], gpus: 0, gpuMemoryGb: 0, memoryGb: 0, cpus: 0 }, gpus: 0, gpuCandidates: [] };
}

/**
 * This machine can never run it: to the agent pool when one is configured, else a failure now
 * (the message names the requirement and what the machine lacks) rather than a wait.
 */
function elsewhere(
  plan: LocalTask,
  id: string,
  workspaceRoot: string,
  live: boolean,
): string | ReturnType<typeof offloadTask> {
  if (!poolConfigured(workspaceRoot))
    return `nx-fleet: ${plan.unsatisfiable}; no agent pool is configured to send it to (FLEET_REDIS_URL, docs/local-execution.md) [FLEET_LOCAL_UNSATISFIABLE]\n`;
  const trust = offloadTrust(process.env);
  if ('problem' in trust) return `nx-fleet: ${plan.unsatisfiable}; not offloaded: ${trust.problem}\n`;
  if (live) process.stderr.write(`nx-fleet: ${plan.unsatisfiable}; sending it to the agent pool (${trust.trust})\n`);
  return offloadTask(workspaceRoot, id, trust.trust, live);
}

/** A batch task inside an offload's replay, as a command result. */
async function replayCommand(id: string, context: ExecutorContext, task: Task): Promise<CommandResult> {
  const r = (await offloadReplay(id, context, task))!;
  return { code: r.success ? 0 : 1, output: r.message };
}

/** A plain batch task (on an agent): once it succeeded, its outputs go back when its job asks. */
function withSendBack(
  id: string,
  context: ExecutorContext,
  task: Task,
  run: ReturnType<typeof runCommand>,
): ReturnType<typeof runCommand> {
  const done = run.done.then(async (r) => {
    if (r.code !== 0) return r;
    const sent = await sendBack(id, context, task);
    if (!sent) return r;
    return { code: sent.ok ? 0 : 1, output: `${r.output}nx-fleet: ${sent.message}\n` };
  });
  return { done, kill: run.kill };
}

function syntheticTask(context: ExecutorContext): Task {
  return {
    id: `${context.projectName}:${context.targetName}`,
    target: { project: context.projectName!, target: context.targetName!, configuration: context.configurationName },
    overrides: {},
    outputs: [],
    parallelism: true,
  } as unknown as Task;
}
