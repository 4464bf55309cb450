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
