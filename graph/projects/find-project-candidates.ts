import * as posix from 'node:path/posix';
import type { Diagnostic, WorkspacePath } from '../types';
import { globToRegExp, matchesPathOrAncestor } from '../glob-to-regexp';
import { DiagnosticCodes, objectAt, readJson } from './read-json';
import { readWorkspaceGlobs } from './read-workspace-globs';
import type { ProjectSource, WorkspaceReader } from './types';

/** A folder that is a project, before its targets are inferred. */
export interface ProjectCandidate {
  root: WorkspacePath;
  source: ProjectSource;
  configFile: WorkspacePath;
  createdByNxCore: boolean;
  packageJson?: Record<string, unknown>;
  projectJson?: Record<string, unknown>;
}

export interface Candidates {
  nxCore: ProjectCandidate[];
  /** Folders with a tsconfig.json but neither package.json nor project.json, shallowest first. */
  tsconfigDirs: WorkspacePath[];
  /** Every folder holding a package.json, project.json or tsconfig.json (to skip nested projects). */
  configDirs: Set<WorkspacePath>;
  /** package.json/project.json files Nx core itself parses: it reports their syntax errors. */
  nxCoreFiles: WorkspacePath[];
  rootPackageJson: Record<string, unknown> | undefined;
  diagnostics: Diagnostic[];
}

const dirOf = (f: string) => posix.dirname(f);

/**
 * Sorts the config files Nx handed the plugin into the projects Nx core creates (workspace
 * package.json files, project.json folders) and the folders where a tsconfig.json may create
 * one. A malformed package.json or project.json drops only its own project.
 */
export function findProjectCandidates(
  reader: WorkspaceReader,
  configFiles: readonly string[],
  exclude: readonly string[],
): Candidates {
  const excluded = exclude.map((g) => globToRegExp(g, false));
  const files = configFiles
    .map((f) => f.replace(/\\/g, '/').replace(/^\.\//, ''))
    .filter((f) => !matchesPathOrAncestor(f, excluded));
  const named = (name: string) => new Set(files.filter((f) => posix.basename(f) === name).map(dirOf));
  const packageDirs = named('package.json');
  const projectJsonDirs = named('project.json');
  const tsconfigDirs = named('tsconfig.json');
  const globs = readWorkspaceGlobs(reader);
  const diagnostics = [...globs.diagnostics];
  const coreRoots = new Set(projectJsonDirs);
  for (const dir of packageDirs) if (globs.isWorkspacePackage(posix.join(dir, 'package.json'))) coreRoots.add(dir);
  const nxCore: ProjectCandidate[] = [];
  const nxCoreFiles: WorkspacePath[] = [];
  for (const root of [...coreRoots].sort()) {
    const candidate = readCoreCandidate(reader, root, packageDirs.has(root), projectJsonDirs.has(root), diagnostics);
    nxCoreFiles.push(
      ...[packageDirs.has(root) ? 'package.json' : '', projectJsonDirs.has(root) ? 'project.json' : '']
        .filter(Boolean)
        .map((n) => posix.join(root, n)),
    );
    if (candidate) nxCore.push(candidate);
  }
  const tsconfigOnly = [...tsconfigDirs].filter((d) => d !== '.' && !packageDirs.has(d) && !projectJsonDirs.has(d));
  tsconfigOnly.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  return {
    nxCore,
    tsconfigDirs: tsconfigOnly,
    configDirs: new Set([...packageDirs, ...projectJsonDirs, ...tsconfigDirs]),
    nxCoreFiles,
    rootPackageJson: globs.rootPackageJson,
    diagnostics,
  };
}

function readCoreCandidate(
  reader: WorkspaceReader,
  root: WorkspacePath,
  hasPackageJson: boolean,
  hasProjectJson: boolean,
  diagnostics: Diagnostic[],
): ProjectCandidate | undefined {
  const pkg = hasPackageJson
    ? readJson(reader, posix.join(root, 'package.json'), DiagnosticCodes.packageJson, false)
    : undefined;
  const proj = hasProjectJson
    ? readJson(reader, posix.join(root, 'project.json'), DiagnosticCodes.projectJson, false)
    : undefined;
  for (const r of [pkg, proj]) if (r?.kind === 'invalid') diagnostics.push(r.diagnostic);
  if (pkg?.kind === 'invalid' || proj?.kind === 'invalid') return undefined;
  const packageJson = pkg?.kind === 'ok' ? pkg.value : undefined;
  const projectJson = proj?.kind === 'ok' ? proj.value : undefined;
  return {
    root,
    source: projectJson ? 'project-json' : 'package-json',
    configFile: posix.join(root, projectJson ? 'project.json' : 'package.json'),
    createdByNxCore: true,
    packageJson,
    projectJson,
  };
}

/** Targets the user wrote for a project: project.json targets, package.json scripts and `nx.targets`. */
export function userTargetNames(candidate: Pick<ProjectCandidate, 'packageJson' | 'projectJson'>): string[] {
  const names = new Set<string>([
    ...Object.keys(objectAt(candidate.projectJson, 'targets')),
    ...Object.keys(objectAt(candidate.packageJson, 'scripts')),
    ...Object.keys(objectAt(objectAt(candidate.packageJson, 'nx'), 'targets')),
  ]);
  return [...names].sort();
}

/** The name Nx core gives a project it creates (project.json, then package.json `nx.name`/`name`). */
export function nxCoreProjectName(candidate: ProjectCandidate): string {
  const fromProjectJson = candidate.projectJson?.name;
  const fromNx = objectAt(candidate.packageJson, 'nx').name;
  const fromPackage = candidate.packageJson?.name;
  for (const n of [fromProjectJson, fromNx, fromPackage]) if (typeof n === 'string' && n) return n;
  // Nx's own fallback (toProjectName): the folder's base name, lower-cased.
  return posix.basename(candidate.root === '.' ? 'workspace' : candidate.root).toLowerCase();
}
