import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON_PRODUCTION_FILES } from '../../graph/python';
import { repoRoot } from '../rig';

type MatchGlobPaths = (globs: string[], paths: string[]) => boolean[];

/** Nx's own glob engine (the one its task hasher and `affected` use), not minimatch. */
function nxMatch(): MatchGlobPaths {
  return (require(path.join(repoRoot(), 'node_modules/nx/dist/src/native')) as { matchGlobPaths: MatchGlobPaths })
    .matchGlobPaths;
}

const FILES: Record<string, boolean> = {
  'p/pyproject.toml': true,
  'p/setup.py': true,
  'p/README.md': true,
  'p/flat_module.py': true,
  'p/src/pkg/__init__.py': true,
  'p/src/pkg/latest.py': true,
  'p/src/pkg/data/tests.txt': true,
  'p/testsuite/x.py': true,
  'p/src/pkg/test_mod.py': false,
  'p/src/pkg/mod_test.py': false,
  'p/src/pkg/conftest.py': false,
  'p/src/pkg/tests/helper.py': false,
  'p/tests/test_a.py': false,
  'p/tests/helpers.py': false,
  'p/tests/data/input.json': false,
  'p/test/x.py': false,
  'q/src/pkg/mod.py': false,
  'p2/mod.py': false,
};

describe('Python production inputs under Nx’s glob engine', () => {
  it('match exactly the production files (root-level files, sources outside tests/, no test-named files)', () => {
    const globs = PYTHON_PRODUCTION_FILES.map((g) => g.replace('{projectRoot}', 'p'));
    const paths = Object.keys(FILES);
    const match = nxMatch();
    const production = paths.filter((p) => globs.some((g) => match([g], [p])[0]));
    expect(production.sort()).toEqual(paths.filter((p) => FILES[p]).sort());
  });

  it('count a root-level conftest.py as production (documented: a needless miss at worst)', () => {
    const globs = PYTHON_PRODUCTION_FILES.map((g) => g.replace('{projectRoot}', 'p'));
    expect(nxMatch()(globs, ['p/conftest.py'])).toEqual([true]);
  });
});
