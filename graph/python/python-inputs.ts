/**
 * The file sets Python targets hash, written inline on every target (like the TS targets,
 * see docs/inference.md: a `^name` input would require every dependency project to define
 * `name`).
 *
 * Production files are two globs, because Nx's glob engine turns `!(a|b)` into an exclusion of
 * each alternative *at that position*, and unions separate filesets:
 * - `{projectRoot}/*`: every file directly in the project folder (pyproject.toml, setup.py,
 *   README, top-level modules). A root-level `conftest.py` or `test_*.py` counts as production
 *   here: one level cannot be excluded without also excluding nested files, so this costs a
 *   needless cache miss at worst, never a false hit;
 * - `{projectRoot}/**\/!(tests|test)/**\/!(test_*.py|*_test.py|conftest.py)`: files in
 *   sub-folders, except anything under a `tests`/`test` folder at any depth and test-named
 *   files. Both were checked with Nx's own `matchGlobPaths` (see test/python/inputs.test.ts).
 */
export const PYTHON_TEST_FILE_NAMES = ['test_*.py', '*_test.py', 'conftest.py'] as const;
export const PYTHON_TEST_DIRS = ['tests', 'test'] as const;

/** Every file of the project. */
export const PYTHON_ALL_FILES = '{projectRoot}/**/*';

/** The project's production files (two globs, unioned by Nx). */
export const PYTHON_PRODUCTION_FILES: readonly string[] = [
  '{projectRoot}/*',
  `{projectRoot}/**/!(${PYTHON_TEST_DIRS.join('|')})/**/!(${PYTHON_TEST_FILE_NAMES.join('|')})`,
];

/**
 * Dependency files for test targets: everything of every (transitive) dependency but its test
 * modules and conftest.py files. Tests import their dependencies' test helpers
 * (`from acme_core.tests.factories import make_user`), which the production globs leave out
 * (issue #12 §4); a dependency's own `test_*.py` and conftest.py are never loaded by a
 * dependent's pytest (conftest.py files load along the collected paths only).
 */
export const PYTHON_DEPENDENCY_TEST_SUPPORT_FILES = `^{projectRoot}/**/!(${PYTHON_TEST_FILE_NAMES.join('|')})`;

/** Production files of every (transitive) dependency project. */
export const PYTHON_DEPENDENCY_PRODUCTION_FILES: readonly string[] = PYTHON_PRODUCTION_FILES.map((f) => `^${f}`);

/** A workspace-relative path (`''` root convention) as an input token, relative to the project when inside it. */
export function pythonPathToken(file: string, projectRoot: string): string {
  if (projectRoot === '') return `{projectRoot}/${file}`;
  if (file.startsWith(`${projectRoot}/`)) return `{projectRoot}/${file.slice(projectRoot.length + 1)}`;
  return `{workspaceRoot}/${file}`;
}
