import * as path from 'node:path';
import type { NormalizedOptions } from '../../config';
import { globToRegExp } from '../glob-to-regexp';
import type { ProjectDependency } from '../types';
import type { DockerTargetFacts } from './build-docker-targets';
import { findBuildCommands } from './build-commands';
import { dockerfileDependencies, resolveOutputPath, type DependencyCandidate } from './docker-dependencies';
import { isDockerfileName } from './dockerfile-names';
import { imageRepository } from './image-repository';
import { inferDockerProjects, type DockerInferenceResult, type KnownDockerCandidate } from './infer-docker-projects';

/** A project Docker inference may add targets to: from the TS/JS or Python inference, or Nx core. */
export interface KnownWorkspaceProject {
  name: string;
  root: string;
  /** Inferred targets (their outputs tell where a build writes). */
  targets: Record<string, { outputs?: string[] }>;
  /** Targets the user wrote, which inference does not see the outputs of. */
  userTargets: readonly string[];
}

/** The inputs of {@link inferWorkspaceDockerProjects}. */
export interface WorkspaceDockerInput {
  workspaceRoot: string;
  /** Workspace-relative files; the Dockerfiles among them (outside `exclude`) are analysed. */
  files: readonly string[];
  known: readonly KnownWorkspaceProject[];
  options: Pick<NormalizedOptions, 'exclude' | 'buildTargetName' | 'docker'>;
  readFile: (file: string) => string | undefined;
}

/**
 * Docker inference for a whole workspace: the Dockerfiles among `files`, placed into the known
 * projects (TS/JS, Python, Nx core) or into projects of their own. One function for the plugin's
 * createNodes and for `fleet graph`, so both see the same projects and targets.
 */
export function inferWorkspaceDockerProjects(input: WorkspaceDockerInput): DockerInferenceResult {
  const excluded = input.options.exclude.map((g) => globToRegExp(g));
  const dockerfiles = input.files.filter((f) => isDockerfileName(f) && !excluded.some((r) => r.test(f)));
  if (dockerfiles.length === 0) return { projects: [], diagnostics: [] };
  return inferDockerProjects({
    workspaceRoot: input.workspaceRoot,
    dockerfiles,
    known: input.known.map((p) => knownCandidate(p, input.options.buildTargetName)),
    workspaceName: workspaceName(input.readFile('package.json'), input.workspaceRoot),
    options: input.options.docker,
    readFile: input.readFile,
    buildCommands: findBuildCommands(
      input.files.filter((f) => !excluded.some((r) => r.test(f))),
      input.readFile,
    ),
  });
}

function knownCandidate(p: KnownWorkspaceProject, buildTargetName: string): KnownDockerCandidate {
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

/** A project as the graph holds it: Nx's ProjectConfiguration, or `fleet graph`'s merged view. */
export interface GraphProject {
  root: string;
  targets?: Record<string, { outputs?: string[]; metadata?: unknown }>;
}

/**
 * Project edges from Dockerfiles, read back from the `metadata.fleet` that Docker inference puts
 * on each docker-build target, so edges and `dependsOn` come from the same analysis. Each edge's
 * `sourceFile` is the Dockerfile. Computed for every Dockerfile each time: there are few, and an
 * edge to another image depends on that image's Dockerfile too.
 */
export function dockerProjectEdges(
  projects: Record<string, GraphProject>,
  buildTargetName: string,
): ProjectDependency[] {
  const candidates = Object.entries(projects).map(([name, p]) => candidate(name, p, buildTargetName));
  const edges = new Map<string, ProjectDependency>();
  for (const [source, project] of Object.entries(projects)) {
    for (const target of Object.values(project.targets ?? {})) {
      const facts = (target.metadata as { fleet?: DockerTargetFacts } | undefined)?.fleet;
      if (!facts?.reads) continue;
      for (const d of dockerfileDependencies(facts.reads, candidates)) {
        if (d.project === source) continue;
        edges.set(`${source}\0${d.project}`, {
          source,
          target: d.project,
          sourceFile: facts.reads.dockerfile,
          type: 'static',
        });
      }
    }
  }
  return [...edges.values()];
}

function candidate(name: string, p: GraphProject, buildTargetName: string): DependencyCandidate {
  const build = p.targets?.[buildTargetName];
  const images: DependencyCandidate['images'] = [];
  for (const [targetName, t] of Object.entries(p.targets ?? {})) {
    const image = (t.metadata as { fleet?: DockerTargetFacts } | undefined)?.fleet?.image;
    const repository = image && imageRepository(image);
    if (repository) images.push({ repository, target: targetName });
  }
  return {
    name,
    root: p.root,
    buildTarget: build ? buildTargetName : undefined,
    buildOutputs: (build?.outputs ?? []).map((o) => resolveOutputPath(o, p.root)),
    images,
  };
}
