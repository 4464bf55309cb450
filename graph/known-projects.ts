import type { KnownWorkspaceProject } from './docker/workspace-docker-projects';
import type { InferredProject } from './projects';
import type { InferredPythonProject } from './python/infer-python-projects';

/**
 * Every project Docker inference may place a Dockerfile into: TS/JS ones (Nx core's included),
 * new Python ones, and Python targets merged into an existing project (a Python project
 * without a name is one). Docker inference runs after both, so that a Dockerfile inside a
 * Python project belongs to it and a COPY of a Python project depends on its build.
 */
export function knownProjects(
  ts: readonly InferredProject[],
  python: readonly InferredPythonProject[],
): KnownWorkspaceProject[] {
  const byRoot = new Map<string, KnownWorkspaceProject>(
    ts.map((p) => [p.root, { name: p.name, root: p.root, targets: { ...p.targets }, userTargets: p.userTargets }]),
  );
  for (const p of python) {
    const existing = byRoot.get(p.root);
    const targets = p.targets as unknown as Record<string, { outputs?: string[] }>;
    if (existing) Object.assign(existing.targets, targets);
    else if (p.name !== undefined)
      byRoot.set(p.root, { name: p.name, root: p.root, targets: { ...targets }, userTargets: [] });
  }
  return [...byRoot.values()];
}
