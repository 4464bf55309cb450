import { describe, expect, it } from 'vitest';
import {
  inferPythonProjects,
  memoryPythonFs,
  pythonExternalNodes,
  type InferPythonProjectsOptions,
} from '../../graph/python';

const NAMES = { test: 'test', lint: 'lint', typecheck: 'typecheck', build: 'build' };

function infer(files: Record<string, string>, extra: Partial<InferPythonProjectsOptions> = {}) {
  return inferPythonProjects({
    fs: memoryPythonFs(files),
    configFiles: Object.keys(files),
    existing: [],
    interpreter: 'python3',
    targetNames: NAMES,
    disabledTargets: [],
    workspaceName: 'ws',
    ...extra,
  });
}

describe('inferPythonProjects', () => {
  it('runs uv and Poetry projects through their tool, with the lockfile and interpreter version as inputs', () => {
    const r = infer({
      'uv.lock': 'version = 1\n[[package]]\nname = "requests"\nversion = "2.32.3"\n',
      'pyproject.toml': '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
      'libs/a/pyproject.toml':
        '[project]\nname = "a"\ndependencies = ["requests>=2"]\n[dependency-groups]\ndev = ["pytest", "mypy"]\n[tool.mypy]\nstrict = true\n',
      'libs/a/src/a/__init__.py': '',
      'libs/a/tests/test_a.py': '',
      'apps/p/pyproject.toml': '[tool.poetry]\nname = "p"\n[tool.poetry.dependencies]\npython = "^3.11"\n',
      'apps/p/p/__init__.py': '',
      'apps/p/p/p_test.py': '',
    });
    expect(r.projects.map((p) => [p.root, p.name])).toEqual([
      ['apps/p', 'p'],
      ['libs/a', 'a'],
    ]); // the uv workspace root without [project] is no project
    const a = r.projects.find((p) => p.name === 'a');
    expect(a?.targets.test).toMatchObject({
      command: 'uv run python -m pytest',
      options: { cwd: 'libs/a', env: { PYTHONDONTWRITEBYTECODE: '1' } },
    });
    expect(a?.targets.test.inputs).toContainEqual('{workspaceRoot}/uv.lock');
    expect(a?.targets.test.inputs).toContainEqual({ runtime: 'uv run --project libs/a --no-sync python --version' });
    expect(a?.targets.typecheck?.command).toMatch(/^uv run python -m mypy src --exclude '/);
    expect(a?.targets.typecheck?.inputs.slice(0, 2)).toEqual([
      '{projectRoot}/*',
      '{projectRoot}/**/!(tests|test)/**/!(test_*.py|*_test.py|conftest.py)',
    ]);
    expect(a?.targets.build).toMatchObject({ command: 'uv build', outputs: ['{projectRoot}/dist'] });
    const p = r.projects.find((x) => x.name === 'p');
    expect(p?.targets.test).toMatchObject({ command: 'poetry run python -m unittest discover' });
    expect(p?.targets.build?.command).toBe('poetry build');
    expect(r.externalNodes).toEqual({
      'pypi:requests': { type: 'pypi', name: 'pypi:requests', data: { version: '2.32.3', packageName: 'requests' } },
      'pypi:mypy': expect.any(Object),
      'pypi:pytest': expect.any(Object),
    });
  });

  it('names collisions deterministically and merges into existing projects without overriding their targets', () => {
    const r = infer(
      {
        'libs/core/pyproject.toml': '[project]\nname = "core"\n',
        'libs/core/core/__init__.py': '',
        'py/core/pyproject.toml': '[project]\nname = "core"\n',
        'py/core/core2/__init__.py': '',
        'apps/web/requirements.txt': 'pytest==8.0.0\n',
        'apps/web/main.py': '',
        'apps/web/test_main.py': '',
        'scripts/requirements.txt': 'requests\n', // no Python files: not a project
        'requirements.txt': 'rich\n', // the workspace root needs a distribution to be a project
      },
      {
        existing: [
          { root: 'apps/web', name: 'web', targets: ['test'] },
          { root: 'x', name: 'libs-core', targets: [] },
        ],
      },
    );
    expect(r.projects.map((p) => [p.root, p.name ?? '(merged)', Object.keys(p.targets).sort().join()])).toEqual([
      ['apps/web', '(merged)', 'test-python'],
      ['libs/core', 'core', 'build'],
      ['py/core', 'py-core', 'build'],
    ]);
    expect(r.externalNodes['pypi:pytest'].data.version).toBe('8.0.0');
  });

  it('gives a pyproject that is not valid TOML a located diagnostic and still names the folder', () => {
    const r = infer({ 'svc/pyproject.toml': '[project]\nname = "svc"\nversion =\n', 'svc/app.py': '' });
    expect(r.projects.map((p) => p.name)).toEqual(['svc']);
    expect(r.diagnostics).toEqual([
      {
        file: 'svc/pyproject.toml',
        line: 3,
        code: 'PY_PYPROJECT_INVALID',
        message: expect.stringContaining('not valid TOML'),
      },
    ]);
  });
});

describe('pythonExternalNodes', () => {
  it('names the most used version pypi:<name> and the others pypi:<name>@<version>', () => {
    const project = (root: string, version: string) => ({
      root,
      name: root,
      normalizedName: root,
      tool: 'pip' as const,
      dependencies: [
        { name: 'Requests', normalized: 'requests', specifier: '', declaredIn: `${root}/requirements.txt` },
      ],
      sourceRoots: [root],
      importPackages: [],
      configFiles: [],
      lockedVersions: { requests: version },
    });
    const r = pythonExternalNodes([project('a', '2.0'), project('b', '1.0'), project('c', '2.0')]);
    expect(Object.keys(r.nodes).sort()).toEqual(['pypi:requests', 'pypi:requests@1.0']);
    expect(r.nodes['pypi:requests'].data).toEqual({ version: '2.0', packageName: 'Requests' });
    expect(r.byProject.get('b')?.get('requests')).toBe('pypi:requests@1.0');
  });
});
