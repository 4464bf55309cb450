import { describe, expect, it } from 'vitest';
import { copySources, dockerCopyFiles, parseDockerBuild } from './support/docker-copy-files';

// The Docker record of the independent-records invariant (issue #12 §4) is only as good as its
// BuildKit rules: these are the cases of moby/patternmatcher and the COPY source rules it follows.
const FILES = [
  'Dockerfile',
  '.dockerignore',
  'README.md',
  'docs/guide.md',
  'app/main.py',
  'app/KEEP.md',
  'app/DROP.md',
  'app/tests/test_main.py',
  'app/tests/keep.py',
  'libs/core/tests/t.py',
  'libs/core/core.py',
  'libs/core/README.md',
  'apps/api/Dockerfile',
  'apps/api/Dockerfile.dockerignore',
  'apps/api/src/a.ts',
  'apps/api/src/b.ts',
  'apps/api/src/sub/c.ts',
];

function copied(dockerfile: string, ignore: Record<string, string>, command = 'docker build .'): string[] {
  const call = parseDockerBuild(command)!;
  return dockerCopyFiles(call, dockerfile, FILES, (f) => ignore[f]);
}

describe('COPY/ADD files through .dockerignore, as BuildKit applies them', () => {
  it('reads the context and the Dockerfile from the command line', () => {
    expect(parseDockerBuild('mkdir -p x && docker build -f apps/api/Dockerfile -t api:latest --iidfile x/i .')).toEqual(
      {
        dockerfile: 'apps/api/Dockerfile',
        context: '.',
      },
    );
    expect(parseDockerBuild('docker build -t x apps/api')).toEqual({
      dockerfile: 'apps/api/Dockerfile',
      context: 'apps/api',
    });
  });

  it('skips --from stages and URLs, joins continuation lines, reads the JSON form', () => {
    expect(
      copySources(
        'FROM a AS b\nCOPY --from=b /x /y\nADD https://e.org/f /f\nCOPY --chown=1:1 \\\n  a b ./\nCOPY ["c d", "/e"]\n',
      ),
    ).toEqual(['a', 'b', 'c d']);
  });

  it('last match wins, ! re-includes, a matched folder drops what it holds, ** spans folders', () => {
    const ignore = { '.dockerignore': '**/tests\n*.md\n!**/tests/keep.py\napp/*.md\n!app/KEEP.md\n' };
    expect(copied('COPY . /src\n', ignore)).toEqual(
      [
        'Dockerfile',
        '.dockerignore',
        'app/main.py',
        'app/KEEP.md',
        'app/tests/keep.py',
        'libs/core/core.py',
        'libs/core/README.md', // `*.md` is the root folder only (filepath.Match: `*` stays in one segment)
        'docs/guide.md',
        'apps/api/Dockerfile',
        'apps/api/Dockerfile.dockerignore',
        'apps/api/src/a.ts',
        'apps/api/src/b.ts',
        'apps/api/src/sub/c.ts',
      ].sort(),
    );
  });

  it('globs stay in one segment; a folder source brings everything in it; <Dockerfile>.dockerignore wins', () => {
    const ignore = { '.dockerignore': 'apps\n', 'apps/api/Dockerfile.dockerignore': 'apps/api/src/b.ts\n' };
    expect(
      copied('COPY apps/api/src/*.ts ./\nCOPY libs ./libs\n', ignore, 'docker build -f apps/api/Dockerfile .'),
    ).toEqual(['apps/api/src/a.ts', 'libs/core/README.md', 'libs/core/core.py', 'libs/core/tests/t.py']);
  });
});
