import { describe, expect, it } from 'vitest';
import { extractImports } from '../../graph/python';

const scan = (src: string) => extractImports(src, 'pkg/mod.py');
/** Compact form: [specifier, level, kind, line] plus flags when set. */
const brief = (src: string) =>
  scan(src).imports.map((i) => [
    i.specifier,
    i.level,
    i.kind,
    i.line,
    ...(i.weak ? ['weak'] : []),
    ...(i.typeChecking ? ['tc'] : []),
  ]);

describe('extractImports: statements', () => {
  it('reads import lists with aliases and dotted names', () => {
    expect(brief('import a.b, c as d\nimport e')).toEqual([
      ['a.b', 0, 'import', 1],
      ['c', 0, 'import', 1],
      ['e', 0, 'import', 2],
    ]);
  });

  it('reads from-imports with names, aliases and star', () => {
    const r = scan('from a.b import c, d as e\nfrom x import *\n');
    expect(r.imports).toEqual([
      { specifier: 'a.b', level: 0, kind: 'from', weak: false, line: 1, names: ['c', 'd'] },
      { specifier: 'x', level: 0, kind: 'from', weak: false, line: 2, names: [] },
    ]);
  });

  it('counts relative levels, including `...` written as one token', () => {
    const r = scan('from . import x\nfrom ..pkg import y\nfrom ...up.deep import z\nfrom .... import w');
    expect(r.imports.map((i) => [i.specifier, i.level, i.names])).toEqual([
      ['', 1, ['x']],
      ['pkg', 2, ['y']],
      ['up.deep', 3, ['z']],
      ['', 4, ['w']],
    ]);
  });

  it('reads parenthesized multi-line lists with comments and trailing commas', () => {
    const r = scan('from a import (\n  b,  # first\n  c as cc,\n)\nimport z');
    expect(r.imports.map((i) => [i.specifier, i.line, i.names])).toEqual([
      ['a', 1, ['b', 'c']],
      ['z', 5, undefined],
    ]);
  });

  it('follows backslash continuations and semicolons', () => {
    expect(brief('import a, \\\n  b\nx = 1; import c; from d import e')).toEqual([
      ['a', 0, 'import', 1],
      ['b', 0, 'import', 2],
      ['c', 0, 'import', 3],
      ['d', 0, 'from', 3],
    ]);
  });

  it('finds imports nested in functions, classes, if/else, with and one-line bodies', () => {
    const src = [
      'def f():',
      '    import inner',
      'class C:',
      '    from k import v',
      '    def m(self):',
      '        if x: import deep',
      '        else: import other',
      'with open(p) as fh: import w',
    ].join('\n');
    expect(brief(src).map((i) => i[0])).toEqual(['inner', 'k', 'deep', 'other', 'w']);
  });
});

describe('extractImports: flags', () => {
  it('flags TYPE_CHECKING blocks, qualified or not, and not their else branch', () => {
    const src = [
      'from typing import TYPE_CHECKING',
      'if TYPE_CHECKING:',
      '    import a',
      '    if x:',
      '        import b',
      'else:',
      '    import c',
      'if typing.TYPE_CHECKING: import d',
      'import e',
    ].join('\n');
    expect(brief(src)).toEqual([
      ['typing', 0, 'from', 1],
      ['a', 0, 'import', 3, 'tc'],
      ['b', 0, 'import', 5, 'tc'],
      ['c', 0, 'import', 7],
      ['d', 0, 'import', 8, 'tc'],
      ['e', 0, 'import', 9],
    ]);
  });

  it('marks the try body weak when a handler catches ImportError or ModuleNotFoundError', () => {
    const src = [
      'try:',
      '    import ujson as json',
      '    try:',
      '        import nested',
      '    except ValueError:',
      '        pass',
      'except (OSError, ImportError):',
      '    import json',
      'try:',
      '    import strict',
      'except ValueError:',
      '    pass',
      'try: import mnf',
      'except ModuleNotFoundError: pass',
    ].join('\n');
    expect(brief(src)).toEqual([
      ['ujson', 0, 'import', 2, 'weak'],
      ['nested', 0, 'import', 4, 'weak'],
      ['json', 0, 'import', 8],
      ['strict', 0, 'import', 10],
      ['mnf', 0, 'import', 13, 'weak'],
    ]);
  });

  it('reads literal string imports as weak, and ignores computed ones', () => {
    const src = [
      'import importlib',
      'm = importlib.import_module("x.y")',
      "n = __import__('z')",
      'o = import_module(".rel", __package__)',
      'p = importlib.import_module(name)',
      'q = importlib.import_module(f"x{y}")',
      'r = obj.__import__("not_me")',
      's = importlib.import_module("a" "b")',
    ].join('\n');
    expect(brief(src)).toEqual([
      ['importlib', 0, 'import', 1],
      ['x.y', 0, 'string', 2, 'weak'],
      ['z', 0, 'string', 3, 'weak'],
      ['rel', 1, 'string', 4, 'weak'],
    ]);
  });

  it('drops statements carrying the ignore pragma, on any of their lines', () => {
    const src =
      'import a  # fleet: ignore-import\nimport b\nfrom c import (  \n  d,  # fleet: ignore-import\n)\nx = __import__("e")  # fleet: ignore-import';
    expect(brief(src).map((i) => i[0])).toEqual(['b']);
  });
});

