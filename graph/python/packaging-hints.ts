import type { DependencyFile, DynamicDependencies } from './dynamic-dependencies';
import type { PythonDependency, PythonTool } from './types';

/**
 * What one config file (pyproject.toml, setup.cfg, setup.py) says about a project, before the
 * layout is looked at. Paths are relative to the project root.
 */
export interface PackagingHints {
  name?: string;
  tool?: PythonTool;
  requiresPython?: string;
  dependencies: PythonDependency[];
  /** Dotted packages or modules listed explicitly (setuptools `packages`, flit module, ...). */
  packages?: string[];
  /** setuptools `package-dir`: package (`''` for the root) → folder. */
  packageDir?: Record<string, string>;
  /** Package folders or module files (hatch `packages = ["src/foo"]`, Poetry include/from). */
  packagePaths?: string[];
  /** `find_packages`-style discovery. */
  find?: { where: string[]; include: string[]; exclude: string[] };
  workspaceMembers?: string[];
  workspaceExclude?: string[];
  /** Requirements files a build backend reads dependencies from (Hatch requirements_txt hook, setuptools dynamic `file =`). */
  dependencyFiles?: DependencyFile[];
  /** pyproject.toml names dependencies in `[project] dynamic`. */
  dynamicDependencies?: DynamicDependencies;
  /** A setup.py `setup(install_requires=...)` whose value is computed (a variable, a call): where. */
  computedSetupDependencies?: { file: string; line?: number };
  /** True when a setup.cfg or setup.py was read: setuptools takes dynamic dependencies from there. */
  setuptoolsConfig?: boolean;
}

/** Shallow-merges hints, earlier ones winning field by field; dependencies are concatenated. */
export function mergeHints(all: PackagingHints[]): PackagingHints {
  const merged: PackagingHints = { dependencies: [] };
  for (const h of all) {
    for (const [key, value] of Object.entries(h) as Array<[keyof PackagingHints, unknown]>) {
      if (key === 'dependencies') merged.dependencies.push(...h.dependencies);
      else if (merged[key] === undefined && value !== undefined)
        (merged as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}
