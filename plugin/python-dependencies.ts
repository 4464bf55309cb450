import * as path from 'node:path';
import { pluginLog } from './plugin-log';
import { DependencyType, type CreateDependenciesContext, type RawProjectGraphDependency } from '@nx/devkit';
import type { NormalizedOptions } from '../config';
import {
  buildPythonGraph,
  isPythonConfigFile,
  nodePythonEnvironments,
  nodePythonFs,
  summarizeDependencyFindings,
} from '../graph/python';
import { reportFileDiagnostics } from './report-file-diagnostics';

const PYTHON_SOURCE = /\.pyi?$/;

/**
 * Python edges for Nx: first-party imports and conftest chains (sourceFile = the .py file),
 * path/workspace dependencies (sourceFile = the pyproject.toml or requirements file), and
 * edges to `pypi:` external nodes from imports and declarations. Only files in
 * `filesToProcess` are analysed (Nx keeps the edges of unchanged files); every edge has a
 * `sourceFile` inside its source project, as Nx requires. Problems in the analysed files are
 * stderr lines, never a throw.
 */
export function pythonDependencies(
  ctx: CreateDependenciesContext,
  options: NormalizedOptions,
): RawProjectGraphDependency[] {
  const toProcess = Object.values(ctx.filesToProcess.projectFileMap)
    .flat()
    .map((f) => f.file);
  if (!toProcess.some((f) => PYTHON_SOURCE.test(f) || isPythonConfigFile(f))) return [];
  const ownerOf = new Map<string, string>();
  const files: string[] = [];
  for (const [project, list] of Object.entries(ctx.fileMap.projectFileMap)) {
    for (const f of list) {
      ownerOf.set(f.file, project);
      files.push(f.file);
    }
  }
  for (const f of ctx.fileMap.nonProjectFiles) files.push(f.file);
  const graph = buildPythonGraph({
    fs: nodePythonFs(ctx.workspaceRoot),
    files,
    filesToProcess: toProcess,
    exclude: options.exclude,
    workspaceName: path.basename(ctx.workspaceRoot),
    moduleMapping: options.python.moduleMapping,
    // Installed metadata only refines findings; edges, nodes and inputs never depend on it.
    environment: nodePythonEnvironments(ctx.workspaceRoot, options.python.interpreter),
    workspaceRoot: ctx.workspaceRoot,
  });
  const { problems, summary } = summarizeDependencyFindings(graph.diagnostics);
  reportFileDiagnostics(problems);
  if (summary) pluginLog(`nx-fleet: ${summary}`);
  const nameOfRoot = new Map(Object.entries(ctx.projects).map(([name, p]) => [p.root === '.' ? '' : p.root, name]));
  const edges = new Map<string, RawProjectGraphDependency>();
  const add = (sourceFile: string, target: string | undefined) => {
    const source = ownerOf.get(sourceFile);
    if (!source || !target || source === target) return;
    edges.set(`${source}\0${target}\0${sourceFile}`, { source, target, sourceFile, type: DependencyType.static });
  };
  // TYPE_CHECKING-only imports stay static: type checkers and IDEs read them, and the checked code changes with them.
  // An import edge goes to the project Nx gives the imported file (the deepest root, as in
  // ctx.fileMap), not to the distribution that holds its module: a hand-written project.json
  // deeper inside a distribution owns its files, and only an edge to it puts them in the inputs.
  for (const [sourceFile, analysed] of Object.entries(graph.files)) {
    for (const target of analysed.dependencies.files) add(sourceFile, ownerOf.get(target));
  }
  // Declared dependencies (pyproject.toml, requirements files) name a distribution: its root project.
  for (const e of graph.projectEdges) if (!graph.files[e.sourceFile]) add(e.sourceFile, nameOfRoot.get(e.target));
  for (const e of graph.externalEdges) if (ctx.externalNodes?.[e.target]) add(e.sourceFile, e.target);
  return [...edges.values()];
}
