import * as path from 'node:path';
import { discoverFiles } from '../discover-files';
import { firstLines } from '../to-file-node';
import type { Diagnostic, FileNode, ProjectDependency, WorkspacePath } from '../types';
import { buildPythonGraph, type PythonGraphFile } from './build-python-graph';
import { inferPythonProjects, type InferredPythonProject } from './infer-python-projects';
import type { ExistingProject } from './name-python-projects';
import { nodePythonEnvironments } from './installed-distributions';
import { nodePythonFs } from './python-fs';

/** What `fleet graph` needs of the plugin options. */
export interface PythonWorkspaceGraphOptions {
  workspaceRoot: string;
  existing: readonly ExistingProject[];
  interpreter: string;
  targetNames: { test: string; lint: string; typecheck: string; build: string };
  disabledTargets: readonly string[];
  exclude: readonly string[];
  /** The `python.moduleMapping` option. */
  moduleMapping?: Readonly<Record<string, readonly string[]>>;
  /** Read installed environments (.venv, the interpreter's site-packages) for findings; default true. */
  useEnvironment?: boolean;
  /** The workspace's files, when the caller already listed them (else git's listing). */
  files?: readonly string[];
}

/** The Python part of `fleet graph --json` (docs/json-output.md), computed without Nx. */
export interface PythonWorkspaceGraph {
  /** Name → root and the target names nx-fleet gives it (merged ones carry the existing project's name). */
  projects: Record<string, { root: string; targets: string[] }>;
  files: Record<WorkspacePath, FileNode>;
  dependencies: ProjectDependency[];
  diagnostics: Diagnostic[];
  /** The inferred projects themselves (targets included), for the inference that runs after Python (Docker). */
  inferred: InferredPythonProject[];
}

/**
 * Runs the same inference and import resolution as the plugin over the workspace's files
 * (git's listing), and expresses the result in `fleet graph` terms: file nodes list the
 * first-party files each file imports (and, for tests, its conftest.py chain), third-party
 * distributions as `pypi:<name>` (the Nx external node name) and unresolved specifiers with
 * their leading dots.
 */
export function pythonWorkspaceGraph(options: PythonWorkspaceGraphOptions): PythonWorkspaceGraph {
  const fs = nodePythonFs(options.workspaceRoot);
  const files = options.files ? [...options.files] : discoverFiles(options.workspaceRoot).map((f) => f.file);
  const workspaceName = path.basename(options.workspaceRoot);
  const inference = inferPythonProjects({ ...options, fs, configFiles: files, workspaceName });
  const environment =
    options.useEnvironment === false ? undefined : nodePythonEnvironments(options.workspaceRoot, options.interpreter);
  const graph = buildPythonGraph({
    fs,
    files,
    exclude: options.exclude,
    workspaceName,
    moduleMapping: options.moduleMapping,
    environment,
    workspaceRoot: options.workspaceRoot,
  });
  const nameOf = new Map<string, string>();
  const out: PythonWorkspaceGraph = {
    projects: {},
    files: {},
    dependencies: [],
    diagnostics: [...inference.diagnostics, ...graph.diagnostics],
    inferred: inference.projects,
  };
  for (const p of inference.projects) {
    const existing = options.existing.find((e) => e.root === p.root);
    const name = p.name ?? existing?.name;
    if (name === undefined) continue;
    nameOf.set(p.info.root, name);
    out.projects[name] = { root: p.root, targets: Object.keys(p.targets).sort() };
  }
  for (const [file, analysed] of Object.entries(graph.files)) out.files[file] = fileNode(analysed);
  for (const e of graph.projectEdges) {
    const source = nameOf.get(e.source);
    const target = nameOf.get(e.target);
    if (source && target) out.dependencies.push({ source, target, type: 'static', sourceFile: e.sourceFile });
  }
  return out;
}

function fileNode({ dependencies }: PythonGraphFile): FileNode {
  const unresolved = new Set<string>();
  for (const { import: imp, resolution } of dependencies.resolutions) {
    if (resolution.kind === 'unresolved' || resolution.kind === 'ambiguous')
      unresolved.add('.'.repeat(imp.level) + imp.specifier);
  }
  const pairs: Array<[string | undefined, number]> = [];
  for (const { import: imp, resolution } of dependencies.resolutions) {
    if (resolution.kind === 'first-party') for (const t of resolution.targets) pairs.push([t.file, imp.line]);
    else if (resolution.kind === 'third-party') pairs.push([`pypi:${resolution.distribution}`, imp.line]);
  }
  return {
    imports: dependencies.files,
    external: dependencies.external.map((d) => `pypi:${d}`),
    unresolved: [...unresolved].sort(),
    // Only entries of imports/external: a conftest.py chain file has no import line.
    lines: onlyListed(firstLines(pairs), [...dependencies.files, ...dependencies.external.map((d) => `pypi:${d}`)]),
  };
}

function onlyListed(lines: Record<string, number>, listed: string[]): Record<string, number> {
  const keep = new Set(listed);
  return Object.fromEntries(Object.entries(lines).filter(([k]) => keep.has(k)));
}

/** `fleet graph` project entries with the Python ones added: `python` joins the languages of a merged project; sorted by name. */
export function withPythonProjects<P extends { root: string; languages: string[]; targets: string[] }>(
  projects: Record<string, P>,
  python: PythonWorkspaceGraph['projects'],
): Record<string, P | { root: string; languages: string[]; targets: string[] }> {
  const merged: Record<string, P | { root: string; languages: string[]; targets: string[] }> = { ...projects };
  for (const [name, p] of Object.entries(python)) {
    const e = projects[name];
    merged[name] = {
      ...e,
      root: p.root,
      languages: [...(e?.languages ?? []), 'python'],
      targets: [...new Set([...(e?.targets ?? []), ...p.targets])].sort(),
    };
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}
