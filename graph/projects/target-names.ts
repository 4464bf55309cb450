import type { InferredProject } from './types';

/** All target names of a project as Nx will show them: inferred plus user-written, sorted. */
export function targetNames(project: Pick<InferredProject, 'targets' | 'userTargets'>): string[] {
  return [...new Set([...Object.keys(project.targets), ...project.userTargets])].sort();
}
