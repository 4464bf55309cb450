import { edgeId, type NxInternals } from './nx-internals';
import type { StoredTaskRun } from './types';

/**
 * The dependencies among a run's tasks, recomputed from the project graph as it is now (the
 * hook's context has results, not the task graph, and rebuilding it there would cost the
 * command time). Null when there is no graph to read.
 */
type TaskRef = Pick<StoredTaskRun, 'taskId' | 'project' | 'target' | 'configuration'>;

export function taskDepsFor(internals: NxInternals, tasks: TaskRef[]): Record<string, string[]> | null {
  try {
    const graph = internals.readCachedProjectGraph();
    const deps: Record<string, string[]> = {};
    const ids = new Set(tasks.map((t) => t.taskId));
    const byConfig = new Map<string, TaskRef[]>();
    for (const t of tasks) byConfig.set(t.configuration ?? '', [...(byConfig.get(t.configuration ?? '') ?? []), t]);
    for (const [config, group] of byConfig) {
      const projects = [...new Set(group.map((t) => t.project))].filter((p) => graph.nodes[p]);
      const targets = [...new Set(group.map((t) => t.target))];
      const tg = internals.createTaskGraph(graph, projects, targets, config || undefined);
      for (const id of Object.keys(tg.dependencies)) {
        if (!ids.has(id)) continue;
        deps[id] = closestRecorded(id, tg.dependencies, ids);
      }
    }
    return deps;
  } catch {
    return null;
  }
}

/** A task's dependencies among `ids`, looking through tasks the run did not record. */
function closestRecorded(id: string, all: Record<string, Array<string | { id: string }>>, ids: Set<string>): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const stack = (all[id] ?? []).map(edgeId);
  while (stack.length) {
    const d = stack.pop()!;
    if (seen.has(d)) continue;
    seen.add(d);
    if (ids.has(d)) out.add(d);
    else stack.push(...(all[d] ?? []).map(edgeId));
  }
  return [...out].sort();
}
