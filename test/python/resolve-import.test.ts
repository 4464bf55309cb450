import { describe, expect, it } from 'vitest';
import {
  buildModuleOwnership,
  declaredDistribution,
  extractImports,
  isStdlibModule,
  MODULE_DISTRIBUTIONS,
  resolveFileImports,
  resolveImport,
  updateModuleOwnership,
  type PythonDependency,
  type PythonProjectInfo,
} from '../../graph/python';

function proj(root: string, deps: string[] = [], extra: Partial<PythonProjectInfo> = {}): PythonProjectInfo {
  const dependencies: PythonDependency[] = deps.map((name) => ({
    name,
    normalized: name,
    specifier: '',
    declaredIn: `${root}/pyproject.toml`,
  }));
  return {
    root,
    name: root,
    normalizedName: root,
    tool: 'pip',
    dependencies,
    sourceRoots: [`${root}/src`, root],
    importPackages: [],
    configFiles: [],
    lockedVersions: {},
    ...extra,
  };
}

const imp = (src: string) => extractImports(src, 'x.py').imports[0];

describe('resolveImport', () => {
  it('ignores the standard library across versions, including removed and added modules', () => {
    for (const m of [
      'os.path',
      'distutils.core',
      'imp',
      'asynchat',
      'asyncore',
      'smtpd',
      'cgi',
      'telnetlib',
      'tomllib',
      'formatter',
      '__future__',
    ])
      expect(isStdlibModule(m)).toBe(true);
    for (const m of ['requests', 'yaml', 'test_helpers']) expect(isStdlibModule(m)).toBe(false);
    const o = buildModuleOwnership(['a/src/pkg/m.py'], [proj('a')]);
    expect(resolveImport(o, 'a/src/pkg/m.py', imp('import json.decoder'))).toEqual({
      kind: 'stdlib',
      module: 'json.decoder',
    });
  });

  it('maps import names to distributions through the table and PEP 503 normalisation', () => {
    expect(Object.keys(MODULE_DISTRIBUTIONS).length).toBeGreaterThanOrEqual(40);
    const declared = new Set([
      'pyyaml',
      'pillow',
      'scikit-learn',
      'opencv-python-headless',
      'protobuf',
      'beautifulsoup4',
      'python-dateutil',
      'attrs',
      'pyjwt',
      'pycryptodome',
      'python-dotenv',
      'typing-extensions',
      'ruamel-yaml',
      'google-cloud-storage',
      'python-foo',
    ]);
    const cases: Array<[string, string | undefined]> = [
      ['yaml', 'pyyaml'],
      ['PIL.Image', 'pillow'],
      ['sklearn.linear_model', 'scikit-learn'],
      ['cv2', 'opencv-python-headless'],
      ['google.protobuf.message', 'protobuf'],
      ['bs4', 'beautifulsoup4'],
      ['dateutil.parser', 'python-dateutil'],
      ['attr', 'attrs'],
      ['jwt', 'pyjwt'],
      ['Crypto.Cipher', 'pycryptodome'],
      ['dotenv', 'python-dotenv'],
      ['typing_extensions', 'typing-extensions'],
      ['ruamel.yaml', 'ruamel-yaml'],
      ['google.cloud.storage', 'google-cloud-storage'],
      ['foo', 'python-foo'],
      ['numpy', undefined],
    ];
    for (const [module, dist] of cases)
      expect([module, declaredDistribution(module, declared)]).toEqual([module, dist]);
  });

  it('lets a .pyi stub and its implementation in different projects both own a module', () => {
    const o = buildModuleOwnership(
      ['impl/src/lib/__init__.py', 'stubs/src/lib/__init__.pyi', 'app/src/app/main.py'],
      [proj('impl'), proj('stubs'), proj('app')],
    );
    const r = resolveImport(o, 'app/src/app/main.py', imp('import lib'));
    expect(r).toEqual({
      kind: 'first-party',
      module: 'lib',
      targets: [
        { file: 'impl/src/lib/__init__.py', project: 'impl' },
        { file: 'stubs/src/lib/__init__.pyi', project: 'stubs' },
      ],
    });
  });

  it('prefers the submodule for `from a import b`, else the module itself', () => {
    const o = buildModuleOwnership(['a/src/pkg/__init__.py', 'a/src/pkg/sub.py', 'a/src/pkg/main.py'], [proj('a')]);
    const sub = resolveImport(o, 'a/src/pkg/main.py', imp('from pkg import sub'));
    expect(sub).toMatchObject({ kind: 'first-party', targets: [{ file: 'a/src/pkg/sub.py' }] });
    const attr = resolveImport(o, 'a/src/pkg/main.py', imp('from pkg import CONSTANT'));
    expect(attr).toMatchObject({ kind: 'first-party', targets: [{ file: 'a/src/pkg/__init__.py' }] });
    const both = resolveImport(o, 'a/src/pkg/main.py', imp('from . import sub, CONSTANT'));
    expect(both).toMatchObject({
      kind: 'first-party',
      targets: [{ file: 'a/src/pkg/sub.py' }, { file: 'a/src/pkg/__init__.py' }],
    });
  });

  it('refuses relative imports beyond the top-level package, with a diagnostic unless weak', () => {
    const o = buildModuleOwnership(['a/src/pkg/mod.py'], [proj('a')]);
    const deps = resolveFileImports(
      o,
      'a/src/pkg/mod.py',
      extractImports('from ... import x\ntry:\n    from .. import y\nexcept ImportError:\n    pass', 'a/src/pkg/mod.py')
        .imports,
    );
    expect(deps.resolutions.map((r) => r.resolution.kind)).toEqual(['unresolved', 'unresolved']);
    expect(deps.diagnostics).toEqual([
      {
        file: 'a/src/pkg/mod.py',
        line: 1,
        code: 'PY_UNRESOLVED_IMPORT',
        message: 'cannot resolve ...: relative import beyond the top-level package',
      },
    ]);
  });

  it('never reports weak imports as undeclared, and names the distribution otherwise', () => {
    const o = buildModuleOwnership(['a/src/pkg/mod.py'], [proj('a', ['requests'])]);
    const src =
      'import requests\nimport cv2\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\nx = __import__("orjson")\nimport cv2.aruco';
    const deps = resolveFileImports(o, 'a/src/pkg/mod.py', extractImports(src, 'a/src/pkg/mod.py').imports);
    expect(deps.external).toEqual(['opencv-python', 'orjson', 'requests', 'ujson']);
    expect(deps.diagnostics.map((d) => `${d.line} ${d.code} ${d.message}`)).toEqual([
      '2 PY_UNDECLARED_DEPENDENCY imports cv2 but does not declare it (distribution opencv-python)',
    ]);
  });

  it('keeps ownership current when files are added and removed', () => {
    const o = buildModuleOwnership(['a/src/pkg/__init__.py'], [proj('a'), proj('b')]);
    const file = 'b/src/app.py';
    expect(resolveImport(o, file, imp('import pkg.extra'))).toMatchObject({
      targets: [{ file: 'a/src/pkg/__init__.py' }],
    });
    updateModuleOwnership(o, { added: ['a/src/pkg/extra.py'] });
    expect(resolveImport(o, file, imp('import pkg.extra'))).toMatchObject({
      targets: [{ file: 'a/src/pkg/extra.py' }],
    });
    updateModuleOwnership(o, { removed: ['a/src/pkg/extra.py', 'a/src/pkg/__init__.py'] });
    expect(resolveImport(o, file, imp('import pkg.extra'))).toMatchObject({
      kind: 'third-party',
      distribution: 'pkg',
      declared: false,
    });
  });
});
