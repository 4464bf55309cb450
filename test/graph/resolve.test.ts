import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFileGraph, projectDependencies, toFileNode, type FileGraph } from '../../graph';
import { removeTree, writeTree } from './temp-tree';

const json = (v: unknown) => JSON.stringify(v, null, 2);

/** A workspace exercising every resolution rule; node_modules is deliberately absent except one package. */
const TREE: Record<string, string> = {
  'package.json': json({ name: 'root', private: true, workspaces: ['packages/*', 'tools/cfg'] }),
  'tsconfig.base.json': json({
    compilerOptions: {
      baseUrl: '.',
      paths: { '@lib/*': ['libs/*/src/index.ts'], '@exact': ['libs/exact/main.ts'], '@broken/*': ['nowhere/*'] },
    },
  }),
  // A chain: app tsconfig → tools/cfg package (package extends) → ../../tsconfig.base.json.
  'tools/cfg/package.json': json({ name: '@ws/tsconfig', version: '1.0.0', tsconfig: 'base.json' }),
  'tools/cfg/base.json': json({ extends: '../../tsconfig.base.json', compilerOptions: { strict: true } }),
  'node_modules/@ws/tsconfig/package.json': json({ name: '@ws/tsconfig', tsconfig: 'base.json' }),
  'node_modules/@ws/tsconfig/base.json': json({ extends: '../../../tsconfig.base.json' }),
  'node_modules/@broken/installed-pkg/package.json': json({ name: '@broken/installed-pkg' }),
  'apps/web/tsconfig.json':
    '// comments and trailing commas are fine\n{ "extends": "@ws/tsconfig", "compilerOptions": { "jsx": "react-jsx", }, }',
  'apps/web/src/main.tsx': [
    "import { a } from '@lib/alpha';",
    "import { e } from '@exact';",
    "import { u } from './util.js';",
    "import { m } from './esm.mjs';",
    "import { c } from './cjs.cjs';",
    "import { d } from './dir';",
    "import { s } from 'shared';",
    "import { sub } from 'shared/feature';",
    "import { w } from '@ws/with-main';",
    "import { t } from '@ws/types-only';",
    "import { n } from '@ws/not-built';",
    "import React from 'react';",
    "import { z } from '@scope/pkg/deep/path';",
    "import fs from 'node:fs';",
    "import path from 'path';",
    "import { x } from './missing';",
    "import { y } from '@broken/thing';",
    "import { i } from '@broken/installed-pkg';",
    "import data from './data.json';",
    "import './styles.css';",
    "import { viaBase } from 'libs/alpha/src/helper';",
    "import { local } from '#internal/x';",
  ].join('\n'),
  'apps/web/package.json': json({ name: 'web', imports: { '#internal/*': './src/internal/*.ts' } }),
  'apps/web/src/internal/x.ts': 'export const local = 1;',
  'apps/web/src/util.ts': 'export const u = 1;',
  'apps/web/src/esm.mts': 'export const m = 1;',
  'apps/web/src/cjs.cts': 'export const c = 1;',
  'apps/web/src/dir/index.ts': 'export const d = 1;',
  'apps/web/src/data.json': '{}',
  'apps/web/src/styles.css': 'body {}',
  'libs/alpha/src/index.ts': "export * from './helper';",
  'libs/alpha/src/helper.ts': 'export const a = 1;',
  'libs/exact/main.ts': 'export const e = 1;',
  'packages/shared/package.json': json({
    name: 'shared',
    exports: { '.': { types: './src/index.ts', default: './dist/index.js' }, './feature': './src/feature/index.ts' },
  }),
  'packages/shared/src/index.ts': 'export const s = 1;',
  'packages/shared/src/feature/index.ts': 'export const sub = 1;',
  'packages/with-main/package.json': json({ name: '@ws/with-main', main: 'lib/main.js' }),
  'packages/with-main/lib/main.js': 'exports.w = 1;',
  'packages/types-only/package.json': json({ name: '@ws/types-only', types: 'index.d.ts' }),
  'packages/types-only/index.d.ts': 'export declare const t: number;',
  'packages/not-built/package.json': json({ name: '@ws/not-built', main: 'dist/index.js' }),
  'packages/not-built/src/index.ts': 'export const n = 1;',
  'no-tsconfig/a.js': "const b = require('./b');\nconst alias = require('@lib/alpha');",
  'no-tsconfig/b.js': 'module.exports = 1;',
};

