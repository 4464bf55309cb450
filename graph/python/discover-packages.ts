import type { WorkspacePath } from '../types';
import type { PackagingHints } from './packaging-hints';
import { joinPath, type PythonFs } from './python-fs';

/** Where a project's modules live. */
export interface PackageLayout {
  /** Source roots, most specific first; the project root is always the last one. */
  sourceRoots: WorkspacePath[];
  /** Top-level import packages/modules, dotted below a PEP 420 namespace (`acme.core`). */
  importPackages: string[];
  /** Packages whose folder is not `<source root>/<package path>` (setuptools `package_dir`). */
  packageDirs?: Record<string, WorkspacePath>;
}

/** Folders that hold no importable package of the project even when they contain .py files. */
const NOT_PACKAGES = new Set([
  'tests',
  'test',
  'testing',
  'docs',
  'doc',
  'examples',
  'example',
  'scripts',
  'build',
  'dist',
  'venv',
  'node_modules',
  '__pycache__',
  'site-packages',
]);
/** Top-level files that are tooling, not modules of the distribution. */
const NOT_MODULES = new Set(['setup.py', 'conftest.py', 'noxfile.py', 'fabfile.py', 'manage.py', 'tasks.py']);

/**
 * Finds a project's source roots and import packages: from explicit settings when the config
 * has them (setuptools `packages`/`package-dir`/`packages.find`, hatch and Poetry package
 * paths, flit module), otherwise from the layout: `src/` when it holds Python code (src
 * layout), else the project root (flat layout).
 */
export function discoverPackages(fs: PythonFs, root: WorkspacePath, hints: PackagingHints): PackageLayout {
  const roots: WorkspacePath[] = [];
  const packages: string[] = [];
  let packageDirs: Record<string, WorkspacePath> | undefined;
  const baseDir = hints.packageDir?.[''];
  for (const [pkg, dir] of Object.entries(hints.packageDir ?? {})) {
    if (pkg !== '') (packageDirs ??= {})[pkg] = joinPath(root, dir);
  }
  if (hints.find) {
    for (const where of hints.find.where.length > 0 ? hints.find.where : [baseDir ?? '.']) {
      const dir = joinPath(root, where);
      roots.push(dir);
      packages.push(...topLevel(fs, dir).filter((p) => included(p, hints.find!)));
    }
  }
  if (hints.packages) {
    roots.push(joinPath(root, baseDir ?? '.'));
    packages.push(...outermost(hints.packages));
  }
  for (const path of hints.packagePaths ?? []) {
    const full = joinPath(root, path);
    const slash = full.lastIndexOf('/');
    roots.push(slash < 0 ? '' : full.slice(0, slash));
    packages.push(full.slice(slash + 1).replace(/\.pyi?$/, ''));
  }
  if (roots.length === 0) {
    const src = joinPath(root, baseDir ?? 'src');
    const srcPackages = topLevel(fs, src);
    const layoutRoot = srcPackages.length > 0 ? src : root;
    roots.push(layoutRoot);
    packages.push(...(srcPackages.length > 0 ? srcPackages : topLevel(fs, root)));
  }
  if (!roots.includes(root)) roots.push(root);
  const sourceRoots = [...new Set(roots)].sort((a, b) => b.length - a.length);
  const layout: PackageLayout = { sourceRoots, importPackages: [...new Set(packages)].sort() };
  if (packageDirs) layout.packageDirs = packageDirs;
  return layout;
}

/** Packages (folders with Python code) and modules directly under `dir`, descending through namespace folders. */
function topLevel(fs: PythonFs, dir: WorkspacePath, prefix = '', depth = 0): string[] {
  const entries = fs.listDir(dir);
  if (!entries || depth > 4) return [];
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || (depth === 0 && (NOT_PACKAGES.has(e.name) || NOT_MODULES.has(e.name)))) continue;
    if (!e.dir) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\.pyi?$/.exec(e.name);
      if (m) out.push(prefix + m[1]);
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) continue;
    const children = fs.listDir(joinPath(dir, e.name)) ?? [];
    if (children.some((c) => !c.dir && (c.name === '__init__.py' || c.name === '__init__.pyi')))
      out.push(prefix + e.name);
    else if (children.length > 0) out.push(...topLevel(fs, joinPath(dir, e.name), `${prefix}${e.name}.`, depth + 1));
  }
  return out;
}

/** Drops listed packages whose parent is also listed: `['a', 'a.b']` → `['a']`. */
function outermost(listed: string[]): string[] {
  const set = new Set(listed);
  return listed.filter((p) => !p.split('.').some((_, i, parts) => i > 0 && set.has(parts.slice(0, i).join('.'))));
}

/** setuptools include/exclude patterns (fnmatch on dotted names). */
function included(pkg: string, find: { include: string[]; exclude: string[] }): boolean {
  const match = (pattern: string) =>
    new RegExp(
      '^' +
        pattern
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.') +
        '$',
    ).test(pkg);
  if (find.include.length > 0 && !find.include.some(match)) return false;
  return !find.exclude.some(match);
}
