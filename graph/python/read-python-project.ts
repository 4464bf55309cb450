import type { Diagnostic, WorkspacePath } from '../types';
import { discoverPackages } from './discover-packages';
import { normalizeDistributionName } from './normalize-name';
import { mergeHints, type PackagingHints } from './packaging-hints';
import { joinPath, type PythonFs } from './python-fs';
import { PYTHON_LOCKFILES, readLockfile } from './read-lockfile';
import { readPyproject } from './read-pyproject';
import { readRequirementsFile } from './read-requirements';
import { readSetupCfg } from './read-setup-cfg';
import { readSetupPy } from './read-setup-py';
import type { LockedVersions, LockGraph, PythonProjectInfo, PythonTool } from './types';

/** Options of {@link readPythonProject}. */
export interface ReadPythonProjectOptions {
  fs: PythonFs;
  /** Workspace-relative project folder (`''` for the workspace root). */
  root: WorkspacePath;
  /** Name used when no config names the project and `root` is `''` (the workspace folder's name). */
  fallbackName?: string;
}

/** A project (when the folder has Python config) and the problems found reading it. */
export interface PythonProjectResult {
  project?: PythonProjectInfo;
  diagnostics: Diagnostic[];
}

export { PYTHON_PROJECT_GLOB } from './project-glob';

const REQUIREMENTS = /^requirements(?:[-_.]?([A-Za-z0-9]+))?\.txt$/;

/**
 * Reads one Python project folder: pyproject.toml, setup.cfg, a statically readable setup.py
 * and requirements*.txt (earlier sources win field by field), the nearest lockfile, and the
 * package layout. Returns no project when the folder has none of those files. Bad files give
 * diagnostics; a project is still returned, named after its folder if nothing else names it.
 *
 * @example readPythonProject({ fs: nodePythonFs(workspaceRoot), root: 'libs/core' })
 */
export function readPythonProject(options: ReadPythonProjectOptions): PythonProjectResult {
  const { fs, root } = options;
  const entries = fs.listDir(root) ?? [];
  const files = new Set(entries.filter((e) => !e.dir).map((e) => e.name));
  const diagnostics: Diagnostic[] = [];
  const hints: PackagingHints[] = [];
  const configFiles: WorkspacePath[] = [];
  const read = (name: string) => {
    configFiles.push(joinPath(root, name));
    return fs.readFile(joinPath(root, name)) ?? '';
  };
  if (files.has('pyproject.toml')) {
    const result = readPyproject(read('pyproject.toml'), joinPath(root, 'pyproject.toml'), root);
    diagnostics.push(...result.diagnostics);
    if (result.hints) hints.push(result.hints);
  }
  if (files.has('setup.cfg')) hints.push(readSetupCfg(read('setup.cfg'), joinPath(root, 'setup.cfg')));
  if (files.has('setup.py')) {
    const setupPy = readSetupPy(read('setup.py'), joinPath(root, 'setup.py'));
    if (setupPy) hints.push(setupPy);
  }
  const pins: LockedVersions = {};
  for (const name of [...files].filter((f) => REQUIREMENTS.test(f)).sort()) {
    const file = joinPath(root, name);
    configFiles.push(file);
    const result = readRequirementsFile(fs, file);
    const group = REQUIREMENTS.exec(name)?.[1];
    if (group) for (const d of result.dependencies) d.group = group;
    hints.push({ tool: 'pip', dependencies: result.dependencies });
    diagnostics.push(...result.diagnostics);
    for (const [k, v] of result.pins) pins[k] = v;
  }
  if (configFiles.length === 0) return { diagnostics };
  const merged = mergeHints(hints);
  readDependencyFiles(fs, merged, diagnostics);
  const lock = findLockfile(fs, root);
  diagnostics.push(...lock.diagnostics);
  const project = buildInfo(options, merged, configFiles, lock, pins);
  const unreadable = project.unreadableDependencies;
  if (unreadable) {
    diagnostics.push({
      file: unreadable.file,
      line: unreadable.line,
      code: 'PY_DYNAMIC_DEPENDENCIES',
      message: `${project.name}: ${unreadable.reason}; no undeclared-dependency findings for this project`,
    });
  }
  return { project, diagnostics };
}

