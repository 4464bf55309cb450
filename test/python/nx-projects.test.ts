import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { affectedTasks } from '../inference/task-recorder';
import { createPolyglotWorkspace, projectGraph, realPython, type ProjectGraphFile } from './python-workspace';

interface Shown {
  root: string;
  tags: string[];
  metadata: Record<string, unknown>;
  targets: Record<
    string,
    {
      executor?: string;
      command?: string;
      options: Record<string, unknown>;
      cache?: boolean;
      inputs?: unknown[];
      outputs?: string[];
      metadata?: Record<string, unknown>;
    }
  >;
}

const PRODUCTION = ['{projectRoot}/*', '{projectRoot}/**/!(tests|test)/**/!(test_*.py|*_test.py|conftest.py)'];
const python = (tasks: string[]) => tasks.filter((t) => t.startsWith('polyglot-'));

describe('Python projects of examples/polyglot on real nx', () => {
  let ws: TestWorkspace;
  let graph: ProjectGraphFile;
  const py = realPython();
  const show = (name: string) => JSON.parse(ws.nxOk(['show', 'project', name, '--json'])) as Shown;
  beforeAll(() => {
    ws = createPolyglotWorkspace();
    graph = projectGraph(ws);
  });
  afterAll(() => ws?.dispose());

  it('names each project after its distribution and records the Python facts in metadata', () => {
    const roots = Object.fromEntries(Object.entries(graph.nodes).map(([name, n]) => [name, n.data.root]));
    expect(roots).toMatchObject({
      'polyglot-textkit': 'python/core',
      'polyglot-wordservice': 'python/service',
      'polyglot-trainer': 'python/trainer',
    });
    expect(show('polyglot-textkit').metadata).toMatchObject({
      technologies: ['python'],
      fleet: {
        python: {
          distribution: 'polyglot-textkit',
          importPackages: ['textkit'],
          tool: 'setuptools',
          requiresPython: '>=3.9',
        },
      },
    });
  });

  it('infers test, lint and build with the configured interpreter, cwd and precise inputs', () => {
    const { targets } = show('polyglot-textkit');
    expect(Object.keys(targets).sort()).toEqual(['build', 'lint', 'test']); // no typecheck: neither mypy nor pyright configured
    expect(targets.test).toMatchObject({
      executor: 'nx:run-commands',
      options: {
        command: `${py} -m pytest`,
        cwd: 'python/core',
        env: { PYTHONPATH: 'src', PYTHONDONTWRITEBYTECODE: '1' },
      },
      cache: true,
      metadata: {
        technologies: ['python', 'pytest'],
        description: expect.stringContaining('[tool.pytest.ini_options]'),
      },
    });
    expect(targets.test.inputs).toEqual([
      '{projectRoot}/**/*',
      // dependencies' files but their test modules: tests import their test helpers (issue #12 §4)
      '^{projectRoot}/**/!(test_*.py|*_test.py|conftest.py)',
      '{workspaceRoot}/python/conftest.py',
      '{workspaceRoot}/conftest.py',
      { runtime: `${py} --version` },
    ]);
    expect(targets.lint).toMatchObject({
      options: { command: `${py} -m ruff check .` },
      inputs: ['{projectRoot}/**/*', { runtime: `${py} --version` }],
    });
    expect(targets.build).toMatchObject({ options: { command: `${py} -m build` }, outputs: ['{projectRoot}/dist'] });
    expect(targets.build.inputs).toEqual([
      ...PRODUCTION,
      ...PRODUCTION.map((p) => `^${p}`),
      { runtime: `${py} --version` },
    ]);
  });

  it('puts the source roots of declared first-party dependencies on PYTHONPATH', () => {
    expect(show('polyglot-wordservice').targets.test.options).toMatchObject({
      cwd: 'python/service',
      env: { PYTHONPATH: '../core/src' },
    });
  });

  it('merges into a project.json project: keeps its name, tags and hand-written train target', () => {
    const trainer = show('polyglot-trainer');
    expect(trainer.tags).toEqual(['gpu']);
    expect(trainer.targets.train).toMatchObject({
      options: { command: 'python3 -m trainer.train', cwd: 'python/trainer' },
      cache: false,
      metadata: { fleet: { requires: { labels: ['gpu'], gpus: 1 } } },
    });
    expect(trainer.targets.train.inputs).toBeUndefined();
    expect(trainer.targets.test).toMatchObject({ options: { command: `${py} -m pytest` } });
  });

  it('has static edges from imports and declarations, and pypi external nodes', () => {
    const deps = (p: string) => (graph.dependencies[p] ?? []).map((d) => `${d.target}:${d.type}`).sort();
    expect(deps('polyglot-wordservice')).toEqual(['polyglot-textkit:static', 'pypi:pytest:static']);
    expect(deps('polyglot-trainer')).toEqual(['polyglot-textkit:static', 'pypi:pytest:static']);
    expect(deps('polyglot-textkit')).toEqual(['pypi:pytest:static']);
    expect(graph.externalNodes['pypi:pytest']).toEqual({
      type: 'pypi',
      name: 'pypi:pytest',
      data: { version: '>=7', packageName: 'pytest' },
    });
  });

  it('a change to a module of the core library affects the dependents’ tests and builds', () => {
    const file = ['python/core/src/textkit/slug.py'];
    expect(python(affectedTasks(ws, ['test'], file))).toEqual([
      'polyglot-textkit:test',
      'polyglot-trainer:test',
      'polyglot-wordservice:test',
    ]);
    expect(python(affectedTasks(ws, ['build'], file))).toEqual([
      'polyglot-textkit:build',
      'polyglot-trainer:build',
      'polyglot-wordservice:build',
    ]);
  });

  it('a test-only change in the core library affects its own test, not the dependents’ build or test', () => {
    for (const file of ['python/core/tests/test_slug.py', 'python/core/tests/conftest.py']) {
      expect(python(affectedTasks(ws, ['build'], [file])), file).toEqual([]);
      expect(python(affectedTasks(ws, ['test'], [file])), file).toEqual(['polyglot-textkit:test']);
    }
  });

  it('a change outside every Python project affects no Python task', () => {
    for (const file of ['libs/util/src/strings.ts', 'README.md', 'docker/python-service/Dockerfile']) {
      expect(python(affectedTasks(ws, ['test', 'build', 'lint'], [file])), file).toEqual([]);
    }
  });
});
