import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { affectedTasks } from '../inference/task-recorder';

// Issue #12 §2 with real Nx: Dockerfiles that live in an application's folder and are built
// from an ancestor (the monorepo convention). The context comes from the repository's own
// build command, else from where the COPY sources exist; a source found nowhere is a located
// DOCKER_COPY_SOURCE_MISSING and an unresolved entry of the file graph, never dropped.
const json = (v: unknown) => JSON.stringify(v, null, 2);
interface Target {
  command?: string;
  options?: { command?: string };
  inputs?: unknown[];
  metadata?: { fleet?: { context: string; contextRule: string; contextOrigin?: string; missingSources: string[] } };
}
const FILES: Record<string, string> = {
  'package.json': json({ name: 'ctx', private: true }),
  'nx.json': json({ plugins: [{ plugin: 'nx-fleet' }] }),
  'pyproject.toml.txt': 'not a project\n',
  'uv.lock': '# lock\n',
  'libs/shared/events.py': 'EVENTS = []\n',
  'libs/shared/nested/deep.py': 'DEEP = 1\n',
  // built from the root; nothing in the repository says so: the COPY sources do
  'apps/api/Dockerfile': 'FROM python:3.12-slim\nCOPY uv.lock ./\nCOPY libs ./libs\nCOPY apps/api/app ./app\n',
  'apps/api/app/main.py': 'print("api")\n',
  // built from the root by its own project.json command, though its folder has a package.json too
  'apps/web/project.json': json({
    name: 'web',
    targets: { image: { command: 'docker build -f apps/web/Dockerfile -t web:dev .' } },
  }),
  'apps/web/package.json': json({ name: 'web-pkg', private: true }),
  'apps/web/Dockerfile': 'FROM node:22-alpine\nCOPY package.json ./\nCOPY apps/web/server.mjs ./\n',
  'apps/web/server.mjs': 'console.log("web");\n',
  // a source that exists nowhere
  'docker/bad/Dockerfile': 'FROM alpine:3.20\nCOPY run.sh /run.sh\nCOPY no-such-folder /opt/x\n',
  'docker/bad/run.sh': 'echo hi\n',
};

describe('Docker build contexts from an ancestor folder, through real Nx', () => {
  let ws: TestWorkspace;
  let stderr = '';
  const target = (project: string): Target =>
    (JSON.parse(ws.nxOk(['show', 'project', project, '--json'])) as { targets: Record<string, Target> }).targets[
      'docker-build'
    ];
  const inputFiles = (task: string): string[] => {
    const out = JSON.parse(ws.nxOk(['show', 'target', 'inputs', task, '--json'])) as { files?: string[] };
    return out.files ?? [];
  };
  beforeAll(() => {
    ws = createWorkspace({ files: FILES });
    const r = ws.nx(['show', 'projects', '--json']);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('through the COPY sources: the root, so every COPY is an input and the command builds from it', () => {
    const t = target('api');
    expect(t.metadata?.fleet).toMatchObject({ context: '.', contextRule: 'copy-sources', missingSources: [] });
    expect(t.options?.command).toMatch(/ \.$/);
    const files = inputFiles('api:docker-build');
    for (const f of ['uv.lock', 'libs/shared/events.py', 'libs/shared/nested/deep.py', 'apps/api/app/main.py'])
      expect(files).toContain(f);
    expect(affectedTasks(ws, ['docker-build'], ['apps/api/app/main.py'])).toContain('api:docker-build');
  });

  it("through the repository's own project.json command, ahead of the COPY sources", () => {
    const t = target('web');
    expect(t.metadata?.fleet).toMatchObject({
      context: '.',
      contextRule: 'build-command',
      contextOrigin: 'apps/web/project.json (targets.image)',
    });
    const files = inputFiles('web:docker-build');
    expect(files).toContain('package.json');
    expect(files).not.toContain('apps/web/package.json');
    expect(affectedTasks(ws, ['docker-build'], ['package.json'])).toContain('web:docker-build');
  });

  it('a missing source is a located DOCKER_COPY_SOURCE_MISSING and stays unresolved in the file graph', () => {
    expect(stderr).toMatch(/docker\/bad\/Dockerfile:3: .*no-such-folder.*\[DOCKER_COPY_SOURCE_MISSING\]/);
    expect(stderr.match(/DOCKER_COPY_SOURCE_MISSING/g)).toHaveLength(1);
    expect(target('bad').metadata?.fleet).toMatchObject({ context: 'docker/bad', missingSources: ['no-such-folder'] });
    const graph = JSON.parse(ws.fleet(['graph', '--json', '--files']).stdout) as {
      files: Record<string, { imports: string[]; unresolved: string[] }>;
    };
    expect(graph.files['docker/bad/Dockerfile']).toMatchObject({
      imports: ['docker/bad/run.sh'],
      unresolved: ['no-such-folder'],
    });
  });
});
