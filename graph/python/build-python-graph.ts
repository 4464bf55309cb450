import type { Diagnostic, WorkspacePath } from '../types';
import { extractImports } from './extract-imports';
import {
  declaredDependencyEdges,
  resolveFileImports,
  type PythonFileDependencies,
  type PythonProjectEdge,
} from './file-dependencies';
import type { PythonEnvironmentLookup } from './installed-distributions';
import { buildModuleOwnership, projectOfFile } from './ownership';
import { pythonExternalNodes, type PythonExternalNodes } from './python-external-nodes';
import type { PythonFs } from './python-fs';
import { readPythonProjects } from './read-python-projects';
import type { PythonImport, PythonProjectInfo } from './types';

export interface BuildPythonGraphOptions {
  fs: PythonFs;
  /** Every workspace file (config files are picked from it; `.py`/`.pyi` files make the ownership table). */
  files: readonly string[];
  /** The files whose imports are wanted (Nx's `filesToProcess`); all Python files when absent. */
  filesToProcess?: readonly string[];
  exclude?: readonly string[];
  workspaceName?: string;
  /** The `python.moduleMapping` option: distribution → import names. */
  moduleMapping?: Readonly<Record<string, readonly string[]>>;
  /** Installed environments, for dependency findings only (never edges, nodes or inputs). */
  environment?: PythonEnvironmentLookup;
  /** Absolute workspace folder (editable installs of workspace projects). */
  workspaceRoot?: string;
}

/** One analysed file: its imports as written and where they lead. */
export interface PythonGraphFile {
  imports: PythonImport[];
  dependencies: PythonFileDependencies;
}

/** Edge from a project to a third-party distribution's external node, with the file that causes it. */
export interface PythonExternalEdge {
  /** Root of the dependent project. */
  source: WorkspacePath;
  /** External node name, e.g. `pypi:requests`. */
  target: string;
  sourceFile: WorkspacePath;
}

/** The Python part of the workspace graph, in workspace terms (roots, not Nx names). */
export interface PythonGraph {
  projects: PythonProjectInfo[];
  external: PythonExternalNodes;
  files: Record<WorkspacePath, PythonGraphFile>;
  /** Project edges: imports and conftest chains of the processed files, declarations of the processed config files. */
  projectEdges: PythonProjectEdge[];
  externalEdges: PythonExternalEdge[];
  /** Problems in the processed source files (syntax, ambiguity, undeclared imports); config problems are createNodes'. */
  diagnostics: Diagnostic[];
}

const PYTHON_SOURCE = /\.pyi?$/;

/**
 * Reads the projects, builds module ownership over every Python file (paths only, cheap), and
 * extracts and resolves the files to process. The work per call is proportional to the files
 * processed, which is how Nx's incremental `filesToProcess` keeps it small.
 */
export function buildPythonGraph(options: BuildPythonGraphOptions): PythonGraph {
  const { projects: read } = readPythonProjects({
    fs: options.fs,
    configFiles: options.files,
    exclude: options.exclude,
    workspaceName: options.workspaceName,
  });
  const projects = read.map((p) => p.info);
  const external = pythonExternalNodes(projects);
  const ownership = buildModuleOwnership(
    options.files.filter((f) => PYTHON_SOURCE.test(f)),
    projects,
    { moduleMapping: options.moduleMapping },
  );
  const toProcess = new Set(options.filesToProcess ?? options.files);
  const graph: PythonGraph = { projects, external, files: {}, projectEdges: [], externalEdges: [], diagnostics: [] };
  for (const file of [...toProcess].filter((f) => PYTHON_SOURCE.test(f) && ownership.fileModules.has(f)).sort()) {
    const text = options.fs.readFile(file);
    if (text === undefined) continue;
    const extraction = extractImports(text, file);
    const dependencies = resolveFileImports(ownership, file, extraction.imports, {
      environment: options.environment,
      workspaceRoot: options.workspaceRoot,
    });
    graph.files[file] = { imports: extraction.imports, dependencies };
    graph.diagnostics.push(...extraction.diagnostics, ...dependencies.diagnostics);
    graph.projectEdges.push(...dependencies.projectEdges);
    const owner = projectOfFile(ownership, file)?.root;
    const nodes = owner === undefined ? undefined : external.byProject.get(owner);
    for (const dist of dependencies.external) {
      const target = nodes?.get(dist);
      if (target && owner !== undefined) graph.externalEdges.push({ source: owner, target, sourceFile: file });
    }
  }
  graph.projectEdges.push(...declaredDependencyEdges(projects).filter((e) => toProcess.has(e.sourceFile)));
  graph.externalEdges.push(...declaredExternalEdges(projects, external, toProcess));
  return graph;
}

/** Declared third-party dependencies as edges from the declaring config file (as Nx's JS plugin does for package.json). */
function declaredExternalEdges(
  projects: PythonProjectInfo[],
  external: PythonExternalNodes,
  toProcess: ReadonlySet<string>,
): PythonExternalEdge[] {
  const edges: PythonExternalEdge[] = [];
  for (const p of projects) {
    const nodes = external.byProject.get(p.root);
    const seen = new Set<string>();
    for (const d of p.dependencies) {
      const target = nodes?.get(d.normalized);
      if (!target || !toProcess.has(d.declaredIn) || seen.has(target)) continue;
      seen.add(target);
      edges.push({ source: p.root, target, sourceFile: d.declaredIn });
    }
  }
  return edges;
}
