import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';

function fleet(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'cli', 'main.js'), ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fleet imports on Python files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-pyimports-'));
    fs.writeFileSync(
      path.join(dir, 'm.py'),
      'import os, a.b as c\nfrom ..pkg import x\ntry:\n    import yaml\nexcept ImportError:\n    yaml = None\nimportlib.import_module("plug.in")\nbad = (\nimport late\n',
    );
    fs.writeFileSync(path.join(dir, 'app.ts'), "import x from './x';\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints { specifier, level, kind, weak, line } per import, the TS shape for TS files, and the syntax error on stderr', () => {
    const r = fleet(dir, ['imports', 'm.py', 'app.ts', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: 'm.py',
        imports: [
          { specifier: 'os', level: 0, kind: 'import', weak: false, line: 1 },
          { specifier: 'a.b', level: 0, kind: 'import', weak: false, line: 1 },
          { specifier: 'pkg', level: 2, kind: 'from', weak: false, line: 2 },
          { specifier: 'yaml', level: 0, kind: 'import', weak: true, line: 4 },
          { specifier: 'plug.in', level: 0, kind: 'string', weak: true, line: 7 },
        ],
      },
      { file: 'app.ts', imports: [{ specifier: './x', kind: 'static', line: 1 }] },
    ]);
    expect(r.stderr).toMatch(/^fleet: m\.py:8: .* \[PY_SYNTAX_ERROR\]$/m);
  });
});

interface GraphJson {
  projects: Record<string, { root: string; languages: string[]; targets: string[] }>;
  files: Record<string, { imports: string[]; external: string[]; unresolved: string[] }>;
  dependencies: { source: string; target: string; type: string; sourceFile?: string }[];
  diagnostics: unknown[];
}

describe('fleet graph with Python projects', () => {
  let ws: TestWorkspace;
  let g: GraphJson;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
    const r = ws.fleet(['graph', '--json', '--files']);
    expect(r.code, r.stderr).toBe(0);
    g = JSON.parse(r.stdout) as GraphJson;
  });
  afterAll(() => ws?.dispose());

  it('lists Python projects with their languages and targets, merged ones included', () => {
    expect(g.projects['polyglot-textkit']).toEqual({
      root: 'python/core',
      languages: ['python'],
      targets: ['build', 'lint', 'test'],
    });
    expect(g.projects['polyglot-trainer']).toEqual({
      root: 'python/trainer',
      languages: ['python'],
      targets: ['build', 'test', 'train'],
    });
    expect(g.diagnostics).toEqual([]);
  });

  it('includes Python files with first-party imports, conftest chains and pypi distributions', () => {
    expect(g.files['python/service/wordservice/api.py']).toEqual({
      imports: ['python/core/src/textkit/__init__.py', 'python/core/src/textkit/counting.py'],
      external: [],
      unresolved: [],
    });
    expect(g.files['python/core/tests/test_counting.py'].imports).toEqual([
      'python/core/src/textkit/__init__.py',
      'python/core/tests/conftest.py',
    ]);
    expect(g.files['python/core/tests/conftest.py'].external).toEqual(['pypi:pytest']);
  });

  it('has the Python edges with their source files, as nx has them', () => {
    const edges = g.dependencies
      .filter((d) => d.source.startsWith('polyglot-'))
      .map((d) => `${d.source}->${d.target} ${d.sourceFile}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'polyglot-wordservice->polyglot-textkit python/service/wordservice/api.py',
        'polyglot-wordservice->polyglot-textkit python/service/requirements-dev.txt',
        'polyglot-trainer->polyglot-textkit python/trainer/requirements.txt',
        'polyglot-trainer->polyglot-textkit python/trainer/trainer/model.py',
      ]),
    );
  });
});
