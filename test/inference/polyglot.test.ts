import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { affectedProjects, affectedTasks, installTaskRecorder, runTasks } from './task-recorder';
import { usePython } from '../python/python-workspace';

interface ShownProject {
  name: string;
  root: string;
  targets: Record<
    string,
    {
      executor?: string;
      options?: Record<string, unknown>;
      inputs?: unknown[];
      outputs?: string[];
      cache?: boolean;
      metadata?: Record<string, unknown>;
    }
  >;
}

describe('examples/polyglot on real nx', () => {
  let ws: TestWorkspace;
  const show = (name: string) => JSON.parse(ws.nxOk(['show', 'project', name, '--json'])) as ShownProject;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
  });
  afterAll(() => ws?.dispose());

  it('lists exactly the inferred projects: no root, nameless or duplicate project', () => {
    expect((JSON.parse(ws.nxOk(['show', 'projects', '--json'])) as string[]).sort()).toEqual([
      '@polyglot/api',
      '@polyglot/format',
      'api-image',
      'base-node',
      'core',
      'polyglot-textkit',
      'polyglot-trainer',
      'polyglot-wordservice',
      'python-service',
      'report-image',
      'util',
    ]);
    ws.nxOk(['graph', '--file=graph.json']);
    const graph = JSON.parse(ws.read('graph.json')) as { graph: { nodes: Record<string, { data: { root: string } }> } };
    const roots = Object.values(graph.graph.nodes)
      .map((n) => n.data.root)
      .sort();
    expect(roots).toEqual([
      'apps/api',
      'docker/api-image',
      'docker/base-node',
      'docker/python-service',
      'docker/report-image',
      'libs/core',
      'libs/util',
      'packages/format',
      'python/core',
      'python/service',
      'python/trainer',
    ]);
  });

  it('gives a tsconfig project typecheck, test and build with inputs, outputs and metadata', () => {
    const util = show('util');
    expect(util.root).toBe('libs/util');
    expect(Object.keys(util.targets).sort()).toEqual(['build', 'test', 'typecheck']);
    expect(util.targets.typecheck).toMatchObject({
      executor: 'nx:run-commands',
      options: { cwd: 'libs/util', command: 'tsc --noEmit -p tsconfig.json' },
      cache: true,
      inputs: expect.arrayContaining(['{projectRoot}/**/*', '{workspaceRoot}/tsconfig.base.json']),
      metadata: { technologies: ['typescript'], description: expect.any(String), help: expect.any(Object) },
    });
    expect(util.targets.build).toMatchObject({
      options: { command: 'tsc -p tsconfig.lib.json' },
      outputs: ['{projectRoot}/dist'],
    });
    expect(util.targets.test).toMatchObject({
      options: { command: 'vitest run' },
      metadata: { technologies: ['vitest'] },
    });
  });

  it('adds targets to the projects Nx core creates and keeps the user’s build script', () => {
    const format = show('@polyglot/format');
    expect(format.root).toBe('packages/format');
    expect(format.targets.build).toMatchObject({ executor: 'nx:run-script', options: { script: 'build' } });
    expect(format.targets.build.inputs).toBeUndefined();
    expect(format.targets.test.metadata).toMatchObject({
      description: expect.stringContaining('devDependencies.vitest'),
    });
    // build: apps/api/tsconfig.app.json emits (docker/api-image copies its output)
    expect(Object.keys(show('@polyglot/api').targets).sort()).toEqual(['build', 'test', 'typecheck']);
  });

  // These need project edges from TS imports (createDependencies), not only package.json ones.
  it('a change to a leaf library file affects exactly it and its dependents', () => {
    const file = ['libs/util/src/strings.ts'];
    expect(affectedProjects(ws, file)).toEqual(['@polyglot/api', 'api-image', 'core', 'util']); // api-image copies the app's build
    expect(affectedTasks(ws, ['typecheck'], file)).toEqual([
      '@polyglot/api:typecheck',
      'core:typecheck',
      'util:typecheck',
    ]);
  });

  it('a change to a test-only file of a library does not affect its dependents’ build or typecheck', () => {
    expect(affectedTasks(ws, ['build', 'typecheck'], ['libs/util/src/strings.spec.ts'])).toEqual(['util:typecheck']);
    // test tooling config is not production either (and not a project-configuration file for Nx)
    expect(affectedTasks(ws, ['build', 'typecheck', 'test'], ['libs/util/vitest.config.ts'])).toEqual([
      'util:test',
      'util:typecheck',
    ]);
  });

  it('runs typecheck and test for real; the second run is all cache hits', () => {
    installTaskRecorder(ws);
    usePython(ws); // this machine's python3 with pytest (see test/python/python-workspace.ts)
    const first = runTasks(ws, ['run-many', '-t', 'typecheck', 'test']);
    expect(Object.keys(first).length).toBe(11); // 8 TS tasks and the 3 Python test tasks
    expect(new Set(Object.values(first))).toEqual(new Set(['run']));
    const second = runTasks(ws, ['run-many', '-t', 'typecheck', 'test']);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    expect(new Set(Object.values(second))).toEqual(new Set(['hit']));
  });
});
