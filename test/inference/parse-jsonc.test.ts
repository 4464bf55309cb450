import { describe, expect, it } from 'vitest';
import { parseJsonc } from '../../graph';

describe('parseJsonc', () => {
  it('parses JSON with comments and trailing commas when jsonc is on', () => {
    const text = '{\n  // a comment\n  "a": [1, 2,],\n  /* block */ "b": {"c": "x\\"y",},\n}';
    expect(parseJsonc(text)).toEqual({ ok: true, value: { a: [1, 2], b: { c: 'x"y' } } });
  });

  it('agrees with JSON.parse on plain JSON', () => {
    const value = { s: 'é\\n\u2028', n: -1.5e3, t: true, f: false, z: null, arr: [{}, []] };
    expect(parseJsonc(JSON.stringify(value, null, 2), { jsonc: false })).toEqual({ ok: true, value });
  });

  it('rejects comments and trailing commas in strict mode, with the position', () => {
    expect(parseJsonc('{"a": 1,\n}', { jsonc: false })).toMatchObject({ ok: false, line: 2, column: 1 });
    expect(parseJsonc('// x\n{}', { jsonc: false })).toMatchObject({ ok: false, line: 1, column: 1 });
  });

  it.each([
    ['{ "name": "b", oops }', 1, 16, 'expected a property name in double quotes'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, 'expected "," or "}"'],
    ['{"a": [1 2]}', 1, 10, 'expected "," or "]"'],
    ['{"a": "unterminated\n}', 1, 7, 'unterminated string'],
    ['{"a": 1} x', 1, 10, 'after the end of the value'],
    ['', 1, 1, 'expected a value, found end of file'],
    ['/* open', 1, 1, 'unterminated comment'],
  ])('locates the error in %j', (text, line, column, message) => {
    const r = parseJsonc(text);
    expect(r).toMatchObject({ ok: false, line, column });
    expect(r.ok ? '' : r.message).toContain(message);
  });

  it('keeps a "__proto__" key as data', () => {
    const r = parseJsonc('{"__proto__": {"polluted": true}}');
    expect(r.ok && Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
