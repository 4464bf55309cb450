import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPythonGraph,
  memoryPythonFs,
  readPythonProject,
  nodePythonEnvironments,
  nodePythonFs,
  readInstalledDistributions,
  summarizeDependencyFindings,
  venvSitePackages,
  type PythonGraph,
} from '../../graph/python';
import { validateOptions } from '../../config';
import { WORKSPACE_FILES, writeVenv } from './dependency-findings.fixture';

const APP = 'packages/app/src/app/main.py';

/** `file:line CODE message` of the findings (syntax problems have none here). */
const lines = (g: PythonGraph) => g.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).sort();

describe('Python dependency findings on a uv workspace with real files', () => {
  let root: string;
  let site: string;
  let withEnv: PythonGraph;
  let withoutEnv: PythonGraph;
  const build = (env: boolean) => {
    const files = Object.keys(WORKSPACE_FILES).sort();
    return buildPythonGraph({
      fs: nodePythonFs(root),
      files,
      workspaceName: 'ws',
      environment: env ? nodePythonEnvironments(root, 'python3-does-not-exist') : undefined,
      workspaceRoot: root,
    });
  };
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-findings-')));
    for (const [rel, text] of Object.entries(WORKSPACE_FILES)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    withoutEnv = build(false);
    site = writeVenv(root);
    withEnv = build(true);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives exactly the right findings with the environment: one true undeclared import, transitive ones as info, one dynamic note elsewhere', () => {
    expect(lines(withEnv)).toEqual([
      `${APP}:12 PY_TRANSITIVE_DEPENDENCY imports dns.resolver, which comes only through another dependency (distribution dnspython); declare it to depend on it directly`,
      `${APP}:16 PY_UNDECLARED_DEPENDENCY imports notdeclared_pkg but does not declare it (distribution notdeclared-pkg)`,
      // google-auth comes with the declared google-api-python-client (uv.lock): true, and only info.
      `${APP}:9 PY_TRANSITIVE_DEPENDENCY imports google.auth, which comes only through another dependency (distribution google-auth); declare it to depend on it directly`,
      'packages/hatchy/src/hatchy/__init__.py:2 PY_TRANSITIVE_DEPENDENCY imports typing_extensions, which comes only through another dependency (distribution typing-extensions); declare it to depend on it directly',
      'packages/hatchy/src/hatchy/__init__.py:4 PY_TRANSITIVE_DEPENDENCY imports anyio, which comes only through another dependency (distribution anyio); declare it to depend on it directly',
    ]);
  });

  it('without the environment adds only the finding installed metadata corrects (weird_mod comes from weird-dist)', () => {
    const extra = lines(withoutEnv).filter((l) => !lines(withEnv).includes(l));
    expect(extra).toEqual([
      `${APP}:13 PY_UNDECLARED_DEPENDENCY imports weird_mod but does not declare it (distribution weird-mod)`,
    ]);
    expect(lines(withEnv).filter((l) => !lines(withoutEnv).includes(l))).toEqual([]);
  });

  it('has the same projects, external nodes, edges and file dependencies with and without the environment', () => {
    const shape = (g: PythonGraph) =>
      JSON.stringify({
        projects: g.projects,
        external: g.external.nodes,
        projectEdges: g.projectEdges,
        externalEdges: g.externalEdges,
        files: Object.fromEntries(
          Object.entries(g.files).map(([f, a]) => [
            f,
            { files: a.dependencies.files, external: a.dependencies.external, edges: a.dependencies.projectEdges },
          ]),
        ),
      });
    expect(shape(withEnv)).toBe(shape(withoutEnv));
    console.log(
      `same graph with and without .venv: ${Object.keys(withEnv.files).length} files, ${withEnv.projectEdges.length} project edges, ${withEnv.externalEdges.length} external edges compared`,
    );
  });

  it('gives a script its sibling module as a file edge (Python puts the script folder first on sys.path)', () => {
    expect(withEnv.files['packages/app/scripts/run.py'].dependencies.files).toEqual([
      'packages/app/scripts/_common.py',
    ]);
    expect(withEnv.files['packages/app/scripts/run.py'].dependencies.external).toEqual([]);
  });

  it("resolves `tests.utils` to the importer's own project, not as ambiguous", () => {
    expect(withEnv.files['packages/app/tests/test_main.py'].dependencies.files).toEqual([
      'packages/app/tests/utils.py',
    ]);
    expect(withEnv.files['packages/agents/tests/test_agents.py'].dependencies.files).toEqual([
      'packages/agents/tests/utils.py',
    ]);
    expect(withEnv.diagnostics.filter((d) => d.code === 'PY_AMBIGUOUS_MODULE')).toEqual([]);
  });

  it('never emits a private or typing-only name as a distribution', () => {
    const external = Object.values(withEnv.files).flatMap((f) => f.dependencies.external);
    expect(external.filter((d) => !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(d))).toEqual([]);
    expect(external).not.toContain('-typeshed');
    expect(external).not.toContain('-speedups');
    expect(withEnv.files[APP].dependencies.external).toContain('livekit-api');
  });

  it('links the workspace member required with extras and the declared distributions, edges through the built-in table', () => {
    const app = withEnv.externalEdges
      .filter((e) => e.sourceFile === APP)
      .map((e) => e.target)
      .sort();
    // No edge to pypi:weird-dist: only the .venv knows weird_mod comes from it, and edges never depend on a .venv.
    expect(app).toEqual(['pypi:google-api-python-client', 'pypi:livekit-api', 'pypi:pymongo', 'pypi:uuid7']);
    expect(withEnv.projectEdges).toContainEqual({
      source: 'packages/app',
      target: 'packages/agents',
      sourceFile: APP,
      reason: 'import',
    });
  });

  it('reads RECORD the way importlib.metadata.packages_distributions() does (the real interpreter as oracle)', () => {
    // -I -S: only the standard library on sys.path, then the test's site-packages.
    const script =
      'import sys, json; sys.path.append(sys.argv[1]); import importlib.metadata as m; print(json.dumps(m.packages_distributions()))';
    const r = spawnSync('python3', ['-I', '-S', '-c', script, site], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as Record<string, string[]>;
    const norm = (names: string[]) => [...new Set(names.map((n) => n.toLowerCase().replace(/[-_.]+/g, '-')))].sort();
    const ours = Object.fromEntries(readInstalledDistributions([site]).topLevel());
    expect(ours).toEqual(Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, norm(v)])));
    console.log(
      `packages_distributions() agreement on the test site-packages: ${Object.keys(theirs).length} top-level names`,
    );
  });

  it("agrees with packages_distributions() on this machine's own site-packages, for distributions without top_level.txt", () => {
    const script = [
      'import sys, json, site, importlib.metadata as m',
      'out = {}',
      'for d in m.distributions():',
      '    if d.read_text("top_level.txt") is None and d.files is not None:',
      '        for f in d.files:',
      '            if f.suffix == ".py": out.setdefault(f.parts[0] if len(f.parts) > 1 else f.with_suffix("").name, set()).add(d.metadata["Name"])',
      'print(json.dumps({"site": site.getsitepackages(), "map": {k: sorted(v) for k, v in out.items()}}))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { site: dirs, map } = JSON.parse(r.stdout) as { site: string[]; map: Record<string, string[]> };
    const ours = readInstalledDistributions(dirs).topLevel();
    let checked = 0;
    for (const [top, dists] of Object.entries(map)) {
      for (const d of dists) {
        expect(ours.get(top), `${top} of ${d}`).toContain(d.toLowerCase().replace(/[-_.]+/g, '-'));
        checked++;
      }
    }
    console.log(
      `packages_distributions() agreement on the interpreter's site-packages: ${checked} (top-level name, distribution) pairs checked`,
    );
  });

  it('maps namespace parts to their own distributions and uv editable members to workspace folders', () => {
    const installed = readInstalledDistributions(venvSitePackages(join(root, '.venv')));
    expect(installed.providers('google.protobuf.message')).toEqual(['protobuf']);
    expect(installed.providers('google.auth.transport')).toEqual(['google-auth']);
    expect(installed.providers('bson.objectid')).toEqual(['pymongo']);
    expect(installed.providers('app')).toEqual(['app']);
    expect(installed.editable.get('agents')).toBe(join(root, 'packages/agents'));
  });

  it('notes unreadable dynamic dependencies once, located, and reads Hatch hook tables and computed setup.py as such', () => {
    const opaque = readPythonProject({ fs: nodePythonFs(root), root: 'packages/opaque' });
    expect(opaque.diagnostics).toEqual([
      {
        file: 'packages/opaque/pyproject.toml',
        line: 7,
        code: 'PY_DYNAMIC_DEPENDENCIES',
        message:
          'opaque: dependencies are dynamic and no table of the build backend lists them; no undeclared-dependency findings for this project',
      },
    ]);
    const hatchy = readPythonProject({ fs: nodePythonFs(root), root: 'packages/hatchy' });
    expect(hatchy.diagnostics).toEqual([]);
    expect(hatchy.project?.dependencies.map((d) => `${d.normalized}${d.group ? `[${d.group}]` : ''}`)).toEqual([
      'pydantic',
      'httpx[http]',
    ]);
    const fs = memoryPythonFs({
      'p/setup.py':
        'from setuptools import setup\nreqs = open("r.txt").read().split()\nsetup(\n    name="p",\n    install_requires=reqs,\n)\n',
      'p/p.py': 'import numpy\n',
    });
    const computed = readPythonProject({ fs, root: 'p' });
    expect(computed.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual([
      'p/setup.py:5 PY_DYNAMIC_DEPENDENCIES',
    ]);
    const g = buildPythonGraph({ fs, files: ['p/setup.py', 'p/p.py'] });
    expect(g.diagnostics).toEqual([]);
  });

  it('takes python.moduleMapping (distribution → import names) into edges and findings', () => {
    const fs = memoryPythonFs({
      'p/pyproject.toml': '[project]\nname = "p"\ndependencies = ["acme-sdk"]\n',
      'p/p/__init__.py': 'import acmesdk\nimport other_thing\n',
    });
    const files = ['p/pyproject.toml', 'p/p/__init__.py'];
    const plain = buildPythonGraph({ fs, files });
    expect(plain.diagnostics.map((d) => d.message)).toEqual([
      'imports acmesdk but does not declare it (distribution acmesdk)',
      'imports other_thing but does not declare it (distribution other-thing)',
    ]);
    const mapped = buildPythonGraph({ fs, files, moduleMapping: { 'Acme.SDK': ['acmesdk'] } });
    expect(mapped.diagnostics.map((d) => d.message)).toEqual([
      'imports other_thing but does not declare it (distribution other-thing)',
    ]);
    expect(mapped.externalEdges).toContainEqual({
      source: 'p',
      target: 'pypi:acme-sdk',
      sourceFile: 'p/p/__init__.py',
    });
  });

  it('validates python.moduleMapping with located messages', () => {
    expect(
      validateOptions({ python: { moduleMapping: { pymongo: ['bson', 'gridfs'], 'google-genai': ['google.genai'] } } }),
    ).toEqual([]);
    expect(validateOptions({ python: { moduleMapping: { pymongo: ['bson-x'], ok: 'bson' } } })).toEqual([
      {
        option: 'python.moduleMapping.pymongo.0',
        message: 'must match pattern "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$" (got "bson-x")',
      },
      { option: 'python.moduleMapping.ok', message: 'must be array (got "bson")' },
    ]);
  });

  it('puts the findings in one summary line for Nx, keeping real problems one per line', () => {
    const { problems, summary } = summarizeDependencyFindings([
      ...withEnv.diagnostics,
      { file: 'x.py', line: 1, code: 'PY_SYNTAX_ERROR', message: 'bad' },
    ]);
    expect(problems.map((d) => d.code)).toEqual(['PY_SYNTAX_ERROR']);
    expect(summary).toBe(
      '5 Python dependency findings (4 PY_TRANSITIVE_DEPENDENCY, 1 PY_UNDECLARED_DEPENDENCY); run `fleet graph --json` to list them',
    );
  });
});
