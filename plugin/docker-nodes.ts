import * as path from 'node:path';
import type { CreateNodesResult, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import type { NormalizedOptions } from '../config';
import { createFsReader, type InferredProject } from '../graph';
import { inferDockerProjects, isDockerfileName, resolveOutputPath, type InferredDockerProject, type KnownDockerCandidate } from '../graph/docker';
import { globToRegExp } from '../graph/glob-to-regexp';

type ProjectNode = Omit<ProjectConfiguration, 'root'> & { root?: string };

/**
 * The createNodes results for the Dockerfiles Nx matched: targets added to the project that
 * contains each Dockerfile (any project the TS/JS inference knows, Nx core's included), or a
 * project of its own named after its folder. Dockerfile problems are one stderr line each,
 * in the format the file graph uses (`nx-fleet: file:line: message [CODE]`), never a throw.
 */
export function createDockerNodes(
  files: readonly string[],
  knownProjects: readonly InferredProject[],
  options: NormalizedOptions,
  workspaceRoot: string,
): Array<readonly [string, CreateNodesResult]> {
  const excluded = options.exclude.map((g) => globToRegExp(g));
  const dockerfiles = files.filter((f) => isDockerfileName(f) && !excluded.some((r) => r.test(f)));
  if (dockerfiles.length === 0) return [];
  const reader = createFsReader(workspaceRoot);
  const result = inferDockerProjects({
    workspaceRoot,
    dockerfiles,
    known: knownProjects.map((p) => knownCandidate(p, options.buildTargetName)),
    workspaceName: workspaceName(reader.readFile('package.json'), workspaceRoot),
    options: options.docker,
    readFile: (f) => reader.readFile(f),
  });
  for (const d of result.diagnostics) console.warn(`nx-fleet: ${d.file}:${d.line}: ${d.message} [${d.code}]`);
  return result.projects.map((p) => [p.dockerfiles[0], { projects: { [p.root]: toProjectNode(p) } }] as const);
}

function knownCandidate(p: InferredProject, buildTargetName: string): KnownDockerCandidate {
  const inferred = p.targets[buildTargetName];
  const hasBuild = inferred !== undefined || p.userTargets.includes(buildTargetName);
  return {
    name: p.name,
    root: p.root,
    buildTarget: hasBuild ? buildTargetName : undefined,
    buildOutputs: (inferred?.outputs ?? []).map((o) => resolveOutputPath(o, p.root)),
  };
}

/** A project at the workspace root takes the root package.json's name, else the folder's name. */
function workspaceName(packageJson: string | undefined, workspaceRoot: string): string {
  try {
    const name = (JSON.parse(packageJson ?? '{}') as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
  } catch {
    /* a malformed root package.json is reported by the TS inference */
  }
  return path.basename(workspaceRoot);
}

function toProjectNode(p: InferredDockerProject): ProjectNode {
  const targets = p.targets as unknown as Record<string, TargetConfiguration>;
  if (!p.createsProject) return { targets };
  return {
    name: p.name,
    root: p.root,
    targets,
    metadata: { technologies: ['docker'], description: `Docker image project inferred by nx-fleet from ${p.dockerfiles.join(', ')}` },
  };
}
