import { describe, expect, it } from 'vitest';
import { dockerBuildArguments, findBuildCommands, shellWords } from '../../graph/docker/build-commands';
import { chooseContext } from '../../graph/docker/infer-context';

describe('docker build commands found in the repository', () => {
  it('reads -f and the context of docker build, buildx build and image build', () => {
    expect(dockerBuildArguments('docker build -f apps/api/Dockerfile -t api:1 --build-arg X=1 .')).toEqual([
      { file: 'apps/api/Dockerfile', context: '.' },
    ]);
    expect(
      dockerBuildArguments(
        'npm run build && docker buildx build --load --file=Dockerfile.prod --platform linux/amd64 ../..',
      ),
    ).toEqual([{ file: 'Dockerfile.prod', context: '../..' }]);
    expect(dockerBuildArguments("docker image build -t 'a b' ctx; echo done")).toEqual([
      { file: undefined, context: 'ctx' },
    ]);
    expect(dockerBuildArguments('docker run -it x')).toEqual([]);
    expect(shellWords(`a "b c" 'd'&&e`)).toEqual(['a', 'b c', 'd', '&&', 'e']);
  });

  it('resolves project.json commands from the workspace root (or options.cwd) and scripts from their folder', () => {
    const files: Record<string, string> = {
      'apps/api/project.json': JSON.stringify({
        targets: {
          img: { command: 'docker build -f apps/api/Dockerfile .' },
          other: { options: { cwd: 'apps', commands: [{ command: 'docker build -f web/Dockerfile web' }] } },
        },
      }),
      'apps/svc/package.json': JSON.stringify({
        scripts: { image: 'docker build -f Dockerfile ../..', dyn: 'docker build -f $F .' },
      }),
      'broken/package.json': '{ docker',
    };
    expect(findBuildCommands(Object.keys(files), (f) => files[f])).toEqual([
      { dockerfile: 'apps/api/Dockerfile', context: '.', origin: 'apps/api/project.json (targets.img)' },
      { dockerfile: 'apps/web/Dockerfile', context: 'apps/web', origin: 'apps/api/project.json (targets.other)' },
      { dockerfile: 'apps/svc/Dockerfile', context: '.', origin: 'apps/svc/package.json (scripts.image)' },
    ]);
  });
});

describe('choosing the build context', () => {
  const tree = ['uv.lock', 'libs/a.py', 'apps/api/Dockerfile', 'apps/api/app/main.py'];
  const listFiles = (folder: string) =>
    folder === '.' ? tree : tree.filter((f) => f.startsWith(`${folder}/`)).map((f) => f.slice(folder.length + 1));
  const base = { dockerfile: 'apps/api/Dockerfile', commands: [], listFiles, isBuildOutput: () => false };
  const src = (...paths: string[]) => paths.map((path) => ({ path, excludes: [] }));

  it('option > build command > COPY sources > the Dockerfile folder', () => {
    const command = { dockerfile: 'apps/api/Dockerfile', context: 'apps', origin: 'x/project.json (targets.i)' };
    expect(chooseContext({ ...base, option: 'apps/api', commands: [command], sources: src('libs') })).toEqual({
      context: 'apps/api',
      rule: 'option',
    });
    expect(chooseContext({ ...base, commands: [command], sources: src('libs') })).toEqual({
      context: 'apps',
      rule: 'build-command',
      origin: command.origin,
    });
    expect(chooseContext({ ...base, sources: src('uv.lock', 'libs', 'apps/api/app') })).toEqual({
      context: '.',
      rule: 'copy-sources',
    });
    expect(chooseContext({ ...base, sources: src('app') })).toEqual({ context: 'apps/api', rule: 'copy-sources' });
    expect(chooseContext({ ...base, sources: src('.') })).toEqual({ context: 'apps/api', rule: 'dockerfile-folder' });
    expect(chooseContext({ ...base, sources: src('nowhere') })).toEqual({
      context: 'apps/api',
      rule: 'dockerfile-folder',
    });
  });

  it('where no folder has every source, the one with most (nearest on a tie); build outputs count as existing', () => {
    expect(chooseContext({ ...base, sources: src('libs', 'uv.lock', 'typo') })).toEqual({
      context: '.',
      rule: 'copy-sources',
    });
    expect(
      chooseContext({ ...base, sources: src('dist/apps/api', 'libs'), isBuildOutput: (p) => p.startsWith('dist/') }),
    ).toEqual({ context: '.', rule: 'copy-sources' });
  });
});
