import { describe, expect, it } from 'vitest';
import {
  memoryPythonFs,
  readLockfile,
  readPythonProject,
  readRequirementsFile,
  type PythonProjectInfo,
} from '../../graph/python';

const read = (files: Record<string, string>, root = 'p') => readPythonProject({ fs: memoryPythonFs(files), root });
const project = (files: Record<string, string>, root = 'p') => read(files, root).project as PythonProjectInfo;
const deps = (p: PythonProjectInfo) =>
  p.dependencies.map((d) => [d.name, d.normalized, d.specifier, d.group ?? '', d.path ?? '', d.workspace ?? false]);

describe('pyproject.toml', () => {
  it('reads PEP 621 name, requires-python, dependencies and extras', () => {
    const p = project({
      'p/pyproject.toml':
        '[project]\nname = "My_Lib"\nrequires-python = ">=3.10"\ndependencies = ["requests[socks]>=2.0; python_version < \\"3.13\\"", "PyYAML"]\n[project.optional-dependencies]\ntest = ["pytest==8.1.0"]\n',
      'p/src/my_lib/__init__.py': '',
    });
    expect([p.name, p.normalizedName, p.requiresPython, p.tool]).toEqual(['My_Lib', 'my-lib', '>=3.10', 'pip']);
    expect(deps(p)).toEqual([
      ['requests', 'requests', '>=2.0', '', '', false],
      ['PyYAML', 'pyyaml', '', '', '', false],
      ['pytest', 'pytest', '==8.1.0', 'test', '', false],
    ]);
    expect([p.sourceRoots, p.importPackages]).toEqual([['p/src', 'p'], ['my_lib']]);
  });

  it('reads Poetry dependencies, path deps, groups, python and packages with from', () => {
    const p = project({
      'p/pyproject.toml': [
        '[tool.poetry]',
        'name = "svc"',
        'packages = [{ include = "svc_pkg", from = "lib" }]',
        '[tool.poetry.dependencies]',
        'python = "^3.11"',
        'core = { path = "../core", develop = true }',
        'httpx = { version = "^0.27", extras = ["http2"] }',
        '[tool.poetry.group.dev.dependencies]',
        'ruff = "^0.4"',
      ].join('\n'),
    });
    expect([p.name, p.tool, p.requiresPython]).toEqual(['svc', 'poetry', '^3.11']);
    expect(deps(p)).toEqual([
      ['core', 'core', '', '', 'core', false],
      ['httpx', 'httpx', '^0.27', '', '', false],
      ['ruff', 'ruff', '^0.4', 'dev', '', false],
    ]);
    expect([p.sourceRoots, p.importPackages]).toEqual([['p/lib', 'p'], ['svc_pkg']]);
  });

  it('reads uv workspace members and sources', () => {
    const p = project(
      {
        'pyproject.toml':
          '[project]\nname = "root"\ndependencies = ["lib-a", "lib-b"]\n[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/old"]\n[tool.uv.sources]\nlib-a = { workspace = true }\nlib_b = { path = "vendor/lib-b" }\n',
        'uv.lock': 'version = 1\n[[package]]\nname = "lib-a"\nversion = "0.1.0"\n',
      },
      '',
    );
    expect([p.tool, p.workspaceMembers, p.workspaceExclude, p.lockfile, p.lockedVersions]).toEqual([
      'uv',
      ['packages/*'],
      ['packages/old'],
      'uv.lock',
      { 'lib-a': '0.1.0' },
    ]);
    expect(deps(p)).toEqual([
      ['lib-a', 'lib-a', '', '', '', true],
      ['lib-b', 'lib-b', '', '', 'vendor/lib-b', false],
    ]);
  });

  it('reads hatch, setuptools, flit and pdm package settings', () => {
    const hatch = project({
      'p/pyproject.toml':
        '[project]\nname="h"\n[build-system]\nbuild-backend="hatchling.build"\n[tool.hatch.build.targets.wheel]\npackages = ["src/hpkg"]\n',
    });
    expect([hatch.tool, hatch.sourceRoots, hatch.importPackages]).toEqual(['hatch', ['p/src', 'p'], ['hpkg']]);
    const st = project({
      'p/pyproject.toml':
        '[project]\nname="s"\n[tool.setuptools]\npackages = ["spkg", "spkg.sub"]\npackage-dir = {"" = "lib"}\n',
    });
    expect([st.tool, st.sourceRoots, st.importPackages]).toEqual(['setuptools', ['p/lib', 'p'], ['spkg']]);
    const find = project({
      'p/pyproject.toml':
        '[project]\nname="f"\n[tool.setuptools.packages.find]\nwhere = ["code"]\ninclude = ["keep*"]\nexclude = ["keep_not"]\n',
      'p/code/keep_me/__init__.py': '',
      'p/code/keep_not/__init__.py': '',
      'p/code/other/__init__.py': '',
    });
    expect([find.sourceRoots, find.importPackages]).toEqual([['p/code', 'p'], ['keep_me']]);
    const flit = project({
      'p/pyproject.toml':
        '[project]\nname="flit-dist"\n[build-system]\nbuild-backend="flit_core.buildapi"\n[tool.flit.module]\nname = "flitmod"\n',
    });
    expect([flit.tool, flit.importPackages]).toEqual(['flit', ['flitmod']]);
    const pdm = project({
      'p/pyproject.toml':
        '[project]\nname="d"\n[tool.pdm.build]\npackage-dir = "source"\n[tool.pdm.dev-dependencies]\nlint = ["ruff"]\n',
      'p/source/dpkg/__init__.py': '',
    });
    expect([pdm.tool, pdm.importPackages, deps(pdm)]).toEqual([
      'pdm',
      ['dpkg'],
      [['ruff', 'ruff', '', 'lint', '', false]],
    ]);
  });

  it('turns a TOML syntax error into a located diagnostic and still names the project after its folder', () => {
    const r = read(
      {
        'libs/broken/pyproject.toml': '[project]\nname = "x"\ndependencies = [\n  "a",\n  oops\n]\n',
        'libs/broken/broken/__init__.py': '',
      },
      'libs/broken',
    );
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      file: 'libs/broken/pyproject.toml',
      line: 5,
      code: 'PY_PYPROJECT_INVALID',
    });
    expect([r.project?.name, r.project?.importPackages]).toEqual(['broken', ['broken']]);
  });

  it('finds flat-layout packages and modules but not tests, docs or setup.py', () => {
    const p = project({
      'p/pyproject.toml': '',
      'p/pkg/__init__.py': '',
      'p/single.py': '',
      'p/setup.py': '',
      'p/tests/test_a.py': '',
      'p/docs/conf.py': '',
      'p/ns/part/__init__.py': '',
    });
    expect([p.name, p.importPackages, p.sourceRoots]).toEqual(['p', ['ns.part', 'pkg', 'single'], ['p']]);
  });
});

