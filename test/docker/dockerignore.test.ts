/**
 * .dockerignore semantics, one table row per rule of Docker's documentation
 * (https://docs.docker.com/build/concepts/context/#dockerignore-files) plus the Go
 * `filepath.Match` details that the documentation defers to.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadDockerignore,
  loadDockerignoreSync,
  parseDockerignore,
  reachableContextFiles,
  survivingContextFiles,
} from '../../graph/docker';

interface Row {
  rule: string;
  patterns: string[];
  excluded: string[];
  included: string[];
}

const TABLE: Row[] = [
  {
    rule: 'a # line is a comment',
    patterns: ['# comment', 'a.txt'],
    excluded: ['a.txt'],
    included: ['# comment', 'b.txt'],
  },
  {
    rule: '# only in column one starts a comment (no trimming first)',
    patterns: [' #x'],
    excluded: ['#x'],
    included: ['x'],
  },
  {
    rule: 'blank lines are ignored, surrounding whitespace trimmed',
    patterns: ['', '   ', '  *.log  '],
    excluded: ['debug.log'],
    included: ['log', 'a/debug.log'],
  },
  {
    rule: '*/temp* : one level below the root',
    patterns: ['*/temp*'],
    excluded: ['somedir/temporary.txt', 'somedir/temp', 'somedir/temp/x'],
    included: ['temp', 'temporary.txt', 'a/b/temp'],
  },
  {
    rule: '*/*/temp* : two levels below the root',
    patterns: ['*/*/temp*'],
    excluded: ['somedir/subdir/temporary.txt'],
    included: ['somedir/temporary.txt', 'temp'],
  },
  {
    rule: 'temp? : one character after temp, at the root',
    patterns: ['temp?'],
    excluded: ['tempa', 'tempb', 'temp1/x'],
    included: ['temp', 'tempab', 'a/tempa'],
  },
  {
    rule: '**/*.go : any number of directories, including none',
    patterns: ['**/*.go'],
    excluded: ['main.go', 'cmd/server/main.go', 'a/b/c/d.go'],
    included: ['main.go.txt', 'go'],
  },
  {
    rule: '** inside a pattern',
    patterns: ['a/**/b'],
    excluded: ['a/b', 'a/x/b', 'a/x/y/b', 'a/x/b/c'],
    included: ['b', 'ab', 'a/bb'],
  },
  {
    rule: 'trailing ** matches everything below',
    patterns: ['logs/**'],
    excluded: ['logs/a', 'logs/a/b'],
    included: ['logsx', 'other/logs/a'],
  },
  {
    rule: '! makes an exception',
    patterns: ['*.md', '!README.md'],
    excluded: ['CHANGELOG.md', 'docs.md'],
    included: ['README.md', 'docs/a.md'],
  },
  {
    rule: 'last match wins: README-secret.md excluded after !README*.md',
    patterns: ['*.md', '!README*.md', 'README-secret.md'],
    excluded: ['README-secret.md', 'CONTRIBUTING.md'],
    included: ['README.md', 'README-public.md'],
  },
  {
    rule: 'last match wins: !README*.md last re-includes README-secret.md',
    patterns: ['*.md', 'README-secret.md', '!README*.md'],
    excluded: ['CONTRIBUTING.md'],
    included: ['README-secret.md', 'README.md'],
  },
  {
    rule: 'a directory pattern excludes everything under it',
    patterns: ['node_modules', 'build/'],
    excluded: ['node_modules', 'node_modules/a/b.js', 'build/out.js'],
    included: ['src/node_modules.ts', 'buildx'],
  },
  {
    rule: 'an exception inside an excluded directory',
    patterns: ['docs', '!docs/keep.md'],
    excluded: ['docs/other.md'],
    included: ['docs/keep.md'],
  },
  {
    rule: 'allow-list style: * then exceptions',
    patterns: ['*', '!src', '!package.json'],
    excluded: ['README.md', 'test/a.ts'],
    included: ['src/a.ts', 'src/deep/b.ts', 'package.json'],
  },
  {
    rule: 'a leading / is the context root',
    patterns: ['/foo/bar', '/baz'],
    excluded: ['foo/bar', 'foo/bar/x', 'baz'],
    included: ['x/foo/bar', 'foo'],
  },
  {
    rule: 'patterns are cleaned like Go filepath.Clean (., .., //)',
    patterns: ['./a//b/', 'x/../y', 'p/./q'],
    excluded: ['a/b', 'y', 'p/q'],
    included: ['x/y', 'x'],
  },
  { rule: '* and ? never cross a /', patterns: ['a*', 'b?c'], excluded: ['abc', 'bxc'], included: ['x/abc', 'b/c'] },
  {
    rule: 'character classes with ranges',
    patterns: ['file[0-9].txt'],
    excluded: ['file1.txt', 'file9.txt'],
    included: ['filea.txt', 'file10.txt'],
  },
  { rule: 'negated class with ^', patterns: ['file[^0-9].txt'], excluded: ['filea.txt'], included: ['file1.txt'] },
  {
    rule: '! inside brackets is a literal in Go (not negation)',
    patterns: ['[!a]x'],
    excluded: ['!x', 'ax'],
    included: ['bx'],
  },
  { rule: '\\ escapes a metacharacter', patterns: ['\\*.txt'], excluded: ['*.txt'], included: ['a.txt'] },
  {
    rule: 'leading ** with a literal rest (Docker suffix shortcut)',
    patterns: ['**/secret.pem'],
    excluded: ['secret.pem', 'a/b/secret.pem'],
    included: ['notsecret.pem'],
  },
  {
    rule: 'Docker quirk: **name matches any path ending in name',
    patterns: ['**foo'],
    excluded: ['barfoo', 'a/bfoo'],
    included: ['foobar'],
  },
  { rule: 'the context root is never excluded', patterns: ['*'], excluded: ['anything'], included: ['.', './'] },
  {
    rule: 'an exception cannot match before an exclusion',
    patterns: ['!keep.txt', '*.txt'],
    excluded: ['keep.txt'],
    included: [],
  },
  {
    rule: 'paths given with ./ or a leading / are normalised',
    patterns: ['dist'],
    excluded: ['./dist/a.js', '/dist/b.js'],
    included: ['./src/a.ts'],
  },
];