describe('extractImports: not fooled', () => {
  it('skips strings of every kind and comments', () => {
    const src = [
      '"import a"',
      "'''\nimport b\n'''",
      'r"\\" import c"',
      'b"import d"',
      "f'{x} import e'",
      '# import f',
      'x = """\nfrom g import h\n"""',
      "rb'''import i'''",
      'Rf"{y!r:>{w}} import j"',
      'import real',
    ].join('\n');
    expect(brief(src)).toEqual([['real', 0, 'import', 14]]);
  });

  it('handles PEP 701 f-strings with nested same quotes and format specs', () => {
    const src = 'x = f"{d["k"]} {f"{inner}"} {v:{w}.{p}} {{literal}} \\N{DASH}"\nimport after';
    expect(brief(src)).toEqual([['after', 0, 'import', 2]]);
  });

  it('does not take identifiers or attributes for keywords', () => {
    const src = 'x.import_ = 1\nimport_thing()\nfrom_ = 2\nobj.from_x(import_=3)\nyield_from = 1\nimport ok';
    expect(brief(src)).toEqual([['ok', 0, 'import', 6]]);
  });

  it('does not start statements inside brackets or after `yield from` / `raise from`', () => {
    const src = 'def g():\n    yield from x\n    raise E from e\nd = {\n  "a": 1,\n}\nimport z';
    expect(brief(src)).toEqual([['z', 0, 'import', 7]]);
  });

  it('treats tabs, form feeds, CRLF line ends and a BOM like Python does', () => {
    const src = '\ufeffif TYPE_CHECKING:\r\n\timport a\r\n\x0cimport b\r\n';
    expect(brief(src)).toEqual([
      ['a', 0, 'import', 2, 'tc'],
      ['b', 0, 'import', 3],
    ]);
  });
});

describe('extractImports: syntax errors', () => {
  it('keeps imports before an unterminated triple-quoted string and reports its line', () => {
    const r = scan('import a\nfrom b import c\nx = """\nimport d\n');
    expect(r.imports.map((i) => i.specifier)).toEqual(['a', 'b']);
    expect(r.diagnostics).toEqual([
      {
        file: 'pkg/mod.py',
        line: 3,
        code: 'PY_SYNTAX_ERROR',
        message: 'invalid Python syntax: unterminated triple-quoted string literal',
      },
    ]);
  });

  it('reports an unclosed bracket at its line', () => {
    const r = scan('import a\nfoo(1,\nimport b\n');
    expect(r.imports.map((i) => i.specifier)).toEqual(['a']);
    expect(r.diagnostics[0]).toMatchObject({ line: 2, code: 'PY_SYNTAX_ERROR' });
    expect(r.diagnostics[0].message).toContain("'(' was never closed");
  });

  it('reports a stray closer and a malformed import', () => {
    expect(scan('import a\n)\nimport b').diagnostics[0]).toMatchObject({ line: 2, code: 'PY_SYNTAX_ERROR' });
    const bad = scan('import a\nfrom b import\nimport c');
    expect(bad.imports.map((i) => i.specifier)).toEqual(['a']);
    expect(bad.diagnostics[0]).toMatchObject({ line: 2, code: 'PY_SYNTAX_ERROR' });
  });

  it('reports an unterminated single-quoted string', () => {
    const r = scan("import a\nx = 'oops\nimport b");
    expect(r.imports.map((i) => i.specifier)).toEqual(['a']);
    expect(r.diagnostics[0]).toMatchObject({ line: 2, code: 'PY_SYNTAX_ERROR' });
  });
});
