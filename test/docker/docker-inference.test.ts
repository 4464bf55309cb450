import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  contextInputGlobs,
  dockerfileVariant,
  inferDockerProjects,
  isDockerfileName,
  parseDockerignore,
  placeDockerfiles,
  type InferDockerProjectsInput,
} from '../../graph/docker';

describe('Dockerfile names and variants', () => {
  it.each([
    ['Dockerfile', true, ''],
    ['Containerfile', true, ''],
    ['apps/api/worker.Dockerfile', true, 'worker'],
    ['Dockerfile.dev', true, 'dev'],
    ['Containerfile.Prod_2', true, 'prod_2'],
    ['Dockerfile.dockerignore', false, ''],
    ['.dockerignore', false, ''],
    ['api.Dockerfile.dockerignore', false, ''],
    ['Dockerfiles', false, ''],
    ['my.dockerfile', false, ''],
  ])('%s', (file, is, variant) => {
    expect(isDockerfileName(file)).toBe(is);
    if (is) expect(dockerfileVariant(file)).toBe(variant);
  });
});

describe('placeDockerfiles', () => {
  const known = [
    { name: '@acme/api', root: 'apps/api' },
    { name: 'tools', root: 'tools' },
  ];
  it('adds to the deepest existing project, else makes the folder a project named after it', () => {
    const placed = placeDockerfiles(
      [
        'apps/api/Dockerfile',
        'apps/api/docker/worker.Dockerfile',
        'images/web/Dockerfile',
        'images/web/nested/Dockerfile',
      ],
      known,
      'ws',
    );
    expect(placed.map((p) => [p.dockerfile, p.project, p.root, p.createsProject, p.variant])).toEqual([
      ['apps/api/Dockerfile', '@acme/api', 'apps/api', false, ''],
      ['apps/api/docker/worker.Dockerfile', '@acme/api', 'apps/api', false, 'worker'],
      ['images/web/Dockerfile', 'web', 'images/web', true, ''],
      ['images/web/nested/Dockerfile', 'nested', 'images/web/nested', true, ''],
    ]);
  });

  it('disambiguates names and variants deterministically', () => {
    const placed = placeDockerfiles(
      [
        'a/tools/Dockerfile',
        'b/web/Dockerfile',
        'c/web/Dockerfile',
        'Dockerfile',
        'apps/api/Dockerfile',
        'apps/api/sub/Dockerfile',
        'apps/api/Dockerfile.worker',
        'apps/api/worker.Dockerfile',
      ],
      known,
      'ws',
    );
    const byFile = Object.fromEntries(placed.map((p) => [p.dockerfile, `${p.project}:${p.variant}`]));
    expect(byFile).toEqual({
      'a/tools/Dockerfile': 'a-tools:', // "tools" is taken by a known project
      'b/web/Dockerfile': 'b-web:', // two folders named web
      'c/web/Dockerfile': 'c-web:',
      Dockerfile: 'ws:', // the workspace root is no known project: it becomes one
      'apps/api/Dockerfile': '@acme/api:',
      'apps/api/Dockerfile.worker': '@acme/api:worker',
      'apps/api/sub/Dockerfile': '@acme/api:sub-dockerfile',
      'apps/api/worker.Dockerfile': '@acme/api:worker-dockerfile',
    });
  });
});

describe('contextInputGlobs', () => {
  const files = [
    'src/a.ts',
    'src/docs/x.md',
    'src/secret/k',
    'package.json',
    'package-lock.json',
    'packages/p/package.json',
    'notes.md',
  ];
  it('turns sources into globs and negates every excluded file they could match', () => {
    const ignore = parseDockerignore('**/*.md\nsrc/secret\n');
    const r = contextInputGlobs(
      'ctx',
      [
        { path: 'src', excludes: [] },
        { path: 'package*.json', excludes: [] },
      ],
      files,
      ignore,
    );
    expect(r.globs).toEqual(['ctx/package*.json', 'ctx/package*.json/**/*', 'ctx/src/**/*']);
    expect(r.negations).toEqual(['ctx/packages/p/package.json', 'ctx/src/docs/x.md', 'ctx/src/secret/k']);
    expect(r.files).toEqual(['ctx/package-lock.json', 'ctx/package.json', 'ctx/src/a.ts']);
  });

  it('handles the whole context, --exclude, and enumerates what Nx globs would read differently', () => {
    const none = parseDockerignore('');
    expect(contextInputGlobs('.', [{ path: '.', excludes: ['*.md'] }], files, none)).toMatchObject({
      globs: ['**/*'],
      negations: ['notes.md'],
    });
    expect(contextInputGlobs('.', [{ path: 'src/[a-c].ts', excludes: [] }], files, none)).toEqual({
      globs: ['src/a.ts'],
      negations: [],
      files: ['src/a.ts'],
    });
    expect(contextInputGlobs('.', [{ path: 'src/**', excludes: [] }], files, none).globs).toEqual([
      'src/*',
      'src/*/**/*',
    ]);
  });
});

