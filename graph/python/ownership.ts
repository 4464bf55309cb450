import type { WorkspacePath } from '../types';
import { dependencyFacts, type DependencyFacts } from './dependency-facts';
import { moduleTable, type ModuleTable } from './third-party-modules';
import type { PythonProjectInfo } from './types';

/** One file that provides a module. */
export interface ModuleOwner {
  file: WorkspacePath;
  /** Root of the owning project. */
  project: WorkspacePath;
  /** True for `.pyi` stubs, which may own a module next to its implementation. */
  stub: boolean;
}

/**
 * Which files and projects provide which dotted modules: the Pants-style ownership table.
 * Built once per file set by {@link buildModuleOwnership}; kept current by
 * {@link updateModuleOwnership}. Holds no hidden state: everything is in these fields.
 */
export interface ModuleOwnership {
  /** Dotted module → its owners. */
  modules: Map<string, ModuleOwner[]>;
  /** File → its dotted module name (files outside every project are absent). */
  fileModules: Map<WorkspacePath, string>;
  /** Projects, deepest root first, so the first root that contains a file owns it. */
  projects: PythonProjectInfo[];
  /** Project root → project, for walking up from a file. */
  projectsByRoot: Map<WorkspacePath, PythonProjectInfo>;
  /** Project root → normalised names of every distribution it declares (all groups, extras included). */
  declared: Map<WorkspacePath, Set<string>>;
  /** Project root → what it declares and what comes with that (lockfile, first-party requirements). */
  facts: Map<WorkspacePath, DependencyFacts>;
  /** Import name → distributions: built-in table plus the `python.moduleMapping` option. */
  table: ModuleTable;
  /** Top-level names of every first-party package, namespace roots included (`acme` for `acme.core`). */
  firstPartyTops: Set<string>;
}

/**
 * Builds the ownership table of the `.py`/`.pyi` files among `files`: each file belongs to the
 * project with the deepest root containing it, and is named by stripping that project's
 * deepest containing source root (or a `package_dir` folder): `src/pkg/sub/mod.py` →
 * `pkg.sub.mod`, `pkg/__init__.py` → `pkg`.
 */
export function buildModuleOwnership(
  files: Iterable<WorkspacePath>,
  projects: PythonProjectInfo[],
  options: { moduleMapping?: Readonly<Record<string, readonly string[]>> } = {},
): ModuleOwnership {
  const sorted = [...projects].sort((a, b) => b.root.length - a.root.length);
  const firstPartyTops = new Set<string>();
  for (const p of sorted) for (const pkg of p.importPackages) firstPartyTops.add(pkg.split('.')[0]);
  const projectsByRoot = new Map(sorted.map((p) => [p.root, p]));
  const facts = dependencyFacts(sorted);
  const declared = new Map([...facts].map(([root, f]) => [root, f.declared]));
  const table = moduleTable(options.moduleMapping);
  const ownership: ModuleOwnership = {
    modules: new Map(),
    fileModules: new Map(),
    projects: sorted,
    projectsByRoot,
    declared,
    facts,
    table,
    firstPartyTops,
  };
  updateModuleOwnership(ownership, { added: files });
  return ownership;
}

/** Adds and removes files (a changed file needs neither: its module name depends only on its path). */
export function updateModuleOwnership(
  ownership: ModuleOwnership,
  change: { added?: Iterable<WorkspacePath>; removed?: Iterable<WorkspacePath> },
): void {
  for (const file of change.removed ?? []) {
    const module = ownership.fileModules.get(file);
    if (module === undefined) continue;
    ownership.fileModules.delete(file);
    const owners = ownership.modules.get(module)?.filter((o) => o.file !== file) ?? [];
    if (owners.length > 0) ownership.modules.set(module, owners);
    else ownership.modules.delete(module);
  }
  for (const file of change.added ?? []) {
    if (!file.endsWith('.py') && !file.endsWith('.pyi')) continue;
    const project = projectOfFile(ownership, file);
    const module = project && moduleNameOf(file, project);
    if (!project || !module || ownership.fileModules.has(file)) continue;
    ownership.fileModules.set(file, module);
    const owners = ownership.modules.get(module);
    const owner = { file, project: project.root, stub: file.endsWith('.pyi') };
    if (owners) owners.push(owner);
    else ownership.modules.set(module, [owner]);
  }
}

/** The project with the deepest root containing `file`. */
export function projectOfFile(ownership: ModuleOwnership, file: WorkspacePath): PythonProjectInfo | undefined {
  for (let end = file.lastIndexOf('/'); end > 0; end = file.lastIndexOf('/', end - 1)) {
    const project = ownership.projectsByRoot.get(file.slice(0, end));
    if (project) return project;
  }
  return ownership.projectsByRoot.get('');
}

/** The dotted module a file of `project` provides, or undefined when it cannot be named. */
export function moduleNameOf(file: WorkspacePath, project: PythonProjectInfo): string | undefined {
  for (const [pkg, dir] of Object.entries(project.packageDirs ?? {})) {
    if (isUnder(file, dir)) return joinModule(pkg, file.slice(dir.length + 1));
  }
  const root = project.sourceRoots.find((r) => isUnder(file, r)) ?? project.root;
  return joinModule('', root === '' ? file : file.slice(root.length + 1));
}

function joinModule(prefix: string, relative: string): string | undefined {
  const parts = relative.replace(/\.pyi?$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  const module = [prefix, ...parts].filter(Boolean).join('.');
  return module === '' ? undefined : module;
}

/** True when `file` is inside folder `dir` (`''` is the workspace root). */
export function isUnder(file: WorkspacePath, dir: WorkspacePath): boolean {
  return dir === '' || (file.startsWith(dir) && file.charCodeAt(dir.length) === 47);
}
