import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { createWorkspace, type TestWorkspace } from '../rig';

interface GraphJson {
  projects: Record<string, { root: string; languages: string[]; targets: string[] }>;
  files?: Record<string, { imports: string[]; external: string[]; unresolved: string[] }>;
  dependencies: { source: string; target: string; type: string; sourceFile?: string }[];
  diagnostics: { file: string; line?: number; code: string; message: string }[];
}

function graphJson(ws: TestWorkspace, args: string[] = []): GraphJson {
  const r = ws.fleet(['graph', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as GraphJson;
}

describe('fleet graph on examples/polyglot', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
  });
  afterAll(() => ws.dispose());

  it('prints the documented shape with projects, files, dependencies and no diagnostics', () => {
    const g = graphJson(ws, ['--files']);
    expect(Object.keys(g)).toEqual(['projects', 'files', 'dependencies', 'diagnostics']);
    expect(g.projects.util).toMatchObject({ root: 'libs/util', languages: ['typescript'] });
    expect(g.projects.util.targets).toEqual(expect.arrayContaining(['typecheck', 'test']));
    expect(g.files?.['libs/core/src/article.ts'].imports).toContain('libs/util/src/index.ts');
    expect(g.diagnostics).toEqual([]);
    for (const d of g.dependencies) expect(d.sourceFile, JSON.stringify(d)).toBeTruthy();
  });

  it('leaves files out without --files', () => {
    expect(graphJson(ws).files).toBeUndefined();
  });

  it('agrees with real nx: the same projects and the same project edges (TS, Python and Docker)', () => {
    const g = graphJson(ws);
    ws.nxOk(['graph', '--file=nx-graph.json']);
    const nx = JSON.parse(fs.readFileSync(ws.path('nx-graph.json'), 'utf8')) as {
      graph: { nodes: Record<string, unknown>; dependencies: Record<string, { source: string; target: string }[]> };
    };
    expect(Object.keys(g.projects).sort()).toEqual(Object.keys(nx.graph.nodes).sort());
    const nxEdges = Object.values(nx.graph.dependencies)
      .flat()
      .filter((d) => !d.target.startsWith('npm:') && !d.target.startsWith('pypi:'))
      .map((d) => `${d.source}->${d.target}`);
    const ours = g.dependencies.map((d) => `${d.source}->${d.target}`);
    expect([...new Set(ours)].sort()).toEqual([...new Set(nxEdges)].sort());
    // Every language contributes: a TS edge, a Python edge and Docker edges (COPY of a build output, FROM a workspace image).
    expect(ours).toEqual(
      expect.arrayContaining([
        'core->util',
        'polyglot-wordservice->polyglot-textkit',
        'api-image->@polyglot/api',
        'report-image->base-node',
      ]),
    );
  });

  it('lists a Dockerfile with the context files it copies and its base image', () => {
    const g = graphJson(ws, ['--files']);
    expect(g.files?.['docker/base-node/Dockerfile']).toEqual({
      imports: ['docker/base-node/entrypoint.sh'],
      external: ['image:docker.io/library/node:20-alpine'],
      unresolved: [],
    });
  });
});

describe('fleet graph with bad input', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
    // A tsconfig with a syntax error on line 3 and a source file that does not parse.
    ws.write(
      'libs/core/tsconfig.json',
      '{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src/**/*.ts",, }\n',
    );
    ws.write('libs/util/src/broken.ts', "import { a } from './strings';\nexport const x = {{{ ;\nimport('./index');\n");
  });
  afterAll(() => ws.dispose());

  it('gives one diagnostic per bad file, with its line, and still builds the rest', () => {
    const g = graphJson(ws, ['--files']);
    const byFile = new Map<string, GraphJson['diagnostics']>();
    for (const d of g.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
    expect(byFile.get('libs/core/tsconfig.json')?.length, JSON.stringify(g.diagnostics)).toBe(1);
    expect(byFile.get('libs/core/tsconfig.json')?.[0].line).toBe(3);
    expect(byFile.get('libs/util/src/broken.ts')?.length, JSON.stringify(g.diagnostics)).toBe(1);
    // The rest of the graph is intact: other projects and edges are still there.
    expect(Object.keys(g.projects)).toEqual(expect.arrayContaining(['util', '@polyglot/api']));
    expect(g.dependencies.map((d) => `${d.source}->${d.target}`)).toContain('@polyglot/api->@polyglot/format');
    // The imports before the syntax error are still found.
    expect(g.files?.['libs/util/src/broken.ts'].imports).toContain('libs/util/src/strings.ts');
  });
});