describe('import resolution on a fixture workspace', () => {
  let root: string;
  let graph: FileGraph;
  beforeAll(async () => {
    root = writeTree(TREE);
    // node_modules/ is skipped as a source of files; list the workspace files explicitly (no git here).
    graph = await buildFileGraph({
      workspaceRoot: root,
      cacheDir: false,
      files: Object.keys(TREE)
        .filter((f) => !f.startsWith('node_modules/'))
        .map((file) => ({ file })),
    });
  });
  afterAll(() => removeTree(root));

  const resolved = (file: string) =>
    Object.fromEntries(
      graph.files[file].imports.map((i) => [
        i.specifier,
        i.target ?? (i.external ? `external:${i.external}` : 'unresolved'),
      ]),
    );

  it('resolves paths, baseUrl, extends chains (package extends), .js→.ts, index probing and workspace packages', () => {
    expect(resolved('apps/web/src/main.tsx')).toEqual({
      '@lib/alpha': 'libs/alpha/src/index.ts',
      '@exact': 'libs/exact/main.ts',
      './util.js': 'apps/web/src/util.ts',
      './esm.mjs': 'apps/web/src/esm.mts',
      './cjs.cjs': 'apps/web/src/cjs.cts',
      './dir': 'apps/web/src/dir/index.ts',
      shared: 'packages/shared/src/index.ts',
      'shared/feature': 'packages/shared/src/feature/index.ts',
      '@ws/with-main': 'packages/with-main/lib/main.js',
      '@ws/types-only': 'packages/types-only/index.d.ts',
      '@ws/not-built': 'packages/not-built/package.json',
      react: 'external:react',
      '@scope/pkg/deep/path': 'external:@scope/pkg',
      'node:fs': 'external:node:fs',
      path: 'external:node:path',
      './missing': 'unresolved',
      '@broken/thing': 'unresolved',
      '@broken/installed-pkg': 'external:@broken/installed-pkg',
      './data.json': 'apps/web/src/data.json',
      './styles.css': 'apps/web/src/styles.css',
      'libs/alpha/src/helper': 'libs/alpha/src/helper.ts',
      '#internal/x': 'apps/web/src/internal/x.ts',
    });
  });

  it('uses TypeScript defaults where no tsconfig applies above the file but the root one', () => {
    // no-tsconfig/ has no tsconfig of its own: the root tsconfig.base.json (Nx convention) applies.
    expect(resolved('no-tsconfig/a.js')).toEqual({
      './b': 'no-tsconfig/b.js',
      '@lib/alpha': 'libs/alpha/src/index.ts',
    });
  });

  it('summarises a file as the documented FileNode shape', () => {
    const node = toFileNode(graph.files['apps/web/src/main.tsx']);
    expect(node.external).toEqual(['@broken/installed-pkg', '@scope/pkg', 'node:fs', 'node:path', 'react']);
    expect(node.unresolved).toEqual(['./missing', '@broken/thing']);
    expect(node.imports).toContain('libs/alpha/src/index.ts');
    expect([...node.imports].sort()).toEqual(node.imports);
  });

  it('derives project edges with sourceFile, dynamic for import(), and no self edges', async () => {
    const owner = (f: string) =>
      f.startsWith('apps/web/')
        ? 'web'
        : f.startsWith('libs/alpha/')
          ? 'alpha'
          : f.startsWith('packages/shared/')
            ? 'shared'
            : undefined;
    const deps = projectDependencies(graph, owner);
    expect(deps).toContainEqual({
      source: 'web',
      target: 'alpha',
      type: 'static',
      sourceFile: 'apps/web/src/main.tsx',
    });
    expect(deps).toContainEqual({
      source: 'web',
      target: 'shared',
      type: 'static',
      sourceFile: 'apps/web/src/main.tsx',
    });
    expect(deps.some((d) => d.source === d.target)).toBe(false);
    const dyn = writeTree({ 'a/x.ts': "import('../b/y');\nimport '../a/z';", 'a/z.ts': '', 'b/y.ts': '' });
    try {
      const g = await buildFileGraph({
        workspaceRoot: dyn,
        cacheDir: false,
        files: [{ file: 'a/x.ts' }, { file: 'a/z.ts' }, { file: 'b/y.ts' }],
      });
      expect(projectDependencies(g, (f) => f.split('/')[0])).toEqual([
        { source: 'a', target: 'b', type: 'dynamic', sourceFile: 'a/x.ts' },
      ]);
      expect(projectDependencies(g, (f) => f.split('/')[0], ['a/z.ts'])).toEqual([]);
    } finally {
      removeTree(dyn);
    }
  });
});
