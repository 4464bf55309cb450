import { buildPythonBuildTarget } from './build-python-build-target';
import { buildPythonLintTarget } from './build-python-lint-target';
import { buildPythonTestTarget } from './build-python-test-target';
import { buildPythonTypecheckTarget } from './build-python-typecheck-target';
import { ancestorDirs } from './python-tool-config';
import { joinPath, type PythonFs } from './python-fs';
import { pythonPathToken } from './python-inputs';
import { pythonRunner } from './python-runner';
import { pytestPythonPath } from './pytest-pythonpath';
import type { PythonTargetContext } from './python-target';
import type { ReadPythonProject } from './read-python-projects';
import type { PythonTarget } from './types';

/** The files pytest's rootdir search reads in each folder, in its order. */
const PYTEST_INI_FILES = ['pytest.ini', '.pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'];

export type PythonTargetKind = 'test' | 'lint' | 'typecheck' | 'build';

export interface PythonTargetOptions {
  /** The `python.interpreter` option (default `python3`). */
  interpreter: string;
  /** Kinds from the `disabledTargets` option. */
  disabled: ReadonlySet<string>;
}

/**
 * The targets of one Python project, by kind: `test` when it has test files, `lint` when ruff
 * is configured, `typecheck` when mypy or pyright is, `build` when it declares a
 * distribution. `pythonPath` lists the source roots (relative to the project folder) of the
 * project and its declared first-party dependencies: a direct interpreter gets them as
 * PYTHONPATH, since nothing installed them (uv/Poetry/PDM install them into their environment).
 */
export function inferPythonTargets(
  fs: PythonFs,
  project: ReadPythonProject,
  options: PythonTargetOptions,
  pythonPath: string[],
): Partial<Record<PythonTargetKind, PythonTarget>> {
  const { info, tools, files } = project;
  const runner = pythonRunner(info.tool, info.root, options.interpreter);
  // No bytecode files: where __pycache__ is not git-ignored they would become inputs and change on every run.
  const env: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1' };
  if (runner.direct && pythonPath.length > 0) env.PYTHONPATH = pythonPath.join(':');
  const lockfile =
    info.lockfile && !info.lockfile.startsWith(`${info.root}/`) ? [pythonPathToken(info.lockfile, info.root)] : [];
  const ctx: PythonTargetContext = { root: info.root === '' ? '.' : info.root, runner, env, sharedInputs: lockfile };
  const outside = (tool: 'ruff' | 'mypy' | 'pyright') =>
    (tools.outsideFiles[tool] ?? []).map((f) => pythonPathToken(f, info.root));
  const targets: Partial<Record<PythonTargetKind, PythonTarget>> = {};
  const on = (kind: PythonTargetKind) => !options.disabled.has(kind);
  if (on('test') && files.hasTests) {
    // pytest loads the conftest.py of every folder above the tests up to its rootdir; listed whether or not they exist yet.
    const conftests = tools.tools.pytest
      ? ancestorDirs(info.root).map((d) => `{workspaceRoot}/${joinPath(d, 'conftest.py')}`)
      : [];
    // Folders outside the project that pytest's `pythonpath` setting puts on sys.path: the tests import from them.
    const pythonPathDirs = tools.tools.pytest
      ? pytestPythonPath(fs, info.root)
          .filter((d) => !isInside(d, info.root))
          .map((d) => `{workspaceRoot}/${joinPath(d, '**/*')}`)
      : [];
    // Without an ini file or pyproject table of its own, pytest looks for one in every folder above (its rootdir search).
    const ownIni = tools.tools.pytest !== undefined && !/^(dependency |conftest\.py$)/.test(tools.tools.pytest);
    const iniSearch =
      tools.tools.pytest && !ownIni
        ? ancestorDirs(info.root).flatMap((d) => PYTEST_INI_FILES.map((n) => `{workspaceRoot}/${joinPath(d, n)}`))
        : [];
    targets.test = buildPythonTestTarget(ctx, {
      pytestEvidence: tools.tools.pytest,
      testDir: files.testDir,
      outsideFiles: [...conftests, ...pythonPathDirs, ...iniSearch],
    });
  }
  if (on('lint') && tools.tools.ruff) targets.lint = buildPythonLintTarget(ctx, tools.tools.ruff, outside('ruff'));
  const checker = typecheckerOf(tools.tools);
  if (on('typecheck') && checker) {
    const paths = productionPaths(fs, project);
    targets.typecheck = buildPythonTypecheckTarget(ctx, {
      checker,
      evidence: tools.tools[checker] as string,
      paths,
      outsideFiles: outside(checker),
    });
  }
  if (on('build') && tools.declaresDistribution) targets.build = buildPythonBuildTarget(ctx);
  return targets;
}

/** mypy when its config is in the project, else pyright's, else whichever is merely declared (mypy first). */
function typecheckerOf(tools: ReadPythonProject['tools']['tools']): 'mypy' | 'pyright' | undefined {
  const configured = (t: 'mypy' | 'pyright') => tools[t] !== undefined && !tools[t]?.startsWith('dependency ');
  if (configured('mypy')) return 'mypy';
  if (configured('pyright')) return 'pyright';
  return tools.mypy ? 'mypy' : tools.pyright ? 'pyright' : undefined;
}

/** The folders and modules holding production code, relative to the project folder: `src`, or each top-level package/module. */
function productionPaths(fs: PythonFs, { info }: ReadPythonProject): string[] {
  const rel = (p: string) => (info.root === '' ? p : p.slice(info.root.length + 1));
  const roots = info.sourceRoots.filter((r) => r !== info.root);
  if (roots.length > 0) return roots.map(rel).sort();
  const paths = new Set<string>();
  for (const pkg of info.importPackages) {
    const dir = joinPath(info.root, pkg.split('.')[0]);
    paths.add(rel(fs.listDir(dir) ? dir : `${dir}.py`));
  }
  return [...paths].sort();
}

/** True when `dir` is `root` or inside it (`''` is the workspace root). */
function isInside(dir: string, root: string): boolean {
  return root === '' || dir === root || dir.startsWith(`${root}/`);
}
