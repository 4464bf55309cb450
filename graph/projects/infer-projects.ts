import * as posix from 'node:path/posix';
import type { NormalizedOptions } from '../../config/options';
import type { Diagnostic, WorkspacePath } from '../types';
import {
  findProjectCandidates,
  nxCoreProjectName,
  userTargetNames,
  type ProjectCandidate,
} from './find-project-candidates';
import { inferTargets } from './infer-targets';
import { DiagnosticCodes } from './read-json';
import { resolveTsconfig, type ResolvedTsconfig } from './resolve-tsconfig';
import { scanProjectFiles } from './scan-project-files';
import { createToolInputs, type ToolInputs } from './tool-inputs';
import type { InferenceResult, InferredProject, Language, WorkspaceReader } from './types';

/**
 * Infers the TS/JS projects of a workspace and their targets from its config files
 * (package.json, project.json, tsconfig*.json, ... as matched by {@link PROJECT_CONFIG_GLOB})
 * and read access to the workspace. Pure apart from the reader; never throws for a bad file:
 * each becomes one diagnostic and only its own project is affected.
 */
export function inferProjects(
  configFiles: readonly string[],
  reader: WorkspaceReader,
  options: NormalizedOptions,
): InferenceResult & { nxCoreFiles: WorkspacePath[] } {
  const found = findProjectCandidates(reader, configFiles, options.exclude);
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  // Per-call memo: a root tsconfig.base.json is read once for all projects, and nothing
  // survives the call (Nx loads plugins in long-lived workers; module state would go stale).
  const tsconfigs = new Map<string, ResolvedTsconfig>();
  const resolve = (f: string) => {
    let r = tsconfigs.get(f);
    if (!r) tsconfigs.set(f, (r = resolveTsconfig(reader, f)));
    return r;
  };
  const ctx: InferContext = {
    reader,
    options,
    resolve,
    rootPackageJson: found.rootPackageJson,
    diagnostics,
    tools: createToolInputs(reader),
  };
  const projects: InferredProject[] = [];
  const nested = (root: string) =>
    new Set([...found.configDirs].filter((d) => d !== root && (root === '.' || d.startsWith(`${root}/`))));
  const takenRoots = found.nxCore.map((c) => c.root).filter((r) => r !== '.');
  for (const candidate of found.nxCore)
    projects.push(inferProject(ctx, candidate, nxCoreProjectName(candidate), nested(candidate.root)));
  if (options.tsconfigProjects) {
    for (const root of found.tsconfigDirs) {
      if (takenRoots.some((r) => root.startsWith(`${r}/`))) continue; // inside another project
      const candidate: ProjectCandidate = {
        root,
        source: 'tsconfig',
        configFile: `${root}/tsconfig.json`,
        createdByNxCore: false,
      };
      const tsconfig = resolve(candidate.configFile);
      if (tsconfig.solution) continue;
      const project = inferProject(ctx, candidate, '', nested(root));
      if (!project.languages.length) continue; // a tsconfig.json without sources is no project
      projects.push(project);
      takenRoots.push(root);
    }
  }
  nameTsconfigProjects(projects, diagnostics);
  return {
    projects: projects.sort((a, b) => a.root.localeCompare(b.root)),
    diagnostics: dedupe(diagnostics),
    nxCoreFiles: found.nxCoreFiles,
  };
}

interface InferContext {
  reader: WorkspaceReader;
  options: NormalizedOptions;
  resolve: (f: string) => ResolvedTsconfig;
  rootPackageJson: Record<string, unknown> | undefined;
  diagnostics: Diagnostic[];
  tools: ToolInputs;
}

function inferProject(
  ctx: InferContext,
  candidate: ProjectCandidate,
  name: string,
  nestedRoots: Set<string>,
): InferredProject {
  const files = scanProjectFiles(ctx.reader, candidate.root, nestedRoots);
  const userTargets = userTargetNames(candidate);
  const facts = {
    root: candidate.root,
    files,
    packageJson: candidate.packageJson,
    rootPackageJson: ctx.rootPackageJson,
    userTargets,
    tools: ctx.tools,
  };
  const inferred = inferTargets(ctx.reader, facts, ctx.options, ctx.resolve);
  ctx.diagnostics.push(...inferred.diagnostics);
  const languages: Language[] = !files.hasSources
    ? []
    : files.hasTypeScript || inferred.hasTsconfig
      ? ['typescript']
      : ['javascript'];
  return {
    name,
    root: candidate.root,
    source: candidate.source,
    configFile: candidate.configFile,
    createdByNxCore: candidate.createdByNxCore,
    languages,
    targets: inferred.targets,
    userTargets,
  };
}

/**
 * Names the projects nx-fleet creates: the folder's base name, or the whole root with `/`
 * turned into `-` when the base name is taken (by any project) or shared by several.
 */
function nameTsconfigProjects(projects: InferredProject[], diagnostics: Diagnostic[]): void {
  const ours = projects.filter((p) => !p.createdByNxCore);
  const taken = new Set(projects.filter((p) => p.createdByNxCore).map((p) => p.name));
  const counts = new Map<string, number>();
  for (const p of ours) counts.set(posix.basename(p.root), (counts.get(posix.basename(p.root)) ?? 0) + 1);
  for (const p of ours) {
    const base = posix.basename(p.root);
    p.name = taken.has(base) || (counts.get(base) ?? 0) > 1 ? p.root.replace(/\//g, '-') : base;
    if (taken.has(p.name)) {
      diagnostics.push({
        file: p.configFile,
        code: DiagnosticCodes.nameCollision,
        message: `${p.configFile}: project name "${p.name}" is already taken; this folder is not made a project`,
      });
      p.name = '';
    }
    taken.add(p.name);
  }
  for (let i = projects.length - 1; i >= 0; i--) if (!projects[i].name) projects.splice(i, 1);
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Map<string, Diagnostic>();
  for (const d of diagnostics) seen.set(`${d.file}|${d.line ?? ''}|${d.code}`, d);
  return [...seen.values()].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
