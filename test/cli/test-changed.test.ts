import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, usePython, type TestWorkspace } from '../rig';
import { parseTestChangedArgs } from '../../cli/commands/test-changed';

/**
 * The `<test>-changed` targets of the `changedTestTargets` plugin option, run by real Nx: a
 * vitest project and a pytest project, each with two test files reaching different modules.
 */
const TS = 'libs/calc';
const PY = 'libs/pyc';
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'm', private: true, workspaces: ['libs/*'] }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { changedTestTargets: true } }] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true, skipLibCheck: true },
  }),
  [`${TS}/package.json`]: JSON.stringify({ name: '@m/calc', version: '0.0.0' }),
  [`${TS}/tsconfig.json`]: JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
  [`${TS}/vitest.config.ts`]: "import { defineConfig } from 'vitest/config';\nexport default defineConfig({});\n",
  [`${TS}/src/add.ts`]: 'export const add = (a: number, b: number): number => a + b;\n',
  [`${TS}/src/mul.ts`]: 'export const mul = (a: number, b: number): number => a * b;\n',
  [`${TS}/src/add.test.ts`]:
    "import { expect, it } from 'vitest';\nimport { add } from './add';\nit('adds', () => expect(add(2, 3)).toBe(5));\n",
  [`${TS}/src/mul.test.ts`]:
    "import { expect, it } from 'vitest';\nimport { mul } from './mul';\nit('multiplies', () => expect(mul(2, 3)).toBe(6));\n",
  [`${PY}/pyproject.toml`]:
    '[project]\nname = "pyc"\nversion = "0.0.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
  [`${PY}/pyc/__init__.py`]: '',
  [`${PY}/pyc/ops.py`]: 'def add(a, b):\n    return a + b\n',
  [`${PY}/pyc/geo.py`]: 'def area(w, h):\n    return w * h\n',
  [`${PY}/tests/test_ops.py`]: 'from pyc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n',
  [`${PY}/tests/test_geo.py`]: 'from pyc.geo import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n',
};

describe('<test>-changed targets (plugin option changedTestTargets), real Nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ files: FILES, commit: false });
    usePython(ws); // this machine's python3 with pytest, as nx-fleet's python.interpreter
    ws.commit('initial');
  }, 120_000);
  afterAll(() => ws?.dispose());

  const run = (project: string, args: string[] = []) => ws.nx(['run', `${project}:test-changed`, ...args]);
  const restore = () => ws.git(['checkout', '-q', '--', '.']);

  it('are inferred beside the test targets, not cached; the test targets stay as they are', () => {
    const show = (p: string) =>
      JSON.parse(ws.nxOk(['show', 'project', p, '--json'])) as {
        targets: Record<string, { command?: string; cache?: boolean; options?: Record<string, unknown> }>;
      };
    for (const p of ['@m/calc', 'pyc']) {
      const t = show(p).targets;
      expect(t['test-changed'], p).toMatchObject({ cache: false });
      expect(t['test-changed'].command ?? t['test-changed'].options?.command).toMatch(/^fleet test-changed /);
    }
    // Without the option the plain test target is the same.
    const plain = createWorkspace({
      files: { ...FILES, 'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }) },
      commit: false,
    });
    usePython(plain);
    try {
      const t = JSON.parse(plain.nxOk(['show', 'project', '@m/calc', '--json'])) as {
        targets: Record<string, unknown>;
      };
      expect(t.targets['test-changed']).toBeUndefined();
      expect(t.targets.test).toEqual(show('@m/calc').targets.test);
    } finally {
      plain.dispose();
    }
  }, 180_000);

  it('vitest: a changed module runs only the test file that reaches it', () => {
    ws.write(`${TS}/src/mul.ts`, 'export const mul = (a: number, b: number): number => a * b + 0;\n');
    try {
      const r = run('@m/calc', ['--changed-since=main']);
      const out = `${r.stdout}${r.stderr}`;
      expect(r.code, out).toBe(0);
      expect(out).toMatch(
        /fleet test-changed: @m\/calc: 1 of 2 test files, for the changes since main \(1 changed file\): src\/mul\.test\.ts/,
      );
      expect(out).toMatch(/mul\.test\.ts/);
      expect(out).not.toMatch(/add\.test\.ts/);
      expect(out).toMatch(/Test Files\s+1 passed \(1\)/);
    } finally {
      restore();
    }
  }, 180_000);

  it('vitest: a failing selected test fails the task with its output; the config selects all', () => {
    ws.write(`${TS}/src/add.ts`, 'export const add = (a: number, b: number): number => a - b;\n');
    try {
      const r = run('@m/calc', ['--changed-since', 'main']);
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(/adds/);
    } finally {
      restore();
    }
    ws.write(
      `${TS}/vitest.config.ts`,
      "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: {} });\n",
    );
    try {
      const r = run('@m/calc');
      const out = `${r.stdout}${r.stderr}`;
      expect(r.code, out).toBe(0);
      expect(out).toMatch(/all 2 test files: libs\/calc\/vitest\.config\.ts changed since main/);
      expect(out).toMatch(/Test Files\s+2 passed \(2\)/);
    } finally {
      restore();
    }
  }, 180_000);

  it('no change: nothing runs, exit 0, said once', () => {
    const r = run('@m/calc');
    const out = `${r.stdout}${r.stderr}`;
    expect(r.code, out).toBe(0);
    expect(
      out.match(/no test file can be affected by the changes since main \(0 changed files\); nothing to run/g),
    ).toHaveLength(1);
    expect(out).not.toMatch(/Test Files/);
  }, 180_000);

  it('pytest: a changed module runs only the test module that imports it', () => {
    ws.write(`${PY}/pyc/geo.py`, 'def area(w, h):\n    return h * w\n');
    try {
      const r = run('pyc', ['--changed-since=main']);
      const out = `${r.stdout}${r.stderr}`;
      expect(r.code, out).toBe(0);
      expect(out).toMatch(/fleet test-changed: pyc: 1 of 2 test files, .*: tests\/test_geo\.py/);
      expect(out).toMatch(/1 passed/);
      expect(out).not.toMatch(/test_ops/);
    } finally {
      restore();
    }
  }, 180_000);

  it('bad input: one diagnostic, exit code 2', () => {
    const r = ws.fleet(['test-changed', '--runner', 'vitest run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give --project-root <folder> and --runner <command> \[FLEET_AFFECTED_NO_CHANGE\]/);
    const unknown = ws.fleet(['test-changed', '--project-root', 'libs/nope', '--runner', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/libs\/nope: not a project root/);
  }, 120_000);

  it("splits fleet's options from the runner's (Nx appends forwarded args to the command)", () => {
    expect(
      parseTestChangedArgs([
        '--project-root',
        'a',
        '--runner=vitest run',
        '--coverage',
        '--changed-since=origin/main',
        '-t',
        'x',
      ]),
    ).toEqual({ projectRoot: 'a', runner: 'vitest run', changedSince: 'origin/main', rest: ['--coverage', '-t', 'x'] });
  });
});
