import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { fleetDisabled } from '../../config';
import { loadVitest, resolveVitestNode } from './load-vitest';
import type { VitestExecutorOptions } from './options';
import { batchParallelism } from '../batch-parallelism';
import { VitestWorkers, type WorkerOutcome } from './pool';
import { runProject, type TestCounts } from './run-project';

export interface VitestTaskReport {
  success: boolean;
  terminalOutput: string;
  startTime: number;
  endTime: number;
}

/** `nx-fleet:vitest` for one task (Nx without batch mode): this process is the project's `vitest run`. */
export default async function vitestExecutor(
  options: VitestExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const root = path.resolve(context.root, options.cwd);
  if (disabled()) {
    const r = asCommand(root, options);
    process.stdout.write(r.terminalOutput);
    return { success: r.success };
  }
  process.chdir(root);
  const { api } = await loadVitest(root);
  const result = await runProject(api, {
    root,
    config: options.config,
    passWithNoTests: options.passWithNoTests,
    exclude: options.exclude,
  });
  process.stdout.write(result.output);
  return { success: result.success };
}

/**
 * Batch mode: every vitest task of the Nx command, each project in its own folder with its own
 * Vitest config, on up to `--parallel` warm worker processes; each result is handed to Nx as
 * soon as its project ends (an async iterator), so Nx shows and caches it then.
 */
export async function* vitestBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, VitestExecutorOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: VitestTaskReport }> {
  const ids = Object.keys(taskGraph.tasks);
  if (disabled()) {
    for (const id of ids) yield { task: id, result: asCommand(path.resolve(context.root, inputs[id].cwd), inputs[id]) };
    return;
  }
  const parallel = batchParallelism(ids.length, process.env, context.nxJsonConfiguration?.parallel);
  if (parallel.problem)
    throw Object.assign(new Error(`nx-fleet: ${parallel.problem}`), { code: 'FLEET_INVALID_OPTION' });
  const workers = new VitestWorkers(parallel.workers);
  // Process exit cannot wait: the workers then only get their signal (and leave on disconnect).
  const stop = () => void workers.close();
  process.once('exit', stop);
  try {
    yield* runInOrder(taskGraph, (id) => runTask(workers, context.root, id, inputs[id]));
  } finally {
    process.off('exit', stop);
    await workers.close();
  }
}

async function runTask(
  workers: VitestWorkers,
  workspaceRoot: string,
  id: string,
  options: VitestExecutorOptions,
): Promise<VitestTaskReport> {
  const startTime = Date.now();
  const root = path.resolve(workspaceRoot, options.cwd);
  const outcome: WorkerOutcome = await workers.run({
    root,
    config: options.config,
    passWithNoTests: options.passWithNoTests,
    exclude: options.exclude,
  });
  const terminalOutput = outcome.ok ? outcome.extra + outcome.result.output : `${outcome.message} [${outcome.code}]\n`;
  // Nx prints (and caches) the terminalOutput of each result the iterator yields: nothing to write here.
  return { success: outcome.ok && outcome.result.success, terminalOutput, startTime, endTime: Date.now() };
}

/**
 * Starts every task whose dependencies in the batch have succeeded, as workers allow (the pool
 * queues), and yields each result when it ends. A task whose dependency failed is not run.
 */
async function* runInOrder(
  taskGraph: TaskGraph,
  run: (id: string) => Promise<VitestTaskReport>,
): AsyncGenerator<{ task: string; result: VitestTaskReport }> {
  const ids = Object.keys(taskGraph.tasks);
  const deps = (id: string) => (taskGraph.dependencies[id] ?? []).map(String).filter((d) => d in taskGraph.tasks);
  const done = new Map<string, boolean>();
  const running = new Map<string, Promise<{ id: string; result: VitestTaskReport }>>();
  const started = new Set<string>();
  while (done.size < ids.length) {
    for (const id of ids) {
      if (started.has(id) || !deps(id).every((d) => done.has(d))) continue;
      started.add(id);
      const failedDep = deps(id).find((d) => !done.get(d));
      const now = Date.now();
      running.set(
        id,
        failedDep
          ? Promise.resolve({
              id,
              result: {
                success: false,
                terminalOutput: `nx-fleet: not run: its dependency ${failedDep} failed [FLEET_VITEST_DEPENDENCY_FAILED]\n`,
                startTime: now,
                endTime: now,
              },
            })
          : run(id).then((result) => ({ id, result })),
      );
    }
    const next = await Promise.race(running.values());
    running.delete(next.id);
    done.set(next.id, next.result.success);
    yield { task: next.id, result: next.result };
  }
}

/** FLEET_DISABLE, a strict boolean: `1` bypasses, a typo fails the tasks rather than guess. */
function disabled(): boolean {
  const disable = fleetDisabled(process.env);
  if (disable.problem) throw Object.assign(new Error(`nx-fleet: ${disable.problem}`), { code: 'FLEET_INVALID_OPTION' });
  return disable.disabled;
}

/** FLEET_DISABLE=1: what the inferred command target does, `vitest run` in the folder, one task after another. */
function asCommand(root: string, options: VitestExecutorOptions): VitestTaskReport {
  const startTime = Date.now();
  const cli = path.join(path.dirname(path.dirname(resolveVitestNode(root).file)), 'vitest.mjs');
  const args = [cli, 'run', ...(options.config ? ['--config', options.config] : [])];
  if (options.passWithNoTests) args.push('--passWithNoTests');
  for (const e of options.exclude ?? []) args.push('--exclude', e);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return {
    success: r.status === 0,
    terminalOutput: (r.stdout ?? '') + (r.stderr ?? ''),
    startTime,
    endTime: Date.now(),
  };
}

export type { TestCounts };
