import type { NxInternals, NxProjectGraph, NxTaskGraph, NxTaskLike } from './nx-internals';
import { canonicalJson } from './content-blob';
import type { InputManifest } from './types';

export interface ManifestRequest {
  internals: NxInternals;
  workspaceRoot: string;
  nxJson: unknown;
  graph: NxProjectGraph;
  /** The tasks whose inputs are wanted (the Nx Task objects where the hook has them). */
  tasks: NxTaskLike[];
  /** Trace seam: marks the end of a step (record-run.ts's phase timings). */
  phase?(name: string): void;
}

/**
 * Expands each task's inputs into files with their Nx content hashes, as the workspace stands
 * now (for the hook: when the command ends, its outputs included, which is what the next run
 * hashes). The task graph is rebuilt per configuration so that `dependentTasksOutputFiles`
 * inputs see their dependency tasks; if that fails, the run's own tasks are planned alone.
 */
export async function computeInputManifests(req: ManifestRequest): Promise<Map<string, InputManifest>> {
  const { internals, graph } = req;
  const phase = req.phase ?? ((): void => undefined);
  const files = await internals.workspaceFiles(req.workspaceRoot, graph);
  phase('workspaceFiles');
  const taskGraph = taskGraphFor(req);
  phase('taskGraph');
  const ids = req.tasks.map((t) => t.id).filter((id) => taskGraph.tasks[id]);
  const inputs = internals.inspectInputs(req.nxJson, graph, files, req.workspaceRoot, taskGraph, ids);
  phase('inspectInputs');
  const out = new Map<string, InputManifest>();
  for (const id of ids) {
    const inp = inputs[id];
    if (!inp) continue;
    out.set(id, {
      files: [...inp.files].sort().map((f): [string, string] => [f, files.fileHashes.get(f) ?? '']),
      environment: [...inp.environment].sort(),
      runtime: [...inp.runtime].sort(),
      external: [...inp.external].sort(),
      depOutputs: [...inp.depOutputs].sort(),
      command: commandOf(graph, taskGraph.tasks[id]),
    });
  }
  phase('buildManifests');
  return out;
}

function taskGraphFor(req: ManifestRequest): NxTaskGraph {
  const byConfig = new Map<string, NxTaskLike[]>();
  for (const t of req.tasks) {
    const key = t.target.configuration ?? '';
    byConfig.set(key, [...(byConfig.get(key) ?? []), t]);
  }
  const merged: NxTaskGraph = { roots: [], tasks: {}, dependencies: {}, continuousDependencies: {} };
  try {
    for (const [config, tasks] of byConfig) {
      const projects = [...new Set(tasks.map((t) => t.target.project))];
      const targets = [...new Set(tasks.map((t) => t.target.target))];
      const g = req.internals.createTaskGraph(req.graph, projects, targets, config || undefined);
      Object.assign(merged.tasks, g.tasks);
      Object.assign(merged.dependencies, g.dependencies);
      Object.assign(merged.continuousDependencies, g.continuousDependencies);
    }
  } catch {
    merged.tasks = {};
  }
  for (const t of req.tasks) {
    if (merged.tasks[t.id]) continue;
    merged.tasks[t.id] = t;
    merged.dependencies[t.id] ??= [];
    merged.continuousDependencies[t.id] ??= [];
  }
  merged.roots = Object.keys(merged.tasks).filter((id) => !(merged.dependencies[id] ?? []).length);
  return merged;
}

/** The target's executor and options (with the task's configuration), canonical JSON. */
export function commandOf(graph: NxProjectGraph, task: NxTaskLike): string | undefined {
  const target = graph.nodes[task.target.project]?.data.targets?.[task.target.target] as
    { executor?: string; command?: string; options?: unknown; configurations?: Record<string, unknown> } | undefined;
  if (!target) return undefined;
  const configuration = task.target.configuration;
  return canonicalJson({
    executor: target.executor ?? null,
    command: target.command ?? null,
    options: target.options ?? null,
    configuration: configuration ? (target.configurations?.[configuration] ?? null) : null,
  });
}
