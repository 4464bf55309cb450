import { fleetTargetGroups } from './target-groups';
import type { CreateNodesResult, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import type { NormalizedOptions } from '../config';
import { createFsReader } from '../graph';
import { reportFileDiagnostics } from './report-file-diagnostics';
import { inferWorkspaceDockerProjects, type InferredDockerProject, type KnownWorkspaceProject } from '../graph/docker';

type ProjectNode = Omit<ProjectConfiguration, 'root'> & { root?: string };

/**
 * The createNodes results for the Dockerfiles Nx matched: targets added to the project that
 * contains each Dockerfile (any project the TS/JS or Python inference knows, Nx core's
 * included), or a project of its own named after its folder. Dockerfile problems are one stderr
 * line each, in the format the file graph uses (`nx-fleet: file:line: message [CODE]`), never a throw.
 */
export function createDockerNodes(
  files: readonly string[],
  knownProjects: readonly KnownWorkspaceProject[],
  options: NormalizedOptions,
  workspaceRoot: string,
): Array<readonly [string, CreateNodesResult]> {
  const reader = createFsReader(workspaceRoot);
  const result = inferWorkspaceDockerProjects({
    workspaceRoot,
    files,
    known: knownProjects,
    options,
    readFile: (f) => reader.readFile(f),
  });
  reportFileDiagnostics(result.diagnostics);
  return result.projects.map((p) => [p.dockerfiles[0], { projects: { [p.root]: toProjectNode(p) } }] as const);
}

function toProjectNode(p: InferredDockerProject): ProjectNode {
  const targets = p.targets as unknown as Record<string, TargetConfiguration>;
  if (!p.createsProject) return { targets, metadata: { ...fleetTargetGroups(targets), technologies: ['docker'] } };
  return {
    name: p.name,
    root: p.root,
    targets,
    metadata: {
      ...fleetTargetGroups(targets),
      technologies: ['docker'],
      description: `Docker image project inferred by nx-fleet from ${p.dockerfiles.join(', ')}`,
    },
  };
}
