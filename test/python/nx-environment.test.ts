import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, realPython, type TestWorkspace } from '../rig';
import { WORKSPACE_FILES, writeVenv } from './dependency-findings.fixture';

/** Records every task's hash and status (postTasksExecution), so the test compares Nx's own hashes. */
const HASH_RECORDER = `
const fs = require('node:fs');
const path = require('node:path');
exports.name = 'hash-recorder';
exports.postTasksExecution = (_options, ctx) => {
  const out = {};
  for (const [id, r] of Object.entries(ctx.taskResults)) out[id] = { hash: r.task.hash, status: r.status };
  fs.writeFileSync(path.join(ctx.workspaceRoot, '.nx', 'task-hashes.json'), JSON.stringify(out));
};
`;

interface GraphFile {
  nodes: Record<string, unknown>;
  externalNodes: Record<string, unknown>;
  dependencies: Record<string, unknown[]>;
}

/**
 * The same workspace with and without a `.venv` (git-ignored, as everywhere) must give Nx the
 * same project graph, external nodes and task hashes: installed metadata only refines findings.
 * The uv.lock is left out here: without uv on this machine, uv projects' runtime inputs cannot run.
 */
describe('a .venv changes no graph, node or hash on real nx', () => {
  let ws: TestWorkspace;
  const files = Object.fromEntries(
    Object.entries(WORKSPACE_FILES).filter(([f]) => f !== 'uv.lock' && f !== 'pyproject.toml'),
  );
  const snapshot = () => {
    ws.remove('.nx/workspace-data');
    const shown = ws.nx(['show', 'projects']);
    expect(shown.code, shown.stderr).toBe(0);
    const graph = JSON.parse(ws.read('.nx/workspace-data/project-graph.json')) as GraphFile;
    ws.remove('.nx/task-hashes.json');
    ws.nx(['run-many', '-t', 'test,build', '--skip-nx-cache']);
    const hashes = JSON.parse(ws.read('.nx/task-hashes.json')) as Record<string, { hash: string }>;
    return {
      graph,
      hashes: Object.fromEntries(Object.entries(hashes).map(([id, h]) => [id, h.hash])),
      stderr: shown.stderr,
    };
  };
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        ...files,
        'package.json': JSON.stringify({
          name: 'envws',
          private: true,
          devDependencies: { nx: '^24.0.6', 'nx-fleet': '*' },
        }),
        'nx.json': JSON.stringify(
          {
            plugins: [
              { plugin: 'nx-fleet', options: { python: { interpreter: realPython() } } },
              './tools/hash-recorder.js',
            ],
          },
          null,
          2,
        ),
        'tools/hash-recorder.js': HASH_RECORDER,
        '.gitignore': 'node_modules\ndist\n.nx\n.venv\n__pycache__\n',
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('gives identical project graph, external nodes and task hashes, and prints findings as one line', () => {
    const without = snapshot();
    writeVenv(ws.root);
    const withVenv = snapshot();
    expect(Object.keys(without.graph.nodes).sort()).toEqual(['agents', 'app', 'hatchy', 'opaque']);
    expect(withVenv.graph.nodes).toEqual(without.graph.nodes);
    expect(withVenv.graph.externalNodes).toEqual(without.graph.externalNodes);
    expect(withVenv.graph.dependencies).toEqual(without.graph.dependencies);
    expect(Object.keys(without.hashes).length).toBeGreaterThanOrEqual(6);
    expect(withVenv.hashes).toEqual(without.hashes);
    console.log(
      `same with and without .venv: ${Object.keys(without.graph.nodes).length} projects, ${Object.keys(without.graph.externalNodes).length} external nodes, ${Object.keys(without.hashes).length} task hashes`,
    );
    // Findings never flood Nx's output: one count line, pointing at fleet graph --json.
    const findingLines = withVenv.stderr.split('\n').filter((l) => /PY_(UNDECLARED|TRANSITIVE)_DEPENDENCY/.test(l));
    expect(findingLines).toHaveLength(1);
    // ...and the .venv did take part: it corrected one finding (weird_mod is installed by the declared weird-dist).
    const count = (stderr: string) => Number(/nx-fleet: .*?(\d+) PY_UNDECLARED_DEPENDENCY/.exec(stderr)?.[1]);
    expect(count(without.stderr) - count(withVenv.stderr)).toBe(1);
    expect(findingLines[0]).toMatch(
      /^nx-fleet: \d+ Python dependency findings? \(.*\); run `fleet graph --json` to list them$/,
    );
  });
});
