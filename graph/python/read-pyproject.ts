import { parse, TomlError } from 'smol-toml';
import type { Diagnostic, WorkspacePath } from '../types';
import type { PackagingHints } from './packaging-hints';
import { dynamicDependencySources } from './dynamic-dependencies';
import { poetryPython, pyprojectDependencies } from './pyproject-dependencies';
import { str, strings, table, tableAt, type TomlTable } from './toml-values';
import type { PythonTool } from './types';

/** Result of reading one pyproject.toml: hints when it parsed, and diagnostics either way. */
export interface PyprojectResult {
  hints?: PackagingHints;
  diagnostics: Diagnostic[];
}

/**
 * Reads the packaging facts of a pyproject.toml: PEP 621 `[project]`, `[tool.poetry]`,
 * `[tool.uv]` (workspace, sources), hatch, setuptools, flit and PDM package settings.
 * A TOML syntax error gives `PY_PYPROJECT_INVALID` at the line smol-toml reports; never throws.
 *
 * @param root the project folder, for resolving path dependencies.
 */
export function readPyproject(text: string, file: WorkspacePath, root: WorkspacePath): PyprojectResult {
  let doc: TomlTable;
  try {
    doc = parse(text) as TomlTable;
  } catch (e) {
    const line = e instanceof TomlError ? e.line : undefined;
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return {
      diagnostics: [
        { file, line, code: 'PY_PYPROJECT_INVALID', message: `pyproject.toml is not valid TOML: ${message}` },
      ],
    };
  }
  const project = tableAt(doc, 'project');
  const poetry = tableAt(doc, 'tool', 'poetry');
  const uvWorkspace = tableAt(doc, 'tool', 'uv', 'workspace');
  const dynamic = dynamicDependencySources(doc, text, file, root);
  const hints: PackagingHints = {
    name: str(project?.name) ?? str(poetry?.name),
    tool: detectTool(doc),
    requiresPython: str(project?.['requires-python']) ?? poetryPython(doc),
    dependencies: [...pyprojectDependencies(doc, root, file), ...dynamic.dependencies],
    dependencyFiles: dynamic.files.length > 0 ? dynamic.files : undefined,
    dynamicDependencies: dynamic.dynamic,
    workspaceMembers: uvWorkspace ? strings(uvWorkspace.members) : undefined,
    workspaceExclude: uvWorkspace ? strings(uvWorkspace.exclude) : undefined,
    ...packageSettings(doc),
  };
  return { hints, diagnostics: [] };
}

/** The tool that manages the project: an explicit tool table first, then the build backend. */
function detectTool(doc: TomlTable): PythonTool | undefined {
  const tool = tableAt(doc, 'tool');
  if (tool?.poetry) return 'poetry';
  if (tool?.uv) return 'uv';
  if (tool?.pdm) return 'pdm';
  const backend = str(tableAt(doc, 'build-system')?.['build-backend']) ?? '';
  if (backend.startsWith('hatchling') || tool?.hatch) return 'hatch';
  if (backend.startsWith('flit') || tool?.flit) return 'flit';
  if (backend.startsWith('pdm')) return 'pdm';
  if (backend.startsWith('poetry')) return 'poetry';
  if (backend.startsWith('setuptools') || tool?.setuptools) return 'setuptools';
  return undefined;
}

/** Explicit package locations from the build tool's settings. */
function packageSettings(doc: TomlTable): Partial<PackagingHints> {
  const out: Partial<PackagingHints> = {};
  const poetryPackages = tableAt(doc, 'tool', 'poetry')?.packages;
  const paths: string[] = [];
  if (Array.isArray(poetryPackages)) {
    for (const entry of poetryPackages.map(table)) {
      const include = str(entry?.include);
      if (include && !/[*?[]/.test(include)) paths.push([str(entry?.from), include].filter(Boolean).join('/'));
    }
  }
  paths.push(...strings(tableAt(doc, 'tool', 'hatch', 'build', 'targets', 'wheel')?.packages));
  const pdmDir = str(tableAt(doc, 'tool', 'pdm', 'build')?.['package-dir']);
  if (paths.length > 0) out.packagePaths = paths;
  const flitModule = str(tableAt(doc, 'tool', 'flit', 'module')?.name);
  const setuptools = tableAt(doc, 'tool', 'setuptools');
  const listed = [...strings(setuptools?.packages), ...strings(setuptools?.['py-modules'])];
  if (flitModule) listed.push(flitModule);
  if (listed.length > 0) out.packages = listed;
  const packageDir = tableAt(setuptools, 'package-dir');
  if (packageDir)
    out.packageDir = Object.fromEntries(Object.entries(packageDir).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  else if (pdmDir) out.packageDir = { '': pdmDir };
  const find = tableAt(setuptools, 'packages', 'find');
  if (find) out.find = { where: strings(find.where), include: strings(find.include), exclude: strings(find.exclude) };
  return out;
}
