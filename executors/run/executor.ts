import type { ExecutorContext, Task, TaskGraph } from '@nx/devkit';
import { fleetDisabled } from '../../config';
import { batchParallelism } from '../batch-parallelism';
import { historyDurations } from './durations';
import { GpuSlots } from './gpu-slots';
import { localCapabilities, planLocalTask, priorities, routingOptions, type LocalTask } from './local-plan';
import type { RunExecutorOptions } from './options';
import { offloadTask, offloadTrust, OFFLOADED_ENV, poolConfigured } from './offload';
import { runCommand } from './run-command';

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
  const replayed = offloadReplay(id, context);
  if (replayed) {
    process.stderr.write(replayed.message);
    return { success: replayed.success };
  }
  if (plain()) return { success: (await runCommand(context.root, options, undefined, true).done).code === 0 };
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
  const agent = plain();
  const machine = agent ? undefined : localCapabilities();
  const routing = routingOptions(context.root);
  const plans = new Map<string, LocalTask>(
    ids.map((id) => [
      id,
      machine
        ? planLocalTask(taskGraph.tasks[id], context, machine, routing)
        : {
            id,
            requirement: { labels: [], gpus: 0, gpuMemoryGb: 0, memoryGb: 0, cpus: 0 },
            gpus: 0,
            gpuCandidates: [],
          },
    ]),
  );
  const rank = priorities(
    context,
    historyDurations(context.root, Object.keys(context.taskGraph?.tasks ?? taskGraph.tasks)),
  );
  const slots = agent ? undefined : new GpuSlots();
  const release = () => slots?.releaseAll();
  process.once('exit', release);
  const running = new Map<string, Promise<{ id: string; result: RunTaskReport }>>();
  const kills = new Set<(s: NodeJS.Signals) => void>();
  const stop = (signal: NodeJS.Signals) => {
    for (const k of kills) k(signal);
    release();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const done = new Map<string, boolean>();
  const started = new Set<string>();
  const deps = (id: string) => (taskGraph.dependencies[id] ?? []).map(String).filter((d) => d in taskGraph.tasks);
  try {
    while (done.size < ids.length) {
      const ready = ids
        .filter((id) => !started.has(id) && deps(id).every((d) => done.has(d)))
        .sort((a, b) => (rank.get(b) ?? 0) - (rank.get(a) ?? 0));
      let waitingForGpu = false;
      for (const id of ready) {
        const plan = plans.get(id)!;
        const failedDep = deps(id).find((d) => !done.get(d));
        const replayed = offloadReplay(id, context);
        const sent =
          !failedDep && !replayed && plan.unsatisfiable ? elsewhere(plan, id, context.root, false) : undefined;
        const immediate = failedDep
          ? `nx-fleet: not run: its dependency ${failedDep} failed [FLEET_RUN_DEPENDENCY_FAILED]\n`
          : (replayed?.message ?? (typeof sent === 'string' ? sent : undefined));
        if (sent && typeof sent !== 'string') {
          // On the agent pool: it takes no local slot.
          started.add(id);
          const startTime = Date.now();
          kills.add(sent.kill);
          running.set(
            id,
            sent.done.then(({ code, output }) => {
              kills.delete(sent.kill);
              return { id, result: { success: code === 0, terminalOutput: output, startTime, endTime: Date.now() } };
            }),
          );
          continue;
        }
        if (immediate !== undefined) {
          started.add(id);
          const now = Date.now();
          running.set(
            id,
            Promise.resolve({
              id,
              result: {
                success: !failedDep && !!replayed?.success,
                terminalOutput: immediate,
                startTime: now,
                endTime: now,
              },
            }),
          );
          continue;
        }
        if (running.size >= parallel.workers) break;
        const gpus = slots && plan.gpus ? slots.tryAcquire(plan.gpuCandidates, plan.gpus, id) : slots ? [] : undefined;
        if (slots && plan.gpus && !gpus) {
          waitingForGpu = true;
          continue;
        }
        started.add(id);
        const startTime = Date.now();
        const run = runCommand(context.root, inputs[id], gpus, false);
        kills.add(run.kill);
        running.set(
          id,
          run.done.then(({ code, output }) => {
            kills.delete(run.kill);
            if (gpus) slots?.release(gpus);
            const note = gpus?.length ? `nx-fleet: ${id} ran on GPU ${gpus.join(',')}\n` : '';
            return {
              id,
              result: { success: code === 0, terminalOutput: note + output, startTime, endTime: Date.now() },
            };
          }),
        );
      }
      if (!running.size) {
        // Only GPU tasks are ready and every GPU they may use is held (by other Nx processes).
        await sleep(POLL_MS);
        continue;
      }
      const next = await Promise.race([
        ...running.values(),
        ...(waitingForGpu ? [sleep(POLL_MS).then(() => undefined)] : []),
      ]);
      if (!next) continue;
      running.delete(next.id);
      done.set(next.id, next.result.success);
      yield { task: next.id, result: next.result };
    }
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    release();
    process.off('exit', release);
  }
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

/**
 * Inside the replay of an offload (`fleet run`'s final nx command): the task ran on an agent
 * already. A cached target whose result the replay did not restore is a miss (the agent's hash
 * differs); a `cache: false` one has nothing to restore, its outputs stay on the agent.
 */
function offloadReplay(id: string, context: ExecutorContext): { success: boolean; message: string } | undefined {
  if (process.env[OFFLOADED_ENV] !== '1') return undefined;
  const [project, target] = id.split(':');
  const cached = context.projectsConfigurations?.projects[project]?.targets?.[target]?.cache !== false;
  return cached
    ? {
        success: false,
        message: `nx-fleet: ${id} ran on an agent, but its result is not in the remote cache under this machine's hash; its outputs cannot be restored [FLEET_OFFLOAD_REPLAY_MISS]\n`,
      }
    : {
        success: true,
        message: `nx-fleet: ${id} ran on an agent (log above); it is cache: false, so its outputs stay there [FLEET_OFFLOAD_OUTPUTS_NOT_RETURNED]\n`,
      };
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