describe('.dockerignore rules (Docker documentation)', () => {
  for (const row of TABLE) {
    it(row.rule, () => {
      const ignore = parseDockerignore(row.patterns.join('\n'));
      expect(ignore.diagnostics).toEqual([]);
      for (const p of row.excluded) expect(ignore.isExcluded(p), `${p} excluded`).toBe(true);
      for (const p of row.included) expect(ignore.isExcluded(p), `${p} included`).toBe(false);
    });
  }

  it('keeps the cleaned patterns and their lines; CRLF and a BOM are tolerated', () => {
    const ignore = parseDockerignore('\uFEFF# c\r\n/a/../b/\r\n! ./keep \r\n');
    expect(ignore.patterns).toEqual([
      { pattern: 'b', exclusion: false, line: 2 },
      { pattern: 'keep', exclusion: true, line: 3 },
    ]);
    expect(ignore.isExcluded('b/x')).toBe(true);
  });

  it('reports a bad pattern with its line and still applies the others', () => {
    const ignore = parseDockerignore('*.log\n[\n!\nsecrets', { file: 'ctx/.dockerignore' });
    expect(ignore.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual([
      'DOCKERIGNORE_BAD_PATTERN@2',
      'DOCKERIGNORE_BAD_PATTERN@3',
    ]);
    expect(ignore.diagnostics[0].file).toBe('ctx/.dockerignore');
    expect(ignore.isExcluded('a.log')).toBe(true);
    expect(ignore.isExcluded('secrets/key')).toBe(true);
    expect(ignore.isExcluded('src/a.ts')).toBe(false);
  });
});

describe('loading: per-Dockerfile ignore files take precedence', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'fleet-dockerignore-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('ctx/.dockerignore', 'from-context\n');
  write('ctx/Dockerfile', 'FROM scratch\n');
  write('ctx/Dockerfile.dockerignore', 'from-dockerfile\n');
  write('ctx/build/api.Dockerfile', 'FROM scratch\n');
  write('ctx/build/api.Dockerfile.dockerignore', 'from-api\n');
  write('ctx/build/web.Dockerfile', 'FROM scratch\n');
  write('bare/Dockerfile', 'FROM scratch\n');

  it('uses <Dockerfile>.dockerignore next to the Dockerfile over the context one', async () => {
    const ignore = await loadDockerignore(path.join(root, 'ctx'), 'Dockerfile');
    expect(ignore.source).toBe(path.join(root, 'ctx/Dockerfile.dockerignore'));
    expect(ignore.isExcluded('from-dockerfile')).toBe(true);
    expect(ignore.isExcluded('from-context')).toBe(false);
  });

  it('resolves the Dockerfile path against the context (e.g. -f build/api.Dockerfile)', async () => {
    const ignore = await loadDockerignore(path.join(root, 'ctx'), 'build/api.Dockerfile');
    expect(ignore.isExcluded('from-api')).toBe(true);
    expect(ignore.isExcluded('from-context')).toBe(false);
  });

  it("falls back to the context's .dockerignore, never merging the two", async () => {
    const ignore = loadDockerignoreSync(path.join(root, 'ctx'), 'build/web.Dockerfile');
    expect(ignore.source).toBe(path.join(root, 'ctx/.dockerignore'));
    expect(ignore.isExcluded('from-context')).toBe(true);
    expect(ignore.isExcluded('from-dockerfile')).toBe(false);
  });

  it('without any ignore file nothing is excluded', async () => {
    const ignore = await loadDockerignore(path.join(root, 'bare'), path.join(root, 'bare/Dockerfile'));
    expect(ignore.source).toBeUndefined();
    expect(ignore.patterns).toEqual([]);
    expect(ignore.isExcluded('anything/at/all')).toBe(false);
  });
});

