import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

// A Dockerfile inside a Python project belongs to that project (Docker inference runs after
// Python inference and sees its projects), and a COPY of another Python project's sources
// makes an edge to it.
describe('Dockerfiles and Python projects on real nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': JSON.stringify({ name: 'py-docker', private: true }),
        'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { docker: { context: '.' } } }] }),
        'py/lib/pyproject.toml': '[project]\nname = "acme-lib"\nversion = "1.0"\n',
        'py/lib/acme_lib/__init__.py': 'VALUE = 1\n',
        'py/svc/pyproject.toml': '[project]\nname = "acme-svc"\nversion = "1.0"\ndependencies = ["acme-lib"]\n',
        'py/svc/acme_svc/__init__.py': 'from acme_lib import VALUE\n',
        'py/svc/Dockerfile':
          'FROM python:3.12-slim\nCOPY py/lib /app/lib\nCOPY py/svc /app/svc\nCMD ["python", "-m", "acme_svc"]\n',
      },
    });
  });
  afterAll(() => ws.dispose());

  it('adds docker-build to the Python project instead of creating a second project', () => {
    const projects = JSON.parse(ws.nxOk(['show', 'projects', '--json'])) as string[];
    expect(projects.sort()).toEqual(['acme-lib', 'acme-svc']);
    const svc = JSON.parse(ws.nxOk(['show', 'project', 'acme-svc', '--json'])) as { targets: Record<string, unknown> };
    expect(Object.keys(svc.targets)).toEqual(expect.arrayContaining(['build', 'docker-build', 'docker-push']));
  });

  it('gives the image an edge to the Python project it copies', () => {
    ws.nxOk(['graph', '--file=g.json']);
    const g = JSON.parse(ws.read('g.json')) as {
      graph: { dependencies: Record<string, { target: string; sourceFile?: string }[]> };
    };
    expect(g.graph.dependencies['acme-svc'].map((d) => d.target)).toContain('acme-lib');
  });
});
