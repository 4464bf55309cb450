/** The Dockerfile model: ARG/ENV scoping, stages, sources, mounts and the imports JSON. */
import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, extractDockerImports, type DockerfileModel } from '../../graph/docker';

const argValue = (model: DockerfileModel, stage: number, name: string): string | undefined =>
  model.stages[stage].args.find((a) => a.name === name)?.value;
const expanded = (model: DockerfileModel, line: number): string[] | undefined =>
  model.instructions.find((i) => i.instruction.startLine === line)?.expandedWords;

describe('ARG and ENV scoping (Docker rules)', () => {
  const text = [
    'ARG VERSION=1.0', //       1
    'ARG BASE=alpine', //       2
    'FROM ${BASE}:3.${VERSION} AS one', // 3
    'COPY app-${VERSION} /x', // 4: VERSION not redeclared here: empty
    'FROM ${BASE} AS two', //   5
    'ARG VERSION', //           6: takes the global value
    'COPY app-${VERSION} /x', // 7
    'ENV VERSION=env', //       8: ENV beats ARG
    'COPY app-${VERSION} /x', // 9
    'FROM two', //              10: ENV is inherited from stage two
    'COPY app-${VERSION} /x', // 11
    'ARG LOCAL=l-${VERSION}', //12
  ].join('\n');

  it('global ARGs are usable in FROM only; a stage must redeclare them', () => {
    const model = analyzeDockerfile(text);
    expect(model.stages[0].base).toMatchObject({ kind: 'image', image: { raw: 'alpine:3.1.0' } });
    expect(expanded(model, 4)).toEqual(['app-', '/x']);
    expect(expanded(model, 7)).toEqual(['app-1.0', '/x']);
    expect(argValue(model, 1, 'VERSION')).toBe('1.0');
  });

  it('ENV overrides an ARG of the same name and is inherited by a stage built FROM the stage', () => {
    const model = analyzeDockerfile(text);
    expect(expanded(model, 9)).toEqual(['app-env', '/x']);
    expect(model.stages[2].base).toEqual({ kind: 'stage', stage: 1, name: 'two' });
    expect(expanded(model, 11)).toEqual(['app-env', '/x']);
    expect(argValue(model, 2, 'LOCAL')).toBe('l-env');
  });

  it('build-arg overrides apply to declared ARGs only, globally and per stage', () => {
    const model = analyzeDockerfile(text, { buildArgs: { VERSION: '9', BASE: 'debian', UNDECLARED: 'u' } });
    expect(model.stages[0].base).toMatchObject({
      kind: 'image',
      image: { raw: 'debian:3.9', canonical: 'docker.io/library/debian:3.9' },
    });
    expect(expanded(model, 7)).toEqual(['app-9', '/x']);
    expect(model.buildArgs).toEqual(['BASE', 'LOCAL', 'VERSION']);
    expect(model.globalArgs.map((a) => [a.name, a.defaultValue, a.value, a.global])).toEqual([
      ['VERSION', '1.0', '9', true],
      ['BASE', 'alpine', 'debian', true],
    ]);
  });

  it('lists the build args each instruction references', () => {
    const model = analyzeDockerfile('ARG V=1\nFROM a:${V}\nARG W\nRUN echo $W ${HOME}\nENV W=x\nRUN echo $W\n');
    const byLine = Object.fromEntries(model.instructions.map((i) => [i.instruction.startLine, i.buildArgs]));
    expect(byLine).toEqual({ 1: [], 2: ['V'], 3: [], 4: ['W'], 5: [], 6: [] });
    expect(model.instructions[3].variables).toEqual(['W', 'HOME']);
  });

  it('ENV values of one instruction use the values from before it', () => {
    const model = analyzeDockerfile('FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\nCOPY $def-$ghi /d\n');
    expect(expanded(model, 5)).toEqual(['hello-bye', '/d']);
  });

  it('platform ARGs are known in FROM only when passed in', () => {
    const text2 = 'FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nCOPY bin-$TARGETARCH /x\n';
    expect(analyzeDockerfile(text2).stages[0].platform).toBe('');
    const model = analyzeDockerfile(text2, { buildArgs: { BUILDPLATFORM: 'linux/amd64', TARGETARCH: 'arm64' } });
    expect(model.stages[0].platform).toBe('linux/amd64');
    expect(expanded(model, 3)).toEqual(['bin-arm64', '/x']);
  });
});