describe('context files', () => {
  const files = [
    'package.json',
    'package-lock.json',
    'src/a.ts',
    'src/deep/b.ts',
    'src/a.test.ts',
    'README.md',
    'docs/x.md',
    'node_modules/m/index.js',
    'apps/api/main.ts',
    'apps/web/main.ts',
  ];
  const ignore = parseDockerignore('node_modules\n**/*.test.ts\n*.md\n');

  it('lists the files that survive .dockerignore', () => {
    expect(survivingContextFiles(files, ignore)).toEqual([
      'package.json',
      'package-lock.json',
      'src/a.ts',
      'src/deep/b.ts',
      'docs/x.md',
      'apps/api/main.ts',
      'apps/web/main.ts',
    ]);
  });

  it('lists the surviving files that COPY sources reach: directories, globs per segment, the whole context', () => {
    expect(reachableContextFiles(files, ['package*.json', 'src'], ignore)).toEqual([
      'package.json',
      'package-lock.json',
      'src/a.ts',
      'src/deep/b.ts',
    ]);
    expect(reachableContextFiles(files, ['apps/*/main.ts'], ignore)).toEqual(['apps/api/main.ts', 'apps/web/main.ts']);
    // Like COPY, ** is not recursive in a source: it is just *, one segment.
    expect(reachableContextFiles(files, ['**/main.ts'], ignore)).toEqual([]);
    expect(reachableContextFiles(files, ['.'], ignore)).toEqual(survivingContextFiles(files, ignore));
    expect(reachableContextFiles(files, ['README.md'], ignore)).toEqual([]);
  });

  it('applies COPY --exclude patterns below the matched source', () => {
    const sources = [
      { path: 'src', excludes: ['deep'] },
      { path: 'apps', excludes: ['*/main.ts', '!api/main.ts'] },
    ];
    expect(reachableContextFiles(files, sources, ignore)).toEqual(['src/a.ts', 'apps/api/main.ts']);
  });
});
