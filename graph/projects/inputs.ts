/**
 * The file sets that inferred targets hash. Written inline on every target (never as named
 * inputs) because a `^name` input requires every dependency project to define `name`, and a
 * dependency may come from Nx core or another plugin that does not.
 */

/**
 * File names that only tests, linting or test tooling read. Matched on the file name only:
 * a helper under `__tests__/` with another name counts as production, which costs a needless
 * cache miss at worst, never a false hit.
 */
export const TEST_ONLY_FILE_NAMES = [
  '*.spec.*',
  '*.test.*',
  '*.snap',
  'vitest.config.*',
  'jest.config.*',
  'tsconfig.spec.json',
  'eslint.config.*',
  '.eslintrc*',
] as const;

/** Every file of the project (what Nx calls the `default` named input). */
export const ALL_PROJECT_FILES = '{projectRoot}/**/*';

/**
 * The project's production files: everything but test-only files. One glob with an extglob
 * negation, because Nx unions separate filesets (a separate `!pattern` entry would not
 * subtract from a `^` fileset), while its glob engine honours `!(a|b)` inside one pattern.
 */
export const PRODUCTION_FILES = `{projectRoot}/**/!(${TEST_ONLY_FILE_NAMES.join('|')})`;

/** Production files of every (transitive) dependency project. */
export const DEPENDENCY_PRODUCTION_FILES = `^${PRODUCTION_FILES}`;

/** Test files proper: what vitest's and jest's default patterns run (`*.spec.ts`, `*.test.mjs`, ...). */
export const TEST_FILE_NAMES = ['spec', 'test'].flatMap((kind) =>
  ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'].map((ext) => `*.${kind}.${ext}`),
);

/**
 * Dependency files for a target that reads the project's tests (its test run, a typecheck or
 * build whose program compiles them): everything of every (transitive) dependency but its own
 * test files proper, snapshots and test/lint configs. Tests import their dependencies'
 * test helpers and fixtures (`@acme/core/src/users.test.fixtures`), which the production glob
 * leaves out (issue #12 §4); a dependency's own `*.spec.ts` is never loaded by a dependent.
 */
export const DEPENDENCY_TEST_SUPPORT_FILES = `^{projectRoot}/**/!(${[
  ...TEST_FILE_NAMES,
  ...TEST_ONLY_FILE_NAMES.filter((n) => n !== '*.spec.*' && n !== '*.test.*'),
].join('|')})`;

/** A workspace-relative path as a target input or output token, relative to the project when inside it. */
export function workspaceToken(path: string, projectRoot: string): string {
  if (projectRoot === '.') return `{projectRoot}/${path}`;
  if (path === projectRoot) return '{projectRoot}';
  if (path.startsWith(`${projectRoot}/`)) return `{projectRoot}/${path.slice(projectRoot.length + 1)}`;
  return `{workspaceRoot}/${path}`;
}

/** Inputs for files outside the project that a target reads (e.g. the root tsconfig.base.json). */
export function workspaceFileInputs(files: Iterable<string>, projectRoot: string): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const token = workspaceToken(f, projectRoot);
    if (token.startsWith('{workspaceRoot}/')) out.add(token);
  }
  return [...out].sort();
}

/**
 * True when a tsconfig's `exclude` keeps both `*.spec.*` and `*.test.*` files out, so its
 * program reads production files only. Anything less and the target hashes all project files:
 * a test file that tsc compiles must invalidate the result.
 */
export function excludesTests(exclude: readonly string[] | undefined): boolean {
  const list = exclude ?? [];
  return list.some((e) => /\.spec\./.test(e)) && list.some((e) => /\.test\./.test(e));
}
