/** The Go and BuildKit primitives the parser relies on: Clean, Match, substitution, image refs. */
import { describe, expect, it } from 'vitest';
import { expandWord, goClean, goMatch, parseDockerfile, parseImageRef } from '../../graph/docker';

describe('goClean (Go filepath.Clean)', () => {
  it.each([
    ['', '.'],
    ['.', '.'],
    ['a/b', 'a/b'],
    ['a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/b/..', 'a'],
    ['a/../..', '..'],
    ['../a/../b', '../b'],
    ['/..', '/'],
    ['/../a', '/a'],
    ['a/', 'a'],
    ['./a/', 'a'],
    ['/', '/'],
  ])('%j → %j', (input, output) => expect(goClean(input)).toBe(output));
});

describe('goMatch (Go filepath.Match)', () => {
  it.each([
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a?b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[x\\-]', '-', true],
    ['[!a]', '!', true],
    ['*x', 'xxx', true],
  ])('%j matches %j: %j', (pattern, name, want) => expect(goMatch(pattern, name)).toBe(want));

  it.each([
    ['[', 'a'],
    ['[^', 'a'],
    ['[-]', '-'],
    ['[x-]', 'x'],
    ['a\\', 'a'],
    ['[a-b-c]', 'a'],
    ['[]a]', ']'],
    ['*[', 'a'],
  ])('%j is a bad pattern', (pattern, name) => expect(goMatch(pattern, name)).toEqual({ badPattern: true }));
});

describe('expandWord (BuildKit shell lexer)', () => {
  const env: Record<string, string> = { SET: 'v', EMPTY: '' };
  const lookup = (name: string): string | undefined => env[name];
  it.each([
    ['$SET', 'v'],
    ['${SET}', 'v'],
    ['${UNSET}', ''],
    ['pre-${SET}-post', 'pre-v-post'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${SET:-d}', 'v'],
    ['${UNSET-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${SET:+a}', 'a'],
    ['${EMPTY:+a}', ''],
    ['${EMPTY+a}', 'a'],
    ['${UNSET+a}', ''],
    ['${UNSET:-${SET:+nested}}', 'nested'],
    ["'$SET'", '$SET'],
    ['"$SET"', 'v'],
    ['\\$SET', '$SET'],
    ['"a\\"b"', 'a"b'],
    ['"a\\xb"', 'a\\xb'],
    ['$', '$'],
    ['a$-b', 'a$-b'],
    ['${SET:?must be set}', 'v'],
  ])('%j → %j', (word, value) => {
    const result = expandWord(word, lookup);
    expect(result.error).toBeUndefined();
    expect(result.value).toBe(value);
  });

  it('uses the escape character from the directive (backtick keeps backslashes)', () => {
    expect(expandWord('C:\\dir\\$SET', lookup, '`').value).toBe('C:\\dir\\v');
    expect(expandWord('`$SET', lookup, '`').value).toBe('$SET');
  });

  it('records referenced and unset variables', () => {
    expect(expandWord('${A:-$SET}$B', lookup)).toEqual({ value: 'v', variables: ['SET', 'A', 'B'], unset: ['A', 'B'] });
  });

  it.each([['${'], ['${}'], ['${:a}'], ['${A'], ['${A#x}'], ['"open'], ["'open"], ['${UNSET:?required}']])(
    '%j is an error',
    (word) => {
      expect(expandWord(word, lookup).error).toBeTruthy();
    },
  );
});

describe('parseImageRef', () => {
  it.each([
    ['node', undefined, 'node', 'docker.io/library/node:latest', true],
    ['node:20-alpine', undefined, 'node', 'docker.io/library/node:20-alpine', true],
    ['bitnami/redis:7.2', undefined, 'bitnami/redis', 'docker.io/bitnami/redis:7.2', true],
    ['ghcr.io/acme/api:1.4', 'ghcr.io', 'acme/api', 'ghcr.io/acme/api:1.4', true],
    ['localhost:5000/x', 'localhost:5000', 'x', 'localhost:5000/x:latest', true],
    ['localhost/x:1', 'localhost', 'x', 'localhost/x:1', true],
  ])('%s', (raw, registry, repository, canonical, mutable) => {
    const ref = parseImageRef(raw);
    expect({
      registry: ref.registry,
      repository: ref.repository,
      canonical: ref.canonical,
      mutable: ref.mutable,
      valid: ref.valid,
    }).toEqual({ registry, repository, canonical, mutable, valid: true });
  });

  it('a digest makes the reference immutable, with or without a tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`alpine@${digest}`)).toMatchObject({
      digest,
      mutable: false,
      canonical: `docker.io/library/alpine@${digest}`,
    });
    expect(parseImageRef(`alpine:3.20@${digest}`)).toMatchObject({
      tag: '3.20',
      digest,
      mutable: false,
      canonical: `docker.io/library/alpine:3.20@${digest}`,
    });
  });

  it.each([['Upper/Case'], ['node:'], ['x@sha256:short'], ['a//b'], ['']])('%j is invalid', (raw) => {
    expect(parseImageRef(raw).valid).toBe(false);
  });
});

describe('word splitting and flags', () => {
  it('splits flags like BuildKit, with quotes and a bare --', () => {
    const [ins] = parseDockerfile('COPY --chown="a b" --link -- --not-a-flag /d').instructions;
    expect(ins.flags).toEqual([{ name: 'chown', value: 'a b' }, { name: 'link' }]);
    expect(ins.text).toBe('--not-a-flag /d');
  });

  it('keeps quotes and escapes in ENV/ARG words and supports several ARGs on one line', () => {
    const [env, arg] = parseDockerfile('ENV a="x y" b=c\\ d e=\'$f\'\nARG A=1 B C="q r"').instructions;
    expect(env.pairs).toEqual([
      { key: 'a', value: '"x y"' },
      { key: 'b', value: 'c\\ d' },
      { key: 'e', value: "'$f'" },
    ]);
    expect(arg.pairs).toEqual([{ key: 'A', value: '1' }, { key: 'B' }, { key: 'C', value: '"q r"' }]);
  });

  it('heredoc openers: quoted names disable expansion, <<- strips tabs, <<EOF>x is one odd name as in BuildKit', () => {
    const parsed = parseDockerfile("FROM a\nRUN <<'A' <<B cat\na\nA\nb\nB\nRUN cat <<EOF>out\nx\nEOF>out\n");
    expect(parsed.instructions[1].heredocs.map((h) => [h.name, h.expand])).toEqual([
      ['A', false],
      ['B', true],
    ]);
    expect(parsed.instructions[2].heredocs.map((h) => h.name)).toEqual(['EOF>out']);
    expect(parsed.diagnostics).toEqual([]);
  });
});
