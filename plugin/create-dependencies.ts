import * as path from 'node:path';
import {
  DependencyType,
  type CreateDependencies,
  type CreateDependenciesContext,
  type RawProjectGraphDependency,
} from '@nx/devkit';
import { normalizeOptions, type FleetPluginOptions } from '../config';
import {
  analyzerFor,
  buildFileGraph,
  isProjectConfigFileName,
  defaultCacheDir,
  projectDependencies,
  type Diagnostic,
  type FileGraph,
} from '../graph';
import { dockerDependencies } from './docker-dependencies';
import { reportFileDiagnostics } from './report-file-diagnostics';
import { pythonDependencies } from './python-dependencies';

/** Nx's workspace data folder (honours NX_WORKSPACE_DATA_DIRECTORY), or our default if nx's helper moved. */
function cacheDirFor(root: string): string {
  try {
    const nxDirs = require('nx/src/utils/cache-directory') as {
      workspaceDataDirectoryForWorkspace?: (r: string) => string;
    };
    if (nxDirs.workspaceDataDirectoryForWorkspace)
      return path.join(nxDirs.workspaceDataDirectoryForWorkspace(root), 'nx-fleet');
  } catch {
    /* an nx without this module: fall back to the documented default */
  }
  return defaultCacheDir(root);
}

/**
 * createNodes already reports broken project configuration files (workspace package.json,
 * project tsconfig.json and their shared base), with the same message; printing them again
 * here would show one problem twice. Other tsconfig files (tsconfig.spec.json, ...) are only
 * read by the file graph, so they are reported here.
 */
function reportedByCreateNodes(d: Diagnostic): boolean {
  const name = path.posix.basename(d.file);
  return (
    (d.code === 'TSCONFIG_INVALID' || d.code === 'PACKAGE_JSON_INVALID') &&
    (isProjectConfigFileName(name) || name === 'tsconfig.base.json')
  );
}

/** Edges to npm packages Nx knows (`npm:<name>` external nodes), as @nx/js would add them. */
function externalDependencies(
  graph: FileGraph,
  ownerOf: Map<string, string>,
  ctx: CreateDependenciesContext,
): RawProjectGraphDependency[] {
  const out: RawProjectGraphDependency[] = [];
  const seen = new Set<string>();
  for (const [file, analyzed] of Object.entries(graph.files)) {
    const source = ownerOf.get(file);
    if (!source) continue;
    for (const imp of analyzed.imports) {
      const target = imp.external && `npm:${imp.external}`;
      if (!target || !ctx.externalNodes?.[target] || seen.has(`${source}\0${target}\0${file}`)) continue;
      seen.add(`${source}\0${target}\0${file}`);
      out.push({
        source,
        target,
        sourceFile: file,
        type: imp.kind === 'dynamic' ? DependencyType.dynamic : DependencyType.static,
      });
    }
  }
  return out;
}

/**
 * File-level dependencies for Nx. Nx keeps the edges of unchanged files, so only the source
 * files in `filesToProcess` are analysed; the whole file map is still the resolution context.
 * Every edge carries `sourceFile` (Nx rejects a static edge without one).
 */
export const createDependencies: CreateDependencies<FleetPluginOptions> = async (options, ctx) => {
  const opts = normalizeOptions(options);
  const dockerEdges = dockerDependencies(ctx, opts.buildTargetName);
  const pythonEdges = pythonDependencies(ctx, opts);
  const ownerOf = new Map<string, string>();
  const files: { file: string; hash: string }[] = [];
  for (const [project, list] of Object.entries(ctx.fileMap.projectFileMap)) {
    for (const f of list) {
      ownerOf.set(f.file, project);
      files.push({ file: f.file, hash: f.hash });
    }
  }
  for (const f of ctx.fileMap.nonProjectFiles) files.push({ file: f.file, hash: f.hash });
  const toProcess = Object.values(ctx.filesToProcess.projectFileMap)
    .flat()
    .map((f) => f.file)
    .filter((f) => analyzerFor(f)?.language === 'typescript');
  if (toProcess.length === 0) return [...dockerEdges, ...pythonEdges];
  const graph = await buildFileGraph({
    workspaceRoot: ctx.workspaceRoot,
    files,
    filesToProcess: toProcess,
    cacheDir: cacheDirFor(ctx.workspaceRoot),
    parallelThreshold: opts.parallelParseThreshold,
    exclude: opts.exclude,
  });
  reportFileDiagnostics(graph.diagnostics.filter((d) => !reportedByCreateNodes(d)));
  const projectEdges: RawProjectGraphDependency[] = projectDependencies(graph, (f) => ownerOf.get(f), toProcess).map(
    (d) => ({
      source: d.source,
      target: d.target,
      sourceFile: d.sourceFile as string,
      type: d.type === 'dynamic' ? DependencyType.dynamic : DependencyType.static,
    }),
  );
  return [...projectEdges, ...externalDependencies(graph, ownerOf, ctx), ...dockerEdges, ...pythonEdges];
};
