import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, usePython, type TestWorkspace } from '../rig';

const json = (v: unknown) => JSON.stringify(v, null, 2);
type Shown = {
  name: string;
  root: string;
  metadata?: { technologies?: string[] };
  targets: Record<string, { executor: string; options: Record<string, unknown>; inputs?: unknown[] }>;
};

describe('a folder that is both an npm workspace package and a Python project, on real nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      commit: false,
      files: {
        'package.json': json({ name: 'ws', private: true, workspaces: ['packages/*'] }),
        'nx.json': json({ plugins: ['nx-fleet'] }),
        'packages/mixed/package.json': json({ name: 'mixed', scripts: { test: 'node check.js' } }),
        'packages/mixed/pyproject.toml':
          '[project]\nname = "mixed-py"\n[project.optional-dependencies]\ntest = ["pytest"]\n',
        'packages/mixed/mixed_py/__init__.py': 'VALUE = 1\n',
        'packages/mixed/tests/test_value.py':
          'from mixed_py import VALUE\n\ndef test_value():\n    assert VALUE == 1\n',
      },
    });
    usePython(ws);
    ws.commit('initial');
  });
  afterAll(() => ws?.dispose());

  it('is one project with the user’s script target and the Python targets next to it', () => {
    expect(JSON.parse(ws.nxOk(['show', 'projects', '--json']))).toEqual(['mixed']);
    const mixed = JSON.parse(ws.nxOk(['show', 'project', 'mixed', '--json'])) as Shown;
    expect(mixed.root).toBe('packages/mixed');
    expect(mixed.targets.test).toMatchObject({ executor: 'nx:run-script', options: { script: 'test' } });
    expect(mixed.targets.test.inputs).toBeUndefined();
    expect(mixed.targets['test-python']).toMatchObject({
      executor: 'nx:run-commands',
      options: { cwd: 'packages/mixed', command: expect.stringMatching(/ -m pytest$/) },
    });
    expect(mixed.targets.build).toMatchObject({ options: { command: expect.stringMatching(/ -m build$/) } });
    expect(mixed.metadata?.technologies).toContain('python');
  });

  it('runs the Python tests under the renamed target and caches them', () => {
    expect(ws.nxOk(['run', 'mixed:test-python', '--output-style=static'])).toMatch(/1 passed/);
    expect(ws.nxOk(['run', 'mixed:test-python', '--output-style=static'])).toMatch(
      /local cache|existing outputs match the cache/,
    );
  });
});