describe('inferDockerProjects', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const setup = (
    files: Record<string, string>,
    options: InferDockerProjectsInput['options'],
    known: InferDockerProjectsInput['known'] = [],
  ) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-docker-'));
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
    return inferDockerProjects({
      workspaceRoot: dir,
      dockerfiles: Object.keys(files).filter(isDockerfileName),
      known,
      workspaceName: 'ws',
      options,
      readFile: (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined),
    });
  };

  it('writes buildx, registry push, build args and tags into the command; a registry build is cached and has no push target', () => {
    const r = setup(
      { 'img/Dockerfile': 'FROM alpine\nARG V\n' },
      {
        buildx: true,
        registry: 'localhost:5000/acme',
        exportImage: 'registry',
        tags: ['1.0', 'latest'],
        buildArgs: { V: 'a b' },
      },
    );
    const targets = r.projects[0].targets;
    expect(Object.keys(targets)).toEqual(['docker-build']);
    expect(targets['docker-build'].cache).toBe(true);
    expect(targets['docker-build'].options.command).toContain(
      "docker buildx build -f img/Dockerfile -t localhost:5000/acme/img:1.0 -t localhost:5000/acme/img:latest --build-arg 'V=a b' --iidfile dist/docker/img/docker-build/image.iid --push img",
    );
  });

  it('variants get suffixed targets; an image FROM a sibling variant depends on its build', () => {
    const r = setup(
      { 'img/Dockerfile': 'FROM alpine\n', 'img/worker.Dockerfile': 'FROM img:latest\nCOPY w.sh /\n', 'img/w.sh': 'x' },
      { buildx: true },
    );
    const targets = r.projects[0].targets;
    expect(Object.keys(targets).sort()).toEqual([
      'docker-build',
      'docker-build-worker',
      'docker-push',
      'docker-push-worker',
    ]);
    expect(targets['docker-build-worker'].dependsOn).toEqual(['docker-build']);
    expect(targets['docker-build-worker'].options.command).toContain('-t img-worker:latest');
    expect(targets['docker-build'].options.command).toContain('--load img');
    expect(targets['docker-push-worker'].options.command).toBe('docker push img-worker:latest');
  });

  it('depends on the build of a project whose output or sources it copies, and on its own build output', () => {
    const known = [
      { name: 'api', root: 'apps/api', buildTarget: 'build', buildOutputs: ['apps/api/dist'] },
      { name: 'lib', root: 'libs/lib', buildTarget: 'build', buildOutputs: ['libs/lib/out'] },
      { name: 'docs', root: 'docs', buildOutputs: [] },
    ];
    const r = setup(
      {
        'apps/api/Dockerfile': 'FROM node\nCOPY dist /app\nCOPY --from=node:20 /x /y\n',
        'images/all/Dockerfile': 'FROM node\nCOPY dist/libs/lib /lib\nCOPY docs/guide /docs\nCOPY apps/api/src /src\n',
      },
      { projects: { all: { context: '.' } } },
      known,
    );
    const api = r.projects.find((p) => p.name === 'api')?.targets['docker-build'];
    expect(api?.dependsOn).toEqual(['build']);
    const all = r.projects.find((p) => p.name === 'all')?.targets['docker-build'];
    expect(all?.dependsOn).toEqual([
      { projects: ['lib'], target: 'build' },
      { projects: ['api'], target: 'build' },
    ]);
    expect(all?.inputs).toContainEqual({ dependentTasksOutputFiles: '**/*', transitive: false });
    expect(api?.metadata.fleet?.mutableBaseImages).toEqual(['node', 'node:20']);
  });
});
