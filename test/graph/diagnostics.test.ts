import { afterEach, describe, expect, it } from 'vitest';
import { buildFileGraph } from '../../graph';
import { removeTree, writeTree } from './temp-tree';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeTree(t);
});

describe('diagnostics for bad files', () => {
  it('reports a malformed tsconfig.json once, with its line, and resolves the files under it with defaults', async () => {
    const root = writeTree({
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@ok/*': ['ok/*'] } } }),
      'bad/tsconfig.json': '{\n  "compilerOptions": {\n    "paths": { "@x/*": ["x/*"] }\n    "baseUrl": "."\n  }\n}\n',
      'bad/src/a.ts': "import { b } from './b';\nimport { x } from '@x/y';\n",
      'bad/src/b.ts': 'export const b = 1;\n',
    });
    trees.push(root);
    const g = await buildFileGraph({ workspaceRoot: root, cacheDir: false });
    const tsconfigDiagnostics = g.diagnostics.filter((d) => d.code === 'TSCONFIG_INVALID');
    expect(tsconfigDiagnostics).toHaveLength(1);
    expect(tsconfigDiagnostics[0]).toMatchObject({ file: 'bad/tsconfig.json', line: 4 });
    expect(g.files['bad/src/a.ts'].imports.map((i) => i.target ?? i.external)).toEqual(['bad/src/b.ts', '@x/y']);
  });

  it('reports an unparseable source file with its line and keeps the imports found', async () => {
    const root = writeTree({
      'a.ts': "import { b } from './b';\nconst s = 'oops\n",
      'b.ts': "import { c } from './c';\n",
      'c.ts': '',
      'package.json': '{ "name": "x", }}',
    });
    trees.push(root);
    const g = await buildFileGraph({ workspaceRoot: root, cacheDir: false });
    expect(g.diagnostics).toContainEqual({
      file: 'a.ts',
      line: 2,
      code: 'TS_PARSE_ERROR',
      message: 'unterminated string literal',
    });
    expect(g.diagnostics.filter((d) => d.code === 'PACKAGE_JSON_INVALID')).toEqual([
      expect.objectContaining({ file: 'package.json', line: 1 }),
    ]);
    expect(g.files['a.ts'].imports[0].target).toBe('b.ts');
    expect(g.files['b.ts'].diagnostics).toEqual([]);
    expect(g.files['b.ts'].imports[0].target).toBe('c.ts');
  });

  it('reports an extends that cannot be found', async () => {
    const root = writeTree({ 'tsconfig.json': '{ "extends": "@nope/tsconfig" }', 'a.ts': '' });
    trees.push(root);
    const g = await buildFileGraph({ workspaceRoot: root, cacheDir: false });
    expect(g.diagnostics).toEqual([
      expect.objectContaining({ file: 'tsconfig.json', code: 'TSCONFIG_EXTENDS_NOT_FOUND' }),
    ]);
  });
});
