import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { affectedTasks } from '../inference/task-recorder';

// Issue #12 §1: a Python distribution at libs/ (package `shared`) holds a hand-written Nx
// project deeper inside (libs/shared/py/project.json). Nx gives libs/shared/py/* to that
// deeper project, so the application's edge must go there, or its tests miss the file.
const json = (v: unknown) => JSON.stringify(v, null, 2);
const FILES: Record<string, string> = {
  'package.json': json({ name: 'nested', private: true }),
  'nx.json': json({ plugins: [{ plugin: 'nx-fleet' }] }),
  'libs/pyproject.toml':
    '[project]\nname = "shared"\nversion = "0.1.0"\n\n[tool.setuptools]\npackages = ["shared", "shared.py"]\n',
  'libs/shared/__init__.py': '',
  'libs/shared/util.py': 'def shout(s):\n    return s.upper()\n',
  'libs/shared/py/project.json': json({ name: 'shared-py', targets: { noop: { command: 'echo ok' } } }),
  'libs/shared/py/__init__.py': '',
  'libs/shared/py/events.py': 'from shared.util import shout\n\ndef event(name):\n    return shout(name)\n',
  'apps/app/pyproject.toml':
    '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["shared"]\n\n[tool.uv.sources]\nshared = { path = "../../libs" }\n',
  'apps/app/app/__init__.py': '',
  'apps/app/app/main.py': 'from shared.py.events import event\n\ndef run():\n    return event("x")\n',
  'apps/app/tests/test_main.py': 'from app.main import run\n\ndef test_run():\n    assert run() == "X"\n',
};

describe('nested projects: Python edges go to the Nx owner of the imported file', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ files: FILES });
  });
  afterAll(() => ws?.dispose());

  it('the application depends on the hand-written project that owns the imported file', () => {
    ws.nxOk(['show', 'projects']);
    const graph = JSON.parse(ws.read('.nx/workspace-data/project-graph.json')) as {
      dependencies: Record<string, Array<{ target: string }>>;
    };
    expect(graph.dependencies.app.map((d) => d.target)).toContain('shared-py');
    // shared-py's own file imports shared.util, owned by the distribution's project
    expect(graph.dependencies['shared-py'].map((d) => d.target)).toContain('shared');
  });

  it('nx show target inputs lists the nested file, and touching it affects the tests', () => {
    const testTarget = Object.keys(
      (JSON.parse(ws.nxOk(['show', 'project', 'app', '--json'])) as { targets: Record<string, unknown> }).targets,
    ).find((t) => t.startsWith('test'));
    expect(testTarget).toBeDefined();
    const inputs = JSON.parse(ws.nxOk(['show', 'target', 'inputs', `app:${testTarget}`, '--json'])) as
      { files?: string[] } | Record<string, { files?: string[] }>;
    const files =
      'files' in inputs
        ? (inputs.files as string[])
        : Object.values(inputs).flatMap((v) => (v as { files?: string[] }).files ?? []);
    expect(files).toContain('libs/shared/py/events.py');
    expect(files).toContain('libs/shared/util.py');
    expect(affectedTasks(ws, [testTarget as string], ['libs/shared/py/events.py'])).toContain(`app:${testTarget}`);
    expect(affectedTasks(ws, [testTarget as string], ['libs/shared/util.py'])).toContain(`app:${testTarget}`);
  });
});
