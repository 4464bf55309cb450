import type { ExecutorContext, Task } from '@nx/devkit';
import { readPluginOptions } from '../../config';
import {
  criticalPathLengths,
  detectHardware,
  resolveRequirement,
  satisfies,
  type Capabilities,
  type GpuInfo,
  type PlannedTask,
  type Requirement,
} from '../../runner';
import type { RoutingOptions } from '../../runner/requirements';
import { describeRequirement, gpuCount } from '../../runner/requirement';

/** A task as the local scheduler sees it. */
export interface LocalTask {
  id: string;
  requirement: Requirement;
  /** Device indices it may use, preferred first (smallest eligible GPUs first, as agents do). */
  gpuCandidates: number[];
  gpus: number;
  /** Set when this machine can never run it: the reason, naming the requirement. */
  unsatisfiable?: string;
}

/** The routing options of the workspace (nx.json `distributed`), as `fleet run` reads them. */
export function routingOptions(workspaceRoot: string): RoutingOptions {
  return ((readPluginOptions(workspaceRoot).options as { distributed?: RoutingOptions }).distributed ??
    {}) as RoutingOptions;
}

/** The machine as the scheduler sees it (a fake `nvidia-smi` on PATH in tests). */
export function localCapabilities(env: NodeJS.ProcessEnv = process.env): Capabilities {
  return detectHardware({ env, labels: parseLabelsEnv(env.FLEET_LOCAL_LABELS) }).capabilities;
}

function parseLabelsEnv(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Each task's requirement (the rules of `fleet run`: runner/requirements.ts) against this machine. */
export function planLocalTask(
  task: Task,
  context: ExecutorContext,
  machine: Capabilities,
  routing: RoutingOptions,
): LocalTask {
  const node = context.projectGraph?.nodes[task.target.project]?.data;
  const resolved = resolveRequirement(
    {
      project: task.target.project,
      target: task.target.target,
      configuration: task.target.configuration,
      tags: node?.tags ?? [],
      metadata: node?.targets?.[task.target.target]?.metadata as Record<string, unknown> | undefined,
    },
    routing,
  );
  if (!resolved.ok)
    return {
      id: task.id,
      requirement: { labels: [], gpus: 0, gpuMemoryGb: 0, memoryGb: 0, cpus: 0 },
      gpuCandidates: [],
      gpus: 0,
      unsatisfiable: `${resolved.message} [${resolved.code}]`,
    };
  const requirement = resolved.requirement;
  const fit = satisfies(machine, requirement);
  return {
    id: task.id,
    requirement,
    gpus: gpuCount(requirement),
    gpuCandidates: candidates(machine.gpus, requirement),
    ...(fit.ok
      ? {}
      : {
          unsatisfiable: `${task.id} requires ${describeRequirement(requirement)}; this machine (${machine.hostname}) lacks ${fit.unmet.join('; ')}`,
        }),
  };
}

function candidates(gpus: GpuInfo[], r: Requirement): number[] {
  return gpus
    .filter((g) => (g.memoryMb * 1048576) / 1e9 >= r.gpuMemoryGb)
    .sort((a, b) => a.memoryMb - b.memoryMb || a.index - b.index)
    .map((g) => g.index);
}

/**
 * Longest remaining critical path of each task, over the whole task graph of the command (a
 * batch task's dependents outside the batch count), weighted by durations from earlier runs.
 */
export function priorities(context: ExecutorContext, durations: ReadonlyMap<string, number>): Map<string, number> {
  const graph = context.taskGraph;
  if (!graph) return new Map();
  const tasks = Object.keys(graph.tasks).map(
    (id) => ({ id, deps: (graph.dependencies[id] ?? []).map(String) }) as unknown as PlannedTask,
  );
  return criticalPathLengths(tasks, durations);
}
