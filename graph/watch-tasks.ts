import { affectedBy, type GraphIndex } from './query';

export interface WatchTaskFilter {
  /** Target names to run (`-t`). */
  targets: string[];
  /** Only these projects (`-p`); all when absent. */
  projects?: string[];
}

export interface WatchTasks {
  /** `project:target`, sorted. */
  tasks: string[];
  projects: string[];
  targets: string[];
}

/**
 * The tasks a batch of changes affects, restricted to the watched targets and projects. Both the
 * graph before the batch and the one after it are asked: a deleted file, or an import the batch
 * removed, is seen only in the old graph; an added file or import only in the new one.
 */
export function watchTasks(
  before: GraphIndex | undefined,
  after: GraphIndex,
  changed: string[],
  f: WatchTaskFilter,
): WatchTasks {
  const wantedTargets = new Set(f.targets);
  const wantedProjects = f.projects ? new Set(f.projects) : undefined;
  const tasks = new Set<string>();
  for (const g of before ? [before, after] : [after])
    for (const t of affectedBy(g, changed).tasks) {
      if (!wantedTargets.has(t.target)) continue;
      if (wantedProjects && !wantedProjects.has(t.project)) continue;
      // A project or target the batch removed is not run.
      if (!after.data.projects[t.project]?.targets.includes(t.target)) continue;
      tasks.add(t.task);
    }
  const sorted = [...tasks].sort();
  return {
    tasks: sorted,
    projects: [...new Set(sorted.map((t) => t.slice(0, t.lastIndexOf(':'))))].sort(),
    targets: [...new Set(sorted.map((t) => t.slice(t.lastIndexOf(':') + 1)))].sort(),
  };
}