describe('sources, mounts and references', () => {
  it('classifies COPY/ADD/bind sources and cleans context paths', () => {
    const model = analyzeDockerfile(
      [
        'FROM alpine AS base\nFROM base',
        'COPY ./src/ /app/../etc/x /../up "$HOME"x /dest/',
        'ADD https://e.com/a.tgz git@github.com:a/b.git https://github.com/a/b.git#v1 https://e.com/x.git?ref=1 local.tar /d',
        'RUN --mount=type=bind,from=base,source=/etc,target=/e --mount=type=bind,src=cfg,dst=/c,ro --mount=type=cache,from=node:20,source=/x,target=/y true',
        'COPY --from=base --exclude=*.md /a /b',
      ].join('\n'),
    );
    expect(model.contextSources.map((s) => `${s.via}:${s.path}`)).toEqual([
      'copy:src',
      'copy:etc/x',
      'copy:up',
      'copy:x',
      'add:local.tar',
      'bind:cfg',
    ]);
    expect(model.externalSources.map((s) => `${s.origin}:${s.path}`)).toEqual([
      'url:https://e.com/a.tgz',
      'git:git@github.com:a/b.git',
      'git:https://github.com/a/b.git#v1',
      'git:https://e.com/x.git?ref=1',
    ]);
    const run = model.instructions[4];
    expect(run.mounts.map((m) => [m.type, m.source, m.target, m.from?.kind])).toEqual([
      ['bind', '/etc', '/e', 'stage'],
      ['bind', 'cfg', '/c', undefined],
      ['cache', '/x', '/y', 'image'],
    ]);
    expect(run.mounts[1].options).toEqual({ type: 'bind', source: 'cfg', target: '/c', readonly: 'true' });
    expect(model.externalImages.map((u) => `${u.via}:${u.image.canonical}@${u.line}`)).toEqual([
      'from:docker.io/library/alpine:latest@1',
      'mount:docker.io/library/node:20@5',
    ]);
    expect(model.instructions[5].sources).toEqual([
      {
        path: '/a',
        origin: 'stage',
        glob: false,
        excludes: [],
        via: 'copy',
        line: 6,
        from: { kind: 'stage', raw: 'base', stage: 0, name: 'base' },
      },
    ]);
    expect(model.diagnostics).toEqual([]);
  });

  it('an invalid --from is reported and its sources are not taken for context inputs', () => {
    const model = analyzeDockerfile(
      'FROM a AS self\nCOPY --from=self /x /y\nRUN --mount=from=5,source=z,target=/z true\n',
    );
    expect(model.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual([
      'DOCKERFILE_INVALID_STAGE_REFERENCE@2',
      'DOCKERFILE_INVALID_STAGE_REFERENCE@3',
    ]);
    expect(model.contextSources).toEqual([]);
  });

  it('a bind mount without source mounts the whole context; COPY sources may be globs', () => {
    const model = analyzeDockerfile(
      'FROM a\nRUN --mount=target=/src make\nCOPY --exclude=**/*.test.ts packages/*/src /w/\n',
    );
    expect(model.contextSources.map((s) => [s.path, s.glob, s.excludes])).toEqual([
      ['.', false, []],
      ['packages/*/src', true, ['**/*.test.ts']],
    ]);
  });

  it('ONBUILD triggers are parsed but their sources are not inputs of this build', () => {
    const model = analyzeDockerfile('FROM a\nONBUILD COPY src /src\n');
    expect(model.instructions[1].instruction.trigger).toMatchObject({ keyword: 'COPY', words: ['src', '/src'] });
    expect(model.instructions[1].sources.map((s) => s.path)).toEqual(['src']);
    expect(model.contextSources).toEqual([]);
  });

  it('stage line ranges cover their instructions, heredoc bodies included', () => {
    const model = analyzeDockerfile('FROM a AS x\nRUN <<EOF\nmake\nEOF\n\nFROM x\nCOPY y /y\n');
    expect(model.stages.map((s) => [s.index, s.name, s.line, s.endLine])).toEqual([
      [0, 'x', 1, 4],
      [1, undefined, 6, 7],
    ]);
  });
});

describe('extractDockerImports (fleet imports Dockerfile --json)', () => {
  it('lists per instruction the stage, base images, copy sources and --from references', () => {
    const text = [
      'ARG NODE=20',
      'FROM node:${NODE} AS build',
      'COPY package.json ./',
      'RUN npm ci',
      'FROM gcr.io/distroless/nodejs20-debian12',
      'COPY --from=build /app/dist /app',
      'COPY --from=ghcr.io/acme/assets:1 /assets /assets',
      'ONBUILD COPY . /app',
    ].join('\n');
    const imports = extractDockerImports('apps/api/Dockerfile', text);
    expect(JSON.parse(JSON.stringify(imports))).toEqual({
      file: 'apps/api/Dockerfile',
      stages: [
        { index: 0, name: 'build', line: 2 },
        { index: 1, line: 5 },
      ],
      instructions: [
        {
          instruction: 'FROM',
          line: 2,
          endLine: 2,
          stage: { index: 0, name: 'build' },
          stages: [],
          baseImages: [{ ref: 'node:20', canonical: 'docker.io/library/node:20', mutable: true }],
          copySources: [],
          from: [],
        },
        {
          instruction: 'COPY',
          line: 3,
          endLine: 3,
          stage: { index: 0, name: 'build' },
          stages: [],
          baseImages: [],
          copySources: [{ path: 'package.json', origin: 'context', via: 'copy' }],
          from: [],
        },
        {
          instruction: 'FROM',
          line: 5,
          endLine: 5,
          stage: { index: 1 },
          stages: [],
          baseImages: [
            {
              ref: 'gcr.io/distroless/nodejs20-debian12',
              canonical: 'gcr.io/distroless/nodejs20-debian12:latest',
              mutable: true,
            },
          ],
          copySources: [],
          from: [],
        },
        {
          instruction: 'COPY',
          line: 6,
          endLine: 6,
          stage: { index: 1 },
          stages: [{ index: 0, name: 'build' }],
          baseImages: [],
          copySources: [{ path: '/app/dist', origin: 'stage', via: 'copy' }],
          from: [{ raw: 'build', kind: 'stage', stage: 0 }],
        },
        {
          instruction: 'COPY',
          line: 7,
          endLine: 7,
          stage: { index: 1 },
          stages: [],
          baseImages: [],
          copySources: [{ path: '/assets', origin: 'image', via: 'copy' }],
          from: [{ raw: 'ghcr.io/acme/assets:1', kind: 'image', image: 'ghcr.io/acme/assets:1', mutable: true }],
        },
        {
          instruction: 'ONBUILD',
          line: 8,
          endLine: 8,
          stage: { index: 1 },
          stages: [],
          baseImages: [],
          copySources: [{ path: '.', origin: 'context', via: 'copy' }],
          from: [],
          onbuild: true,
        },
      ],
      diagnostics: [],
    });
  });
});
