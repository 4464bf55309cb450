import { globToRegExp } from '../glob-to-regexp';
import type { Diagnostic, WorkspacePath } from '../types';
import { readPythonProject } from './read-python-project';
import { readPythonToolConfig, type PythonToolConfig } from './python-tool-config';
import type { PythonFs } from './python-fs';
import { scanPythonProject, type PythonProjectFiles } from './scan-python-project';
import type { PythonProjectInfo } from './types';

/** One Python project folder with everything read about it. */
export interface ReadPythonProject {
  info: PythonProjectInfo;
  tools: PythonToolConfig;
  files: PythonProjectFiles;
}

export interface ReadPythonProjectsOptions {
  fs: PythonFs;
  /** Workspace-relative config files (pyproject.toml, setup.cfg, setup.py, requirements*.txt), e.g. Nx's createNodes matches. */
  configFiles: readonly string[];
  /** The `exclude` option: globs of folders and files to ignore. */
  exclude?: readonly string[];
  /** Name for a project at the workspace root that no config names (the workspace folder's name). */
  workspaceName?: string;
}

const CONFIG_FILE = /(?:^|\/)(?:pyproject\.toml|setup\.cfg|setup\.py|requirements[^/]*\.txt)$/;
/** Config files inside these folders belong to environments or vendored code, never to a project. */
const FOREIGN = /(?:^|\/)(?:node_modules|site-packages|\.venv|venv|\.tox|\.nox|__pycache__)\//;

/** True for a file name that makes a folder a Python project candidate. */
export function isPythonConfigFile(file: string): boolean {
  return CONFIG_FILE.test(file) && !FOREIGN.test(file);
}

/**
 * Reads every Python project among the folders of `configFiles`. A folder is a project when
 * it declares a distribution (`[project]`, `[tool.poetry]`, setup.cfg, setup.py), or, except
 * at the workspace root, when it has config (requirements*.txt, a tool-only pyproject.toml)
 * and Python files. Not projects: a uv workspace root without `[project]` (its members are),
 * and a workspace root that only has requirements or tool settings, which would otherwise
 * make every file of the workspace an input of its targets. Never throws; bad files give
 * diagnostics and the project is still read.
 */
export function readPythonProjects(options: ReadPythonProjectsOptions): {
  projects: ReadPythonProject[];
  diagnostics: Diagnostic[];
} {
  const excluded = (options.exclude ?? []).map((g) => globToRegExp(g));
  const roots = new Set<WorkspacePath>();
  for (const file of options.configFiles) {
    if (!isPythonConfigFile(file) || excluded.some((r) => r.test(file))) continue;
    roots.add(file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');
  }
  const sorted = [...roots].sort();
  const projects: ReadPythonProject[] = [];
  const diagnostics = new Map<string, Diagnostic>();
  for (const root of sorted) {
    const read = readPythonProject({ fs: options.fs, root, fallbackName: options.workspaceName });
    for (const d of read.diagnostics) diagnostics.set(`${d.file}:${d.line ?? ''}:${d.code}:${d.message}`, d);
    if (!read.project) continue;
    const tools = readPythonToolConfig(options.fs, read.project);
    if (tools.virtualWorkspaceRoot || (root === '' && !tools.declaresDistribution)) continue;
    const nested = new Set(sorted.filter((r) => r !== root && (root === '' || r.startsWith(`${root}/`))));
    const files = scanPythonProject(options.fs, root, nested);
    if (!tools.declaresDistribution && !files.hasPython) continue;
    projects.push({ info: read.project, tools, files });
  }
  return { projects, diagnostics: [...diagnostics.values()] };
}