describe('setup.cfg and setup.py', () => {
  it('reads setup.cfg metadata, list packages, package_dir and install_requires', () => {
    const p = project({
      'p/setup.cfg':
        '[metadata]\nname = cfg-dist\n\n[options]\npackages =\n    cfgpkg\n    cfgpkg.sub\npackage_dir =\n    = lib\npython_requires = >=3.9\ninstall_requires =\n    click>=8\n    attrs\n[options.extras_require]\ndocs = sphinx\n',
    });
    expect([p.name, p.requiresPython, p.sourceRoots, p.importPackages]).toEqual([
      'cfg-dist',
      '>=3.9',
      ['p/lib', 'p'],
      ['cfgpkg'],
    ]);
    expect(deps(p).map((d) => [d[0], d[2], d[3]])).toEqual([
      ['click', '>=8', ''],
      ['attrs', '', ''],
      ['sphinx', '', 'docs'],
    ]);
  });

  it('reads literal setup() arguments and find_packages, ignoring computed values', () => {
    const p = project({
      'p/setup.py': [
        'import os',
        'from setuptools import setup, find_packages',
        'VERSION = open("v").read()',
        'setup(',
        '    name="py-dist",',
        '    version=VERSION,',
        "    description='a' 'b',",
        '    package_dir={"": "src"},',
        '    packages=find_packages("src", exclude=["tests*"]),',
        '    install_requires=["numpy>=1.26", os.environ.get("X", "y"), "scipy"],',
        '    python_requires=">=3.8",',
        ')',
      ].join('\n'),
      'p/src/pypkg/__init__.py': '',
      'p/src/tests/__init__.py': '',
    });
    expect([p.name, p.requiresPython, p.sourceRoots, p.importPackages, p.tool]).toEqual([
      'py-dist',
      '>=3.8',
      ['p/src', 'p'],
      ['pypkg'],
      'setuptools',
    ]);
    expect(deps(p).map((d) => d[0])).toEqual(['numpy', 'scipy']);
  });

  it('reads literal packages= lists and package_dir mappings for renamed folders', () => {
    const p = project({
      'p/setup.py': 'setup(name="m", packages=["mapped"], package_dir={"mapped": "impl/code"})',
      'p/impl/code/__init__.py': '',
    });
    expect([p.importPackages, p.packageDirs]).toEqual([['mapped'], { mapped: 'p/impl/code' }]);
  });
});

