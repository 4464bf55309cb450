import * as path from 'node:path';
import type { FileNode, ProjectDependency, WorkspacePath } from '../types';
import type { DockerTargetFacts } from './build-docker-targets';
import { reachableContextFiles } from './context-files';
import { loadDockerignoreSync } from './dockerignore';
import { IMAGE_PREFIX } from './docker-analyzer';
import { parseImageRef } from './image-ref';
import { firstLines } from '../to-file-node';
import type { InferredDockerProject } from './infer-docker-projects';
import { dockerProjectEdges, type GraphProject, type KnownWorkspaceProject } from './workspace-docker-projects';

/** The Docker part of `fleet graph --json`, computed without Nx. */
export interface DockerWorkspaceGraph {
  /** Name → root, target names, and whether nx-fleet creates the project (else it adds targets to a known one). */
  projects: Record<string, { root: string; targets: string[]; createsProject: boolean }>;
  /** Dockerfile → the context files its COPY/ADD/bind sources reach after .dockerignore, and its external images. */
  files: Record<WorkspacePath, FileNode>;
  dependencies: ProjectDependency[];
}

/**
 * Expresses Docker inference in `fleet graph` terms, with the edge rules the plugin's
 * createDependencies uses (dockerProjectEdges), over the known projects merged with the
 * Docker targets. `files` is the workspace's file list.
 */
export function dockerWorkspaceGraph(
  workspaceRoot: string,
  docker: readonly InferredDockerProject[],
  known: readonly KnownWorkspaceProject[],
  files: readonly string[],
  buildTargetName: string,
): DockerWorkspaceGraph {
  const graphProjects: Record<string, GraphProject> = {};
  for (const p of known) graphProjects[p.name] = { root: p.root, targets: { ...p.targets } };
  const out: DockerWorkspaceGraph = { projects: {}, files: {}, dependencies: [] };
  for (const p of docker) {
    const entry = (graphProjects[p.name] ??= { root: p.root, targets: {} });
    Object.assign(entry.targets ?? {}, p.targets);
    out.projects[p.name] = { root: p.root, targets: Object.keys(p.targets).sort(), createsProject: p.createsProject };
    for (const t of Object.values(p.targets)) {
      const facts = (t.metadata as { fleet?: DockerTargetFacts } | undefined)?.fleet;
      if (facts?.reads && !out.files[facts.dockerfile])
        out.files[facts.dockerfile] = dockerfileNode(workspaceRoot, facts, files);
    }
  }
  out.dependencies = dockerProjectEdges(graphProjects, buildTargetName);
  return out;
}

function dockerfileNode(workspaceRoot: string, facts: DockerTargetFacts, files: readonly string[]): FileNode {
  const context = facts.context === '.' ? '' : `${facts.context}/`;
  const inContext = files.filter((f) => f.startsWith(context)).map((f) => f.slice(context.length));
  const sources = facts.reads.sources.map((s) =>
    context && s.path.startsWith(context) ? s.path.slice(context.length) : s.path,
  );
  const ignore = loadDockerignoreSync(
    path.join(workspaceRoot, facts.context),
    path.join(workspaceRoot, facts.dockerfile),
  );
  const reached = reachableContextFiles(inContext, sources, ignore).map((f) => `${context}${f}`);
  const images = facts.reads.images.map((i) => {
    const ref = parseImageRef(i.ref);
    return { name: `${IMAGE_PREFIX}${ref.valid ? ref.canonical : i.ref}`, line: i.line };
  });
  const external = images.map((i) => i.name);
  // The line of each reached file: the first COPY/ADD source (in file order) that reaches it.
  const pairs: Array<[string, number]> = images.map((i) => [i.name, i.line]);
  facts.reads.sources.forEach((s, i) => {
    for (const f of reachableContextFiles(inContext, [sources[i]], ignore)) pairs.push([`${context}${f}`, s.line]);
  });
  // A source that matches nothing is listed, never dropped (DOCKER_COPY_SOURCE_MISSING says where).
  const unresolved = [...new Set(facts.missingSources ?? [])].sort();
  return {
    imports: [...new Set(reached)].sort(),
    external: [...new Set(external)].sort(),
    unresolved,
    lines: firstLines(pairs),
  };
}
