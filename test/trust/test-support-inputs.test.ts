import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPENDENCY_TEST_SUPPORT_FILES } from '../../graph';
import { PYTHON_DEPENDENCY_TEST_SUPPORT_FILES } from '../../graph/python';
import { repoRoot } from '../rig';

type MatchGlobPaths = (globs: string[], paths: string[]) => boolean[];

/** Nx's own glob engine (the one its task hasher and `affected` use), not minimatch. */
function nxMatch(glob: string, files: string[]): string[] {
  const { matchGlobPaths } = require(path.join(repoRoot(), 'node_modules/nx/dist/src/native')) as {
    matchGlobPaths: MatchGlobPaths;
  };
  const g = glob.replace(/^\^/, '').replace('{projectRoot}', 'p');
  const hits = matchGlobPaths([g], files);
  return files.filter((_, i) => hits[i]).sort();
}

// Issue #12 §4: what a dependent's tests may load of a dependency (helpers, fixtures, test
// data) is hashed; the dependency's own test files, snapshots and runner configs are not.
describe('dependency inputs of targets that read the tests, under Nx’s glob engine', () => {
  it('TS: everything but test files proper, snapshots and test/lint configs', () => {
    const yes = [
      'p/src/index.ts',
      'p/src/users.test.fixtures.ts',
      'p/src/__fixtures__/a.json',
      'p/src/testing/helpers.ts',
      'p/package.json',
      'p/test/setup.ts',
    ];
    const no = [
      'p/src/a.spec.ts',
      'p/src/a.test.tsx',
      'p/src/b.test.mjs',
      'p/src/__snapshots__/a.spec.ts.snap',
      'p/vitest.config.ts',
      'p/jest.config.js',
      'p/tsconfig.spec.json',
      'p/eslint.config.mjs',
    ];
    expect(nxMatch(DEPENDENCY_TEST_SUPPORT_FILES, [...yes, ...no])).toEqual([...yes].sort());
  });

  it('Python: everything but test modules and conftest.py', () => {
    const yes = [
      'p/pyproject.toml',
      'p/src/pkg/mod.py',
      'p/src/pkg/tests/__init__.py',
      'p/src/pkg/tests/factories.py',
      'p/tests/helpers.py',
      'p/tests/data/input.json',
    ];
    const no = ['p/tests/test_a.py', 'p/src/pkg/mod_test.py', 'p/tests/conftest.py', 'p/conftest.py'];
    expect(nxMatch(PYTHON_DEPENDENCY_TEST_SUPPORT_FILES, [...yes, ...no])).toEqual([...yes].sort());
  });
});