describe('requirements files and lockfiles', () => {
  it('follows -r includes, reads markers, extras, pins, editable paths and constraints', () => {
    const fs = memoryPythonFs({
      'p/requirements.txt':
        '# main\n-r requirements-base.txt\n-c constraints.txt\nrequests[security]==2.31.0 ; python_version >= "3.8"\nflask>=2 \\\n  ,<4\n-e ../shared\n--index-url https://example.invalid/simple\n-r missing.txt\n',
      'p/requirements-base.txt': 'six==1.16.0\n',
      'p/constraints.txt': 'urllib3==2.2.1\n',
    });
    const r = readRequirementsFile(fs, 'p/requirements.txt');
    expect(r.dependencies.map((d) => [d.name, d.specifier, d.path ?? '', d.declaredIn])).toEqual([
      ['six', '==1.16.0', '', 'p/requirements-base.txt'],
      ['requests', '==2.31.0', '', 'p/requirements.txt'],
      ['flask', '>=2,<4', '', 'p/requirements.txt'],
      ['shared', '', 'shared', 'p/requirements.txt'],
    ]);
    expect(Object.fromEntries(r.pins)).toEqual({ six: '1.16.0', urllib3: '2.2.1', requests: '2.31.0' });
    expect(r.diagnostics).toEqual([
      {
        file: 'p/requirements.txt',
        line: 9,
        code: 'PY_REQUIREMENTS_MISSING',
        message: 'includes missing.txt, which does not exist',
      },
    ]);
  });

  it('makes a requirements-only folder a pip project, grouping requirements-dev.txt', () => {
    const p = project(
      {
        'tools/x/requirements.txt': 'rich==13.7.1\n',
        'tools/x/requirements-dev.txt': 'pytest\n',
        'tools/x/run.py': '',
      },
      'tools/x',
    );
    expect([p.name, p.tool, p.importPackages, p.lockedVersions]).toEqual(['x', 'pip', ['run'], { rich: '13.7.1' }]);
    expect(deps(p).map((d) => [d[0], d[3]])).toEqual([
      ['pytest', 'dev'],
      ['rich', ''],
    ]);
  });

  it('reads poetry.lock and reports a broken lockfile with its line', () => {
    expect(readLockfile('[[package]]\nname = "Foo_Bar"\nversion = "1.2"\n', 'poetry.lock')).toEqual({
      versions: { 'foo-bar': '1.2' },
      graph: { 'foo-bar': { dependencies: [], extras: {} } },
      diagnostics: [],
    });
    const bad = readLockfile('[[package]]\nname = \n', 'uv.lock');
    expect(bad.diagnostics[0]).toMatchObject({ file: 'uv.lock', line: 2, code: 'PY_LOCKFILE_INVALID' });
  });

  it('returns no project for a folder without Python config', () => {
    expect(read({ 'p/README.md': '' })).toEqual({ diagnostics: [] });
  });
});
