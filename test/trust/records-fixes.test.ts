import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, realPython, type TestWorkspace } from '../rig';
import { affectedTasks } from '../inference/task-recorder';

// Issue #12 §4: the misses the independent-records invariant found, each with real Nx.
// - a Python file owned by no Nx project, on sys.path through pytest's `pythonpath` setting;
// - a dependency's test-only helpers that a project's tests (and its test-compiling
//   typecheck) load: `pk/tests/factories.py`, `src/users.test.fixtures.ts`;
// - a test runner started in a project's folder collecting the tests of a project nested in
//   it (vitest's default include, pytest's recursion);
// - Vitest in a nested package without a config taking the nearest one above it;
// - pytest without a config of its own reading the ini candidates of the folders above.
const json = (v: unknown) => JSON.stringify(v, null, 2);
const FILES: Record<string, string> = {
  'package.json': json({ name: 'fixes', private: true, workspaces: ['ts/*', 'ts/outer/plugins/inner'] }),
  'tsconfig.base.json': json({
    compilerOptions: {
      strict: true,
      moduleResolution: 'bundler',
      module: 'ESNext',
      lib: ['ES2022'],
      types: [],
      noEmit: true,
    },
  }),
  // Python: a folder no project owns, put on sys.path by pytest's `pythonpath`
  'tools/pyshared/helpers_shared.py': 'def shared():\n    return 42\n',
  'py/core/pyproject.toml': '[project]\nname = "core"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\n',
  'py/core/core_pkg/__init__.py': '',
  'py/core/core_pkg/logic.py': 'def one():\n    return 1\n',
  'py/core/core_pkg/tests/__init__.py': '',
  'py/core/core_pkg/tests/factories.py': 'def make():\n    return 7\n',
  'py/core/tests/test_logic.py': 'from core_pkg.logic import one\n\n\ndef test_one():\n    assert one() == 1\n',
  'py/app/pyproject.toml':
    '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["core"]\n\n' +
    '[tool.pytest.ini_options]\npythonpath = [".", "../../tools/pyshared"]\n',
  'py/app/app_pkg/__init__.py': '',
  'py/app/app_pkg/main.py': 'from core_pkg.logic import one\n\n\ndef run():\n    return one() + 1\n',
  'py/app/tests/test_main.py':
    'from app_pkg.main import run\nfrom core_pkg.tests.factories import make\nfrom helpers_shared import shared\n\n\n' +
    'def test_run():\n    assert run() == 2 and make() == 7 and shared() == 42\n',
  // a distribution nested in app's folder: app's pytest must leave its tests to it
  'py/app/sub/pyproject.toml': '[project]\nname = "sub"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\n',
  'py/app/sub/sub_pkg/__init__.py': '',
  // importable only with sub's own path: app's run fails if it collects this
  'py/app/sub/tests/test_sub.py': 'import sub_pkg\n\n\ndef test_sub():\n    assert sub_pkg is not None\n',
  // no pytest config of its own: pytest's rootdir search reads the ini candidates above it
  'py/app/sub2/pyproject.toml':
    '[project]\nname = "sub2"\nversion = "0.1.0"\n\n[project.optional-dependencies]\ntest = ["pytest"]\n',
  'py/app/sub2/sub2_pkg/__init__.py': '',
  'py/app/sub2/tests/test_sub2.py': 'import sub2_pkg\n\n\ndef test_sub2():\n    assert sub2_pkg is not None\n',
  // TS: a dependency's test-only fixture imported by a test
  'ts/lib/package.json': json({ name: '@w/lib', main: './src/index.ts', devDependencies: { vitest: '*' } }),
  'ts/lib/tsconfig.json': json({ extends: '../../tsconfig.base.json', include: ['src'] }),
  'ts/lib/src/index.ts': 'export const lib = 1;\n',
  'ts/lib/src/users.test.fixtures.ts': "export const users = ['ada'];\n",
  'ts/web/package.json': json({
    name: '@w/web',
    main: './src/index.ts',
    dependencies: { '@w/lib': '*' },
    devDependencies: { vitest: '*' },
  }),
  'ts/web/tsconfig.json': json({ extends: '../../tsconfig.base.json', include: ['src'] }),
  'ts/web/src/index.ts': "import { lib } from '@w/lib';\nexport const web = lib + 1;\n",
  'ts/web/src/index.spec.ts':
    "import { expect, it } from 'vitest';\nimport { users } from '@w/lib/src/users.test.fixtures';\nimport { web } from './index';\n" +
    "it('works', () => expect([web, users.length]).toEqual([2, 1]));\n",
  // TS: a package nested in another, without a vitest config of its own
  'ts/outer/package.json': json({ name: '@w/outer', main: './src/index.ts' }),
  'ts/outer/vitest.config.ts': 'export default { test: { passWithNoTests: true } };\n',
  'ts/outer/src/index.ts': 'export const outer = 1;\n',
  'ts/outer/src/index.spec.ts':
    "import { expect, it } from 'vitest';\nimport { outer } from './index';\nit('outer', () => expect(outer).toBe(1));\n",
  'ts/outer/plugins/inner/package.json': json({
    name: '@w/inner',
    main: './src/index.ts',
    devDependencies: { vitest: '*' },
  }),
  'ts/outer/plugins/inner/src/index.ts': 'export const inner = 2;\n',
  // fails when collected by outer's run: only inner's own task may run it
  'ts/outer/plugins/inner/src/index.spec.ts':
    "import { expect, it } from 'vitest';\nimport { inner } from './index';\nit('inner', () => expect(inner).toBe(process.cwd().endsWith('inner') ? 2 : -1));\n",
};

