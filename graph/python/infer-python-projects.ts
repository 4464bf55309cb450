import * as posix from 'node:path/posix';
import type { Diagnostic, WorkspacePath } from '../types';
import { declaredDependencyEdges } from './file-dependencies';
import { inferPythonTargets, type PythonTargetKind } from './infer-python-targets';
import { namePythonProjects, type ExistingProject } from './name-python-projects';
import { pythonExternalNodes, type PythonExternalNode } from './python-external-nodes';
import type { PythonFs } from './python-fs';
import { readPythonProjects, type ReadPythonProject } from './read-python-projects';
import type { PythonProjectInfo, PythonTarget } from './types';

export interface InferPythonProjectsOptions {
  fs: PythonFs;
  /** Config files to consider (Nx's createNodes matches, or a file listing). */
  configFiles: readonly string[];
  /** Projects that exist already (TS/JS inference, Nx core): names to avoid, folders to merge into. */
  existing: readonly ExistingProject[];
  interpreter: string;
  /** Configured target names, by kind. */
  targetNames: Record<PythonTargetKind, string>;
  disabledTargets: readonly string[];
  exclude?: readonly string[];
  workspaceName?: string;
}

/** One inferred Python project, ready for Nx (the plugin only changes the root convention). */
export interface InferredPythonProject {
  /** Nx root: `.` for the workspace root. */
  root: string;
  /** Absent when the folder already is a project (Nx core, TS inference): targets merge into it. */
  name?: string;
  /** The config file the createNodes result is keyed by. */
  configFile: WorkspacePath;
  info: PythonProjectInfo;
  targets: Record<string, PythonTarget>;
  metadata: PythonProjectMetadata;
}

/** Project metadata: `nx show project --json` shows it under `metadata`. */
export interface PythonProjectMetadata {
  technologies: ['python'];
  description: string;
  fleet: { python: { distribution: string; importPackages: string[]; tool: string; requiresPython?: string } };
}

export interface PythonInference {
  projects: InferredPythonProject[];
  externalNodes: Record<string, PythonExternalNode>;
  diagnostics: Diagnostic[];
}

/**
 * Infers the Python projects of a workspace with their targets, metadata and external nodes.
 * Pure apart from `fs`; never throws for a bad file. A target name the folder already has
 * (written by the user, or inferred for TS/JS) is never inferred over: the Python target gets
 * the name with `-python` appended, unless the user wrote that too.
 */
export function inferPythonProjects(options: InferPythonProjectsOptions): PythonInference {
  const read = readPythonProjects(options);
  const diagnostics = [...read.diagnostics];
  const names = namePythonProjects(
    read.projects.map((p) => ({ root: p.info.root, name: p.info.name, configFile: p.info.configFiles[0] })),
    options.existing,
    diagnostics,
  );
  const kept = read.projects.filter((p) => names.get(p.info.root)?.kind !== 'collision');
  const infos = kept.map((p) => p.info);
  const pythonPaths = firstPartySourceRoots(infos);
  const disabled = new Set(options.disabledTargets);
  const projects: InferredPythonProject[] = [];
  for (const p of kept) {
    const naming = names.get(p.info.root);
    const taken = new Set(naming?.kind === 'merge' ? naming.existing.targets : []);
    const byKind = inferPythonTargets(
      options.fs,
      p,
      { interpreter: options.interpreter, disabled },
      pythonPaths.get(p.info.root) ?? [],
    );
    const targets: Record<string, PythonTarget> = {};
    for (const [kind, target] of Object.entries(byKind) as Array<[PythonTargetKind, PythonTarget]>) {
      const name = [options.targetNames[kind], `${options.targetNames[kind]}-python`].find((n) => !taken.has(n));
      if (name) targets[name] = target;
    }
    projects.push({
      root: p.info.root === '' ? '.' : p.info.root,
      ...(naming?.kind === 'new' ? { name: naming.name } : {}),
      configFile: p.info.configFiles[0],
      info: p.info,
      targets,
      metadata: projectMetadata(p),
    });
  }
  return { projects, externalNodes: pythonExternalNodes(infos).nodes, diagnostics };
}

function projectMetadata({ info }: ReadPythonProject): PythonProjectMetadata {
  const python: PythonProjectMetadata['fleet']['python'] = {
    distribution: info.name,
    importPackages: info.importPackages,
    tool: info.tool,
  };
  if (info.requiresPython) python.requiresPython = info.requiresPython;
  const packages = info.importPackages.length > 0 ? ` (import ${info.importPackages.join(', ')})` : '';
  return {
    technologies: ['python'],
    description: `Python distribution ${info.name}${packages}, ${info.tool} project inferred by nx-fleet from ${info.configFiles[0]}`,
    fleet: { python },
  };
}

/**
 * For each project: its own source roots below the project folder, then those of the
 * first-party projects it declares (path/workspace dependencies, or a dependency named like a
 * workspace project), transitively, relative to the project folder.
 */
function firstPartySourceRoots(infos: PythonProjectInfo[]): Map<WorkspacePath, string[]> {
  const byName = new Map(infos.map((p) => [p.normalizedName, p.root]));
  const deps = new Map<WorkspacePath, Set<WorkspacePath>>(infos.map((p) => [p.root, new Set()]));
  for (const e of declaredDependencyEdges(infos)) deps.get(e.source)?.add(e.target);
  for (const p of infos)
    for (const d of p.dependencies)
      if (byName.has(d.normalized) && byName.get(d.normalized) !== p.root)
        deps.get(p.root)?.add(byName.get(d.normalized) as string);
  const byRoot = new Map(infos.map((p) => [p.root, p]));
  const out = new Map<WorkspacePath, string[]>();
  for (const p of infos) {
    const seen = new Set<WorkspacePath>([p.root]);
    const queue = [...(deps.get(p.root) ?? [])];
    const order = [p.root];
    while (queue.length > 0) {
      const next = queue.shift() as WorkspacePath;
      if (seen.has(next)) continue;
      seen.add(next);
      order.push(next);
      queue.push(...(deps.get(next) ?? []));
    }
    const roots = order.flatMap((r) => {
      const info = byRoot.get(r) as PythonProjectInfo;
      return r === p.root
        ? info.sourceRoots.filter((s) => s !== r)
        : info.sourceRoots.filter((s) => s !== r || info.sourceRoots.length === 1);
    });
    out.set(p.root, [...new Set(roots.map((s) => posix.relative(p.root || '.', s || '.') || '.'))]);
  }
  return out;
}
