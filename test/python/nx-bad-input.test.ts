import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { createPolyglotWorkspace, projectGraph } from './python-workspace';

const fleetLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('nx-fleet: python/'));

describe('bad Python input on real nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createPolyglotWorkspace({
      // A TOML syntax error on line 3 (a key without a value).
      'python/service/pyproject.toml': '[project]\nname = "polyglot-wordservice"\nversion =\n',
      // A requirements-only project whose module has an unclosed bracket on line 4.
      'python/tools/requirements.txt': '# no third-party packages\n',
      'python/tools/report.py': 'import textkit\nfrom wordservice import handle\n\nVALUES = [1, 2\n',
    });
  });
  afterAll(() => ws?.dispose());

  it('reports both problems with file and line, and builds the rest of the graph', () => {
    ws.remove('.nx/workspace-data');
    const r = ws.nx(['show', 'projects', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const projects = JSON.parse(r.stdout) as string[];
    expect(projects).toEqual(expect.arrayContaining(['polyglot-textkit', 'polyglot-trainer', 'tools', 'core', 'util']));
    // The service is still a project, named after its folder since its name cannot be read.
    expect(projects).toContain('service');
    const lines = fleetLines(r.stderr);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^nx-fleet: python\/service\/pyproject\.toml:3: pyproject\.toml is not valid TOML: .* \[PY_PYPROJECT_INVALID\]$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^nx-fleet: python\/tools\/report\.py:4: .* \[PY_SYNTAX_ERROR\]$/),
    );
    expect(lines.filter((l) => l.includes('PY_PYPROJECT_INVALID'))).toHaveLength(1); // once, by createNodes
  });

  it('keeps the imports before the syntax error as edges', () => {
    const deps = (projectGraph(ws).dependencies.tools ?? []).map((d) => d.target).sort();
    expect(deps).toEqual(['polyglot-textkit', 'service']);
  });
});