interface Inputs {
  files?: string[];
}

describe('misses found by the independent records, fixed (real Nx)', () => {
  let ws: TestWorkspace;
  const inputs = (task: string): string[] =>
    (JSON.parse(ws.nxOk(['show', 'target', 'inputs', task, '--json'])) as Inputs).files ?? [];
  const command = (project: string): string => {
    const t = (
      JSON.parse(ws.nxOk(['show', 'project', project, '--json'])) as {
        targets: Record<string, { command?: string; options?: { command?: string } }>;
      }
    ).targets.test;
    return t.options?.command ?? t.command ?? '';
  };
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        ...FILES,
        'nx.json': json({ plugins: [{ plugin: 'nx-fleet', options: { python: { interpreter: realPython() } } }] }),
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a file owned by no project, on pytest pythonpath, is an input of the tests and affects them', () => {
    expect(inputs('app:test')).toContain('tools/pyshared/helpers_shared.py');
    expect(affectedTasks(ws, ['test'], ['tools/pyshared/helpers_shared.py'])).toContain('app:test');
  });

  it("a dependency's test helper that the tests import is an input (Python and TS, test and typecheck)", () => {
    expect(inputs('app:test')).toContain('py/core/core_pkg/tests/factories.py');
    expect(affectedTasks(ws, ['test'], ['py/core/core_pkg/tests/factories.py'])).toContain('app:test');
    expect(inputs('@w/web:test')).toContain('ts/lib/src/users.test.fixtures.ts');
    expect(inputs('@w/web:typecheck')).toContain('ts/lib/src/users.test.fixtures.ts');
    expect(affectedTasks(ws, ['test', 'typecheck'], ['ts/lib/src/users.test.fixtures.ts'])).toEqual(
      expect.arrayContaining(['@w/web:test', '@w/web:typecheck']),
    );
  });

  it('a test run leaves the tests of projects nested in its folder to them, and passes', () => {
    expect(command('@w/outer')).toBe("vitest run --exclude 'plugins/inner/**'");
    expect(command('app')).toContain("--ignore='sub'");
    const r = ws.nx(['run-many', '-t', 'test', '-p', '@w/outer', '@w/inner', 'app', 'sub', 'sub2', '--skip-nx-cache']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('pytest without a config of its own reads the ini candidates above it: they are inputs', () => {
    expect(inputs('sub2:test')).toContain('py/app/pyproject.toml');
    expect(affectedTasks(ws, ['test'], ['py/app/pyproject.toml'])).toContain('sub2:test');
  });

  it('vitest in a nested package without a config reads the nearest one above: it is an input', () => {
    expect(inputs('@w/inner:test')).toContain('ts/outer/vitest.config.ts');
    expect(affectedTasks(ws, ['test'], ['ts/outer/vitest.config.ts'])).toContain('@w/inner:test');
  });
});