function buildInfo(
  options: ReadPythonProjectOptions,
  hints: PackagingHints,
  configFiles: WorkspacePath[],
  lock: LockfileLookup,
  pins: LockedVersions,
): PythonProjectInfo {
  const { fs, root } = options;
  const name =
    hints.name?.trim() || (root === '' ? (options.fallbackName ?? 'workspace') : root.slice(root.lastIndexOf('/') + 1));
  const layout = discoverPackages(fs, root, hints);
  const info: PythonProjectInfo = {
    root,
    name,
    normalizedName: normalizeDistributionName(name),
    tool: toolOf(hints.tool, lock.file),
    dependencies: dedupe(hints.dependencies),
    sourceRoots: layout.sourceRoots,
    importPackages: layout.importPackages,
    configFiles,
    lockedVersions: { ...pins, ...lock.versions },
  };
  if (hints.requiresPython) info.requiresPython = hints.requiresPython;
  if (lock.file) info.lockfile = lock.file;
  if (lock.file) info.lockGraph = lock.graph;
  const unreadable = unreadableDependencies(hints);
  if (unreadable) info.unreadableDependencies = unreadable;
  if (layout.packageDirs) info.packageDirs = layout.packageDirs;
  if (hints.workspaceMembers) info.workspaceMembers = hints.workspaceMembers;
  if (hints.workspaceExclude) info.workspaceExclude = hints.workspaceExclude;
  return info;
}

/** A lockfile decides the tool where the config does not say (a uv.lock next to a setuptools backend means uv). */
function toolOf(declared: PythonTool | undefined, lockfile: WorkspacePath | undefined): PythonTool {
  if (declared === 'poetry' || declared === 'uv' || declared === 'pdm') return declared;
  if (lockfile?.endsWith('uv.lock')) return 'uv';
  if (lockfile?.endsWith('poetry.lock')) return 'poetry';
  if (lockfile?.endsWith('pdm.lock')) return 'pdm';
  return declared ?? 'pip';
}

interface LockfileLookup {
  file?: WorkspacePath;
  versions: LockedVersions;
  graph: LockGraph;
  diagnostics: Diagnostic[];
}

/** The requirements files a build backend takes dynamic dependencies from, read into `hints.dependencies`. */
function readDependencyFiles(fs: PythonFs, hints: PackagingHints, diagnostics: Diagnostic[]): void {
  for (const { file, group } of hints.dependencyFiles ?? []) {
    const result = readRequirementsFile(fs, file);
    for (const d of result.dependencies) hints.dependencies.push(group ? { ...d, group } : d);
    diagnostics.push(...result.diagnostics);
  }
}

/**
 * Where dependencies are computed by code nx-fleet does not run: a setup.py computing
 * `install_requires`, or `[project] dynamic` dependencies with no table, requirements file,
 * setup.cfg or setup.py to take them from.
 */
function unreadableDependencies(hints: PackagingHints): PythonProjectInfo['unreadableDependencies'] {
  if (hints.computedSetupDependencies)
    return { ...hints.computedSetupDependencies, reason: 'setup.py computes install_requires' };
  const dynamic = hints.dynamicDependencies;
  if (dynamic && !dynamic.found && !hints.setuptoolsConfig)
    return {
      file: dynamic.file,
      line: dynamic.line,
      reason: 'dependencies are dynamic and no table of the build backend lists them',
    };
  return undefined;
}

/** The nearest lockfile at or above `root` (a uv workspace keeps one uv.lock at its root). */
function findLockfile(fs: PythonFs, root: WorkspacePath): LockfileLookup {
  for (let dir = root; ; dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '') {
    for (const name of PYTHON_LOCKFILES) {
      const file = joinPath(dir, name);
      const text = fs.readFile(file);
      if (text !== undefined) return { file, ...readLockfile(text, file) };
    }
    if (dir === '') return { versions: {}, graph: {}, diagnostics: [] };
  }
}

/** One entry per (normalised name, group): the first declaration wins, path/workspace facts merge in. */
function dedupe(deps: PythonProjectInfo['dependencies']): PythonProjectInfo['dependencies'] {
  const byKey = new Map<string, PythonProjectInfo['dependencies'][number]>();
  for (const d of deps) {
    const key = `${d.normalized}\0${d.group ?? ''}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...d });
    else {
      if (d.path && !seen.path) seen.path = d.path;
      if (d.workspace) seen.workspace = true;
    }
  }
  return [...byKey.values()];
}
