/** Bad input gives located diagnostics with stable codes; parsing goes on after each one. */
import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, parseDockerfile } from '../../graph/docker';

const codes = (text: string): string[] =>
  analyzeDockerfile(text, { file: 'apps/x/Dockerfile' }).diagnostics.map((d) => `${d.code}@${d.line}`);

describe('bad Dockerfiles', () => {
  it('unterminated heredoc: diagnostic on the opening line, later instructions still parsed', () => {
    const text = 'FROM alpine\nRUN <<EOF\necho a\nCOPY src /src\nRUN echo after\n';
    const parsed = parseDockerfile(text, { file: 'apps/x/Dockerfile' });
    expect(parsed.diagnostics).toEqual([
      {
        file: 'apps/x/Dockerfile',
        line: 2,
        code: 'DOCKERFILE_UNTERMINATED_HEREDOC',
        message: expect.stringContaining('EOF'),
        severity: 'error',
      },
    ]);
    expect(parsed.instructions.map((i) => `${i.keyword}@${i.startLine}-${i.endLine}`)).toEqual([
      'FROM@1-1',
      'RUN@2-3',
      'COPY@4-4',
      'RUN@5-5',
    ]);
    expect(parsed.instructions[1].heredocs[0]).toMatchObject({
      name: 'EOF',
      terminated: false,
      content: 'echo a\n',
      startLine: 3,
      endLine: 3,
    });
  });

  it('unterminated heredoc at the end of the file keeps the whole body', () => {
    const parsed = parseDockerfile('FROM alpine\nRUN <<EOF\necho a\necho b\n');
    expect(parsed.instructions[1]).toMatchObject({ startLine: 2, endLine: 4 });
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(['DOCKERFILE_UNTERMINATED_HEREDOC']);
  });

  it('unknown instruction: diagnostic with its line, kept as an instruction, the rest still modelled', () => {
    const model = analyzeDockerfile('FROM alpine\nFOO bar\nCOPY a /a\n');
    expect(model.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(['DOCKERFILE_UNKNOWN_INSTRUCTION@2']);
    expect(model.diagnostics[0].message).toBe('unknown instruction: FOO');
    expect(model.contextSources.map((s) => s.path)).toEqual(['a']);
  });

  it('missing FROM: one diagnostic at the first instruction, sources still reported', () => {
    const model = analyzeDockerfile('\n# fragment\nCOPY a /a\nRUN make\n');
    expect(model.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(['DOCKERFILE_NO_FROM@3']);
    expect(model.stages).toEqual([]);
    expect(model.instructions.map((i) => i.stage)).toEqual([-1, -1]);
    expect(model.contextSources.map((s) => s.path)).toEqual(['a']);
  });

  it('an empty file has no FROM (line 1)', () => {
    expect(codes('')).toEqual(['DOCKERFILE_NO_FROM@1']);
  });

  it('all three problems in one file are all reported, in order', () => {
    expect(codes('RUN echo 1\nBAD x\nRUN <<EOF\nbody\n')).toEqual([
      'DOCKERFILE_UNKNOWN_INSTRUCTION@2',
      'DOCKERFILE_UNTERMINATED_HEREDOC@3',
      'DOCKERFILE_NO_FROM@1',
    ]);
  });

  it('directive errors: invalid escape token and duplicate directive', () => {
    expect(codes('# escape=x\nFROM alpine\n')).toEqual(['DOCKERFILE_INVALID_DIRECTIVE@1']);
    expect(codes('# syntax=a\n# syntax=b\nFROM alpine\n')).toEqual(['DOCKERFILE_DUPLICATE_DIRECTIVE@2']);
    expect(parseDockerfile('# syntax=a\n# syntax=b\nFROM alpine\n').directives).toEqual([
      { name: 'syntax', value: 'a', line: 1 },
    ]);
  });

  it('structural errors of FROM, COPY, ARG and ONBUILD', () => {
    expect(codes('FROM\n')).toEqual(['DOCKERFILE_MISSING_ARGUMENTS@1']);
    expect(codes('FROM alpine AS\n')).toEqual(['DOCKERFILE_INVALID_SYNTAX@1']);
    expect(codes('FROM alpine AS a\nFROM alpine AS A\n')).toEqual(['DOCKERFILE_DUPLICATE_STAGE@2']);
    expect(codes('FROM alpine\nCOPY onlyone\n')).toEqual(['DOCKERFILE_MISSING_ARGUMENTS@2']);
    expect(codes('FROM alpine\nARG\n')).toEqual(['DOCKERFILE_MISSING_ARGUMENTS@2']);
    expect(codes('FROM alpine\nONBUILD FROM x\nONBUILD\n')).toEqual([
      'DOCKERFILE_INVALID_ONBUILD@2',
      'DOCKERFILE_MISSING_ARGUMENTS@3',
    ]);
  });

  it('stage references that Docker rejects', () => {
    expect(codes('FROM alpine AS a\nCOPY --from=a /x /y\n')).toEqual(['DOCKERFILE_INVALID_STAGE_REFERENCE@2']);
    expect(codes('FROM alpine\nCOPY --from=3 /x /y\n')).toEqual(['DOCKERFILE_INVALID_STAGE_REFERENCE@2']);
  });

  it('bad substitution is reported and the word becomes empty', () => {
    const model = analyzeDockerfile('ARG A\nFROM alpine:${A\nCOPY ${:x} /d\n');
    expect(model.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual([
      'DOCKERFILE_BAD_SUBSTITUTION@2',
      'DOCKERFILE_BAD_SUBSTITUTION@3',
    ]);
  });

  it('never throws, whatever the input', () => {
    const nasty = [
      '\\',
      '`',
      'FROM "',
      'RUN <<',
      'RUN <<""',
      'COPY --from= a b',
      'ENV =',
      'ENV a',
      '# escape=`\nFROM a `',
      'ONBUILD ONBUILD',
      '\uFEFF',
      'FROM ${a:-${b:+${c}}}',
    ];
    for (const text of nasty) expect(() => analyzeDockerfile(text)).not.toThrow();
  });
});
