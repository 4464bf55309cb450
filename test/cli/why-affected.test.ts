import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import type { AffectedResult, WhyResult } from '../../graph/query';

interface GraphJson {
  files: Record<string, { imports: string[]; lines?: Record<string, number> }>;
}

/** examples/polyglot plus a known import cycle inside util and one across util and core. */
const EXTRA = {
  'libs/util/src/cycle-a.ts': "export const a = 1;\nimport { b } from './cycle-b';\nexport const ab = b;\n",
  'libs/util/src/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = a;\n",
};

describe('fleet why and fleet affected on examples/polyglot', () => {
  let ws: TestWorkspace;
  let graph: GraphJson;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot', files: EXTRA });
    const r = ws.fleet(['graph', '--json', '--files', '--lines']);
    expect(r.code, r.stderr).toBe(0);
    graph = JSON.parse(r.stdout) as GraphJson;
  });
  afterAll(() => ws.dispose());

  function whyJson(from: string, to: string): WhyResult {
    const r = ws.fleet(['why', from, to, '--json']);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as WhyResult;
  }

  it('fleet graph --lines gives the line of each import, for TS, Python and Dockerfiles', () => {
    expect(graph.files['libs/util/src/cycle-a.ts'].lines).toEqual({ 'libs/util/src/cycle-b.ts': 2 });
    expect(graph.files['apps/api/src/index.ts'].lines?.['apps/api/src/routes.ts']).toBe(1);
    const py = Object.entries(graph.files).find(([f, n]) => f.endsWith('.py') && n.imports.length > 0);
    expect(py, 'a Python file with imports').toBeDefined();
    for (const t of py![1].imports.filter((t) => !t.endsWith('conftest.py')))
      expect(py![1].lines?.[t]).toBeGreaterThan(0);
    const docker = graph.files['docker/api-image/Dockerfile'];
    for (const t of docker.imports) expect(docker.lines?.[t], t).toBeGreaterThan(0);
  });

  it('fleet why: the known 5-step chain from the api entry to util, with lines, agreeing with the JSON graph', () => {
    const r = whyJson('apps/api/src/index.ts', 'libs/util/src/strings.ts');
    expect(r).toMatchObject({ kind: 'files', found: true });
    expect(r.chain.map((s) => s.from)).toEqual([
      'apps/api/src/index.ts',
      'apps/api/src/routes.ts',
      'libs/core/src/index.ts',
      'libs/core/src/article.ts',
      'libs/util/src/index.ts',
    ]);
    for (const s of r.chain) {
      expect(graph.files[s.from].imports).toContain(s.to);
      expect(s.line).toBe(graph.files[s.from].lines?.[s.to]);
    }
  });

  it('fleet why between projects: the project chain with the import behind each edge', () => {
    const r = whyJson('@polyglot/api', 'util');
    expect(r.kind).toBe('projects');
    expect(r.chain.map((s) => `${s.from}->${s.to}`)).toEqual(['@polyglot/api->core', 'core->util']);
    expect(r.chain[1]).toMatchObject({
      sourceFile: 'libs/core/src/article.ts',
      targetFile: 'libs/util/src/index.ts',
      line: 1,
    });
    const human = ws.fleet(['why', '@polyglot/api', 'util']);
    expect(human.stdout).toContain('libs/core/src/article.ts:1 imports libs/util/src/index.ts');
  });

  it('fleet why through a cycle, and no chain the other way round (exit 1)', () => {
    expect(whyJson('libs/util/src/cycle-b.ts', 'libs/util/src/cycle-b.ts'.replace('b.ts', 'a.ts')).chain).toEqual([
      { from: 'libs/util/src/cycle-b.ts', to: 'libs/util/src/cycle-a.ts', line: 1 },
    ]);
    const none = ws.fleet(['why', 'util', '@polyglot/api', '--json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({ found: false, chain: [] });
  });

  it('unknown files and projects: one diagnostic each, exit 2, nothing on stdout', () => {
    const r = ws.fleet(['why', 'no-such-project', 'libs/util/src/nope.ts']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'fleet: no-such-project: no project of that name and no file of that path in the file graph [FLEET_UNKNOWN_NODE]',
      'fleet: libs/util/src/nope.ts: no project of that name and no file of that path in the file graph [FLEET_UNKNOWN_NODE]',
    ]);
    const near = ws.fleet(['why', 'strings.ts', 'util']);
    expect(near.stderr).toContain('(did you mean libs/util/src/strings.ts?)');
    const a = ws.fleet(['affected', '--files', 'libs/util/src/nope.ts']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(
      /^fleet: libs\/util\/src\/nope\.ts: not a file of the workspace .*\[FLEET_AFFECTED_UNKNOWN_FILE\]\n$/,
    );
    const g = ws.fleet(['affected', '--base', 'no-such-ref']);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/\[FLEET_AFFECTED_GIT_FAILED\]/);
  });

  it('fleet affected --files: files, test files and tasks, each with the chain of imports', () => {
    const r = JSON.parse(
      ws.fleet(['affected', '--files', 'libs/util/src/strings.ts', '--json']).stdout,
    ) as AffectedResult;
    expect(r.testFiles.map((f) => f.file)).toEqual([
      'apps/api/src/routes.spec.ts',
      'libs/core/src/article.spec.ts',
      'libs/util/src/strings.spec.ts',
    ]);
    for (const f of r.files) {
      expect(f.changed).toBe('libs/util/src/strings.ts');
      // Each step is a real import of the JSON graph, from the changed file up to the affected one.
      for (const s of f.chain) expect(graph.files[s.from].imports).toContain(s.to);
    }
    const api = r.projects.find((p) => p.project === 'api-image');
    expect(api).toMatchObject({ byFiles: false, reason: { kind: 'depends', touched: 'util' } });
    expect(r.projects.find((p) => p.project === 'core')).toMatchObject({ byFiles: true });
    expect(r.tasks.map((t) => t.task)).toContain('core:test');
    // The cycle files do not import strings.ts: not affected.
    expect(r.files.map((f) => f.file)).not.toContain('libs/util/src/cycle-a.ts');
  });

  const CHANGES: Record<string, string> = {
    'libs/util/src/strings.ts': '\nexport const touched = 1;\n',
    'python/core/src/textkit/slug.py': '\n# touched\n',
    'docker/base-node/entrypoint.sh': '\n# touched\n',
    'apps/api/src/routes.ts': '\nexport const touched = 1;\n',
  };

  it(`fleet affected --base/--head: the same projects as nx show projects --affected, for ${Object.keys(CHANGES).length} changes`, () => {
    let compared = 0;
    for (const [file, append] of Object.entries(CHANGES)) {
      ws.write(file, ws.read(file) + append);
      ws.commit(`touch ${file}`);
      const nx = JSON.parse(
        ws.nxOk(['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json']),
      ) as string[];
      const ours = JSON.parse(
        ws.fleet(['affected', '--base', 'HEAD~1', '--head', 'HEAD', '--json']).stdout,
      ) as AffectedResult;
      expect(ours.changed).toEqual([file]);
      expect(ours.projects.map((p) => p.project).sort(), file).toEqual([...nx].sort());
      expect(nx.length).toBeGreaterThan(0);
      compared++;
    }
    // Without --head: the working tree and untracked files.
    ws.write('libs/core/src/new-file.ts', "import '../../util/src/strings';\n");
    const tree = JSON.parse(ws.fleet(['affected', '--base', 'HEAD', '--json']).stdout) as AffectedResult;
    expect(tree.changed).toEqual(['libs/core/src/new-file.ts']);
    console.log(`fleet affected vs nx show projects --affected: ${compared} changes compared`);
  });
});
