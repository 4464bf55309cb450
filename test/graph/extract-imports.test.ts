import { describe, expect, it } from 'vitest';
import { typescriptAnalyzer } from '../../graph/typescript/typescript-analyzer';

const extract = (text: string, file = 'a.ts') => typescriptAnalyzer.extract(text, file);
const specs = (text: string, file = 'a.ts') =>
  extract(text, file).imports.map((i) => `${i.kind}:${i.specifier}@${i.line}`);

describe('TS/JS import extraction', () => {
  it('finds every kind, with 1-based lines', () => {
    const src = [
      '/// <reference path="./globals.d.ts" />',
      '/// <reference types="node" />',
      "import a from 'static-default';",
      "import * as ns from 'static-ns';",
      "import 'side-effect';",
      "export { x } from './reexport';",
      "export * from './star';",
      "export * as nsx from './star-as';",
      "const d = import('./dynamic');",
      "const r = require('./required');",
      "import type { T } from './type-only';",
      "export type { U } from './type-reexport';",
      "import json from './data.json' with { type: 'json' };",
    ].join('\n');
    expect(specs(src)).toEqual([
      'reference:./globals.d.ts@1',
      'reference:node@2',
      'static:static-default@3',
      'static:static-ns@4',
      'static:side-effect@5',
      'static:./reexport@6',
      'static:./star@7',
      'static:./star-as@8',
      'dynamic:./dynamic@9',
      'require:./required@10',
      'type:./type-only@11',
      'type:./type-reexport@12',
      'static:./data.json@13',
    ]);
  });

  it('treats `import { type A }` with only type specifiers as type-only, mixed ones as static', () => {
    expect(
      specs("import { type A, type B } from 'all-types';\nimport { type C, D } from 'mixed';\nimport {} from 'empty';"),
    ).toEqual(['type:all-types@1', 'static:mixed@2', 'static:empty@3']);
    expect(
      specs(
        "export { type A } from 'x';\nimport { type as } from 'named-type';\nimport type from 'default-named-type';",
      ),
    ).toEqual(['type:x@1', 'type:named-type@2', 'static:default-named-type@3']);
  });

  it('ignores imports inside comments, strings, template text and regex literals', () => {
    const src = [
      "// import 'comment';",
      "/* require('block') */",
      'const s = "import(\'string\')";',
      "const t = `import('template') ${import('in-substitution')} require('x')`;",
      "const re = /import\\('regex'\\)\"/g;",
      "const q = a / b / require('after-division');",
      "if (/['\"]/.test(s)) require('after-regex-quote');",
    ].join('\n');
    expect(specs(src)).toEqual([
      'dynamic:in-substitution@4',
      'require:after-division@6',
      'require:after-regex-quote@7',
    ]);
  });

  it('skips JSX text and attributes in .tsx/.jsx but keeps imports in JSX expressions', () => {
    const src = [
      "import React from 'react';",
      'export const A = () => (',
      "  <div title=\"import('attr')\" data-x={require('in-attr')}>",
      "    Don't import('text') {import('in-child')}",
      '    <br />',
      '  </div>',
      ');',
      "const g = <T,>(x: T) => import('after-generic-arrow');",
    ].join('\n');
    expect(specs(src, 'a.tsx')).toEqual([
      'static:react@1',
      'require:in-attr@3',
      'dynamic:in-child@4',
      'dynamic:after-generic-arrow@8',
    ]);
  });

  it('does not mistake TS generics and comparisons for JSX in .ts files', () => {
    const src =
      "const m = new Map<string, Array<number>>();\nif (a < b && c > d) {}\nconst x = y << 2;\nimport z from 'after';";
    expect(specs(src)).toEqual(['static:after@4']);
    expect(specs(src, 'a.js')).toEqual(['static:after@4']);
  });

  it('handles import-equals, export import and type queries', () => {
    const src = [
      "import fs = require('fs');",
      "export import p = require('path');",
      "import type T = require('types-only');",
      "type Q = typeof import('type-query');",
      "let v: import('type-position').Foo;",
      "import('dyn').then((m) => m);",
    ].join('\n');
    expect(specs(src)).toEqual([
      'static:fs@1',
      'static:path@2',
      'type:types-only@3',
      'type:type-query@4',
      'type:type-position@5',
      'dynamic:dyn@6',
    ]);
  });

  it('makes every import of a declaration file type-only', () => {
    expect(specs("import { A } from './a';\nexport * from './b';", 'x.d.ts')).toEqual(['type:./a@1', 'type:./b@2']);
  });

  it('does not take member calls, non-literal arguments or import.meta for imports', () => {
    const src =
      "foo.require('m');\nx.import('n');\nrequire(name);\nrequire('a' + b);\nimport.meta.url;\nrequire.resolve('r');";
    expect(specs(src, 'a.js')).toEqual([]);
  });

  it('accepts template literals without substitutions in import() and require()', () => {
    expect(specs('import(`./t`);\nrequire(`./u`);\nimport(`./${x}`);', 'a.js')).toEqual([
      'dynamic:./t@1',
      'require:./u@2',
    ]);
  });

  it('only reads triple-slash directives before the first statement', () => {
    const src =
      '#!/usr/bin/env node\n/// <reference path="a.d.ts" />\n/// <reference lib="es2020" />\nconst x = 1;\n/// <reference path="late.d.ts" />';
    expect(specs(src, 'a.js')).toEqual(['reference:a.d.ts@2']);
  });

  it('counts lines across multi-line comments, templates and strings with continuations', () => {
    const src = "/*\n\n*/\nconst t = `\n\n`;\nconst s = 'a\\\nb';\nimport 'here';";
    expect(specs(src)).toEqual(['static:here@9']);
  });

  it('never throws on bad input: keeps what it found and reports one TS_PARSE_ERROR with a line', () => {
    const r = extract("import 'before';\nconst s = 'unterminated\nimport 'after';\n");
    expect(r.imports.map((i) => i.specifier)).toEqual(['before', 'after']);
    expect(r.diagnostics).toEqual([{ line: 2, code: 'TS_PARSE_ERROR', message: 'unterminated string literal' }]);
    const unclosed = extract("import x from 'y';\nfunction f() {\n  `abc ${\n");
    expect(unclosed.imports.map((i) => i.specifier)).toEqual(['y']);
    expect(unclosed.diagnostics).toHaveLength(1);
    expect(unclosed.diagnostics[0].code).toBe('TS_PARSE_ERROR');
    for (const junk of ['}}}', '`${', '/*', '<div', "'", 'import(', 'export {', 'require(', '\u0000\uffff']) {
      expect(() => extract(junk, 'a.tsx')).not.toThrow();
    }
  });

  it('cooks escapes in specifiers', () => {
    expect(specs("import '\\x61b\\u0063';")).toEqual(['static:abc@1']);
  });
});
