import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { installFakeDocker, type FakeDocker } from './support/fake-docker';
import { installHashRecorder, runRecorded } from './support/hash-recorder';

/**
 * What goes into docker-build's hash, checked with Nx's own task hashes: files the build
 * context sends and COPY reaches change it; files .dockerignore drops, or no COPY reaches,
 * do not; env build args, the copied build output and resolved base digests do.
 */
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'hashes', private: true, workspaces: ['apps/*'] }),
  'nx.json': JSON.stringify({
    plugins: [
      {
        plugin: 'nx-fleet',
        options: {
          docker: {
            projects: {
              plain: { envBuildArgs: ['GIT_SHA'], buildArgs: { MODE: 'release' } },
              'web-image': { context: '.', exportImage: 'tar' },
              'digest-image': { resolveBaseDigests: true },
            },
          },
        },
      },
    ],
  }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'bundler',
      strict: true,
      skipLibCheck: true,
      types: [],
    },
  }),
  'apps/web/package.json': JSON.stringify({ name: 'web', version: '0.0.0', private: true }),
  'apps/web/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts'] }),
  'apps/web/tsconfig.app.json': JSON.stringify({
    extends: './tsconfig.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist' },
  }),
  'apps/web/src/index.ts': 'export const greeting: string = "hello";\n',
  'images/plain/Dockerfile': 'FROM alpine:3.20\nARG GIT_SHA\nCOPY src/ /app/src/\nCOPY config.json /app/\n',
  'images/plain/.dockerignore': '# docs and secrets stay out of the context\nsrc/**/*.md\nsrc/secret\n',
  'images/plain/src/main.sh': 'echo main\n',
  'images/plain/src/README.md': '# read me\n',
  'images/plain/src/secret/key.txt': 'k1\n',
  'images/plain/config.json': '{}\n',
  'images/plain/notes.txt': 'not copied by any COPY\n',
  'images/web-image/Dockerfile': 'FROM node:20\nCOPY apps/web/dist /app\n',
  'images/digest-image/Dockerfile': 'FROM alpine:3.20\nRUN true\n',
};

describe('docker-build inputs on real nx', () => {
  let ws: TestWorkspace;
  let docker: FakeDocker;
  const hashOf = (project: string, env: Record<string, string> = {}) =>
    runRecorded(ws, ['run', `${project}:docker-build`], docker.env(env))[`${project}:docker-build`].hash;
  const append = (file: string, text = 'changed\n') => ws.write(file, ws.read(file) + text);

  beforeAll(() => {
    ws = createWorkspace({ files: FILES });
    docker = installFakeDocker(ws);
    installHashRecorder(ws);
    ws.commit('recorder');
  });
  afterAll(() => ws?.dispose());

  it('ignores files .dockerignore drops and files no COPY reaches; hashes the ones COPY sends', () => {
    const base = hashOf('plain', { GIT_SHA: 'a' });
    append('images/plain/src/README.md');
    append('images/plain/src/secret/key.txt');
    append('images/plain/notes.txt');
    expect(hashOf('plain', { GIT_SHA: 'a' })).toBe(base);
    append('images/plain/src/main.sh');
    const afterSource = hashOf('plain', { GIT_SHA: 'a' });
    expect(afterSource).not.toBe(base);
    append('images/plain/config.json', ' ');
    const afterConfig = hashOf('plain', { GIT_SHA: 'a' });
    expect(afterConfig).not.toBe(afterSource);
    append('images/plain/.dockerignore', 'nothing-matches-this\n');
    const afterIgnore = hashOf('plain', { GIT_SHA: 'a' });
    expect(afterIgnore).not.toBe(afterConfig);
    append('images/plain/Dockerfile', 'LABEL x=y\n');
    expect(hashOf('plain', { GIT_SHA: 'a' })).not.toBe(afterIgnore);
  });

  it('nx affected agrees: an ignored file does not select docker-build, a copied one does', () => {
    const affected = (file: string) =>
      Object.keys(
        (
          JSON.parse(ws.nxOk(['affected', '-t', 'docker-build', `--files=${file}`, '--graph=stdout'])) as {
            tasks: { tasks: object };
          }
        ).tasks.tasks,
      );
    expect(affected('images/plain/src/README.md')).toEqual([]);
    expect(affected('images/plain/src/main.sh')).toEqual(['plain:docker-build']);
  });

  it('passes env build args by name and hashes their value; fixed build args are in the command', () => {
    docker.reset();
    const a = hashOf('plain', { GIT_SHA: 'a' });
    expect(hashOf('plain', { GIT_SHA: 'b' })).not.toBe(a);
    expect(hashOf('plain', { GIT_SHA: 'a' })).toBe(a);
    const argv = docker.calls()[0].argv;
    expect(argv.join(' ')).toContain('--build-arg MODE=release --build-arg GIT_SHA --iidfile');
  });

  it('an exported image is cached and restored; the copied build output is in its hash', () => {
    docker.reset();
    const first = runRecorded(ws, ['run', 'web-image:docker-build'], docker.env());
    expect(first['web:build'].status).toBe('success');
    expect(first['web-image:docker-build'].status).toBe('success');
    expect(docker.calls()[0].argv).toContain('type=docker,dest=dist/docker/web-image/docker-build/image.tar');
    ws.remove('dist');
    const second = runRecorded(ws, ['run', 'web-image:docker-build'], docker.env());
    expect(second['web-image:docker-build'].status).toMatch(/cache/);
    expect(second['web-image:docker-build'].hash).toBe(first['web-image:docker-build'].hash);
    expect(ws.read('dist/docker/web-image/docker-build/image.tar')).toMatch(/^fake image tar sha256:/);
    expect(docker.calls()).toHaveLength(1);
    append('apps/web/src/index.ts', 'export const other = 1;\n');
    const third = runRecorded(ws, ['run', 'web-image:docker-build'], docker.env());
    expect(third['web-image:docker-build'].status).toBe('success');
    expect(third['web-image:docker-build'].hash).not.toBe(first['web-image:docker-build'].hash);
    // Nx's node for `dependentTasksOutputFiles`: the build output of web:build is hashed.
    expect(third['web-image:docker-build'].nodes).toContain('**/*:apps/web/dist');
  });

  it('with resolveBaseDigests, the digest a mutable tag resolves to is a runtime input', () => {
    const a = hashOf('digest-image', { FAKE_DOCKER_DIGEST: 'sha256:aaaa' });
    expect(hashOf('digest-image', { FAKE_DOCKER_DIGEST: 'sha256:aaaa' })).toBe(a);
    expect(hashOf('digest-image', { FAKE_DOCKER_DIGEST: 'sha256:bbbb' })).not.toBe(a);
  });
});
