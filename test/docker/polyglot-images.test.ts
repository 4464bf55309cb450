import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { installFakeDocker, type FakeDocker } from './support/fake-docker';
import { installHashRecorder, runRecorded } from './support/hash-recorder';

interface GraphJson {
  graph: {
    nodes: Record<string, { data: { root: string } }>;
    dependencies: Record<string, Array<{ target: string; type: string }>>;
  };
}

const API_BUILD_OUTPUT = 'apps/api/dist/apps/api/src/index.js';

describe('examples/polyglot/docker on real nx with a fake docker', () => {
  let ws: TestWorkspace;
  let docker: FakeDocker;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
    docker = installFakeDocker(ws, [API_BUILD_OUTPUT]);
    installHashRecorder(ws);
  });
  afterAll(() => ws?.dispose());

  it('makes each loose Dockerfile folder a named project and adds no nameless one', () => {
    const projects = (JSON.parse(ws.nxOk(['show', 'projects', '--json'])) as string[]).sort();
    expect(projects).toEqual([
      '@polyglot/api',
      '@polyglot/format',
      'api-image',
      'base-node',
      'core',
      'polyglot-textkit',
      'polyglot-trainer',
      'polyglot-wordservice',
      'python-service',
      'report-image',
      'util',
    ]);
    ws.nxOk(['graph', '--file=graph.json']);
    const graph = JSON.parse(ws.read('graph.json')) as GraphJson;
    expect(graph.graph.nodes['api-image'].data.root).toBe('docker/api-image');
  });

  it('has static edges from the Dockerfiles: to the copied app and to the base image project', () => {
    ws.nxOk(['graph', '--file=graph.json']);
    const deps = (JSON.parse(ws.read('graph.json')) as GraphJson).graph.dependencies;
    expect(deps['api-image']).toEqual([{ source: 'api-image', target: '@polyglot/api', type: 'static' }]);
    expect(deps['report-image']).toEqual([{ source: 'report-image', target: 'base-node', type: 'static' }]);
    expect(deps['base-node']).toEqual([]);
  });

  it('nx run api-image:docker-build builds the TS app first, then calls docker with the right arguments', () => {
    docker.reset();
    const tasks = runRecorded(ws, ['run', 'api-image:docker-build', '--output-style=static'], docker.env());
    // The app's build (and, through its own ^build, its libraries' builds), then the image.
    expect(Object.keys(tasks).sort()).toEqual([
      '@polyglot/api:build',
      '@polyglot/format:build',
      'api-image:docker-build',
      'util:build',
    ]);
    expect(tasks['@polyglot/api:build'].status).toBe('success');
    const calls = docker.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0].argv).toEqual([
      'build',
      '-f',
      'docker/api-image/Dockerfile',
      '-t',
      'api-image:latest',
      '--iidfile',
      'dist/docker/api-image/docker-build/image.iid',
      '.',
    ]);
    expect(calls[0].cwd).toBe(ws.root);
    // The app's build output was on disk when docker ran: the build ran first.
    expect(calls[0].existing).toEqual([API_BUILD_OUTPUT]);
    expect(ws.read('dist/docker/api-image/docker-build/image.iid')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('the image built FROM another workspace image runs after it', () => {
    docker.reset();
    const tasks = runRecorded(ws, ['run', 'report-image:docker-build', '--output-style=static'], docker.env());
    expect(Object.keys(tasks).sort()).toEqual(['base-node:docker-build', 'report-image:docker-build']);
    const tags = docker.calls().map((c) => c.argv[c.argv.indexOf('-t') + 1]);
    expect(tags).toEqual(['base-node:latest', 'report-image:latest']);
  });

  it('describes the targets: not cached without export, mutable base tags named, docker-push after docker-build', () => {
    const shown = JSON.parse(ws.nxOk(['show', 'project', 'base-node', '--json'])) as {
      targets: Record<
        string,
        {
          cache?: boolean;
          dependsOn?: unknown[];
          metadata: { description: string; technologies: string[]; fleet?: { mutableBaseImages: string[] } };
        }
      >;
    };
    const build = shown.targets['docker-build'];
    expect(build.cache).toBe(false);
    expect(build.metadata.technologies).toEqual(['docker']);
    expect(build.metadata.description).toContain('Not cached');
    expect(build.metadata.fleet?.mutableBaseImages).toEqual(['node:20-alpine']);
    expect(build.metadata.description).toContain('node:20-alpine');
    expect(shown.targets['docker-push'].dependsOn).toEqual(['docker-build']);
  });
});
