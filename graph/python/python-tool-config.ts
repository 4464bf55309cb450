import { parse } from 'smol-toml';
import type { WorkspacePath } from '../types';
import { joinPath, type PythonFs } from './python-fs';
import { tableAt, type TomlTable } from './toml-values';
import type { PythonProjectInfo } from './types';

/** The Python tools nx-fleet infers targets for. */
export type PythonToolName = 'pytest' | 'ruff' | 'mypy' | 'pyright';

/**
 * What a project's configuration says about its tools: for each tool the evidence that it is
 * used (shown in the target's description), and workspace files outside the project that the
 * tool reads (hashed as inputs).
 *
 * @example `{ tools: { pytest: 'pyproject.toml [tool.pytest.ini_options]' }, outsideFiles: { ruff: ['ruff.toml'] }, ... }`
 */
export interface PythonToolConfig {
  tools: Partial<Record<PythonToolName, string>>;
  /** Config files above the project root that a tool reads (workspace-relative). */
  outsideFiles: Partial<Record<PythonToolName, WorkspacePath[]>>;
  /** True when the pyproject.toml has a `[project]` or `[tool.poetry]` table, or setup.cfg/setup.py exist. */
  declaresDistribution: boolean;
  /** True for a uv workspace root without `[project]`: it holds members but is no package itself. */
  virtualWorkspaceRoot: boolean;
}

/** Config files in the project folder that configure a tool, with the TOML/INI section that must be present. */
const PROJECT_EVIDENCE: Array<{ tool: PythonToolName; file: string; section?: string }> = [
  { tool: 'pytest', file: 'pytest.ini' },
  { tool: 'pytest', file: '.pytest.ini' },
  { tool: 'pytest', file: 'tox.ini', section: '[pytest]' },
  { tool: 'pytest', file: 'setup.cfg', section: '[tool:pytest]' },
  { tool: 'pytest', file: 'conftest.py' },
  { tool: 'ruff', file: 'ruff.toml' },
  { tool: 'ruff', file: '.ruff.toml' },
  { tool: 'mypy', file: 'mypy.ini' },
  { tool: 'mypy', file: '.mypy.ini' },
  { tool: 'mypy', file: 'setup.cfg', section: '[mypy]' },
  { tool: 'pyright', file: 'pyrightconfig.json' },
];

/** pyproject tables that configure a tool. */
const PYPROJECT_TABLES: Array<{ tool: PythonToolName; path: string[]; label: string }> = [
  { tool: 'pytest', path: ['tool', 'pytest', 'ini_options'], label: '[tool.pytest.ini_options]' },
  { tool: 'ruff', path: ['tool', 'ruff'], label: '[tool.ruff]' },
  { tool: 'mypy', path: ['tool', 'mypy'], label: '[tool.mypy]' },
  { tool: 'pyright', path: ['tool', 'pyright'], label: '[tool.pyright]' },
];

/** Tools that look for their config in parent folders too (pytest's rootdir search, ruff's and pyright's config lookup). */
const SEARCHES_UPWARD: ReadonlySet<PythonToolName> = new Set(['ruff', 'pyright']);

/**
 * Reads which tools a project uses: config files and pyproject tables in the project (the
 * strongest evidence), then, for ruff and pyright, config files in parent folders up to the
 * workspace root (both look upward), then declared dependencies (`pytest` in a dev group).
 * A pyproject.toml that is not valid TOML counts as configuring nothing (readPyproject
 * already reported it).
 */
export function readPythonToolConfig(fs: PythonFs, project: PythonProjectInfo): PythonToolConfig {
  const config: PythonToolConfig = {
    tools: {},
    outsideFiles: {},
    declaresDistribution: false,
    virtualWorkspaceRoot: false,
  };
  const pyproject = parsePyproject(fs.readFile(joinPath(project.root, 'pyproject.toml')));
  if (pyproject) {
    const declares = Boolean(tableAt(pyproject, 'project') ?? tableAt(pyproject, 'tool', 'poetry'));
    config.declaresDistribution = declares;
    config.virtualWorkspaceRoot = !declares && Boolean(tableAt(pyproject, 'tool', 'uv', 'workspace'));
    for (const t of PYPROJECT_TABLES)
      if (tableAt(pyproject, ...t.path)) config.tools[t.tool] ??= `pyproject.toml ${t.label}`;
  }
  const names = new Set((fs.listDir(project.root) ?? []).filter((e) => !e.dir).map((e) => e.name));
  if (names.has('setup.py') || names.has('setup.cfg')) config.declaresDistribution = true;
  for (const e of PROJECT_EVIDENCE) {
    if (config.tools[e.tool] || !names.has(e.file)) continue;
    if (e.section && !(fs.readFile(joinPath(project.root, e.file)) ?? '').includes(e.section)) continue;
    config.tools[e.tool] = e.section ? `${e.file} ${e.section}` : e.file;
  }
  for (const tool of SEARCHES_UPWARD) findUpward(fs, project.root, tool, config);
  const declared = new Set(project.dependencies.map((d) => d.normalized));
  for (const tool of ['pytest', 'ruff', 'mypy', 'pyright'] as const) {
    if (!config.tools[tool] && declared.has(tool)) config.tools[tool] = `dependency ${tool}`;
  }
  return config;
}

function parsePyproject(text: string | undefined): TomlTable | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text) as TomlTable;
  } catch {
    return undefined;
  }
}

/** Config files of `tool` in the folders above `root`, nearest first; the nearest one also counts as evidence. */
function findUpward(fs: PythonFs, root: WorkspacePath, tool: PythonToolName, config: PythonToolConfig): void {
  const found: WorkspacePath[] = [];
  for (const dir of ancestorDirs(root)) {
    const candidates =
      tool === 'ruff' ? ['ruff.toml', '.ruff.toml', 'pyproject.toml'] : ['pyrightconfig.json', 'pyproject.toml'];
    for (const name of candidates) {
      const file = joinPath(dir, name);
      const text = fs.readFile(file);
      if (text === undefined) continue;
      if (name === 'pyproject.toml' && !tableAt(parsePyproject(text), 'tool', tool)) continue;
      found.push(file);
    }
  }
  if (found.length === 0) return;
  config.outsideFiles[tool] = found;
  config.tools[tool] ??= found[0];
}

/** The folders strictly above `root`, nearest first, ending with the workspace root (`''`). */
export function ancestorDirs(root: WorkspacePath): WorkspacePath[] {
  const out: WorkspacePath[] = [];
  if (root === '') return out;
  let dir = root;
  while (dir.includes('/')) {
    dir = dir.slice(0, dir.lastIndexOf('/'));
    out.push(dir);
  }
  out.push('');
  return out;
}
