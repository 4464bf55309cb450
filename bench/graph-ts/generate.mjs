#!/usr/bin/env node
// Generates the synthetic workspace of the graph-ts benchmark under bench/.work/graph-ts/ws:
// PROJECTS projects of FILES_PER_PROJECT files (500 x 40 = 20,000 by default), importing each
// other through relative paths (some written `.js` for `.ts`), tsconfig `paths` aliases, a
// workspace package name, type-only and dynamic imports, CommonJS `require` in .js/.cjs files,
// and npm packages. It records the exact expected edge counts in expected.json.
// Usage: node bench/graph-ts/generate.mjs [--projects N] [--files-per-project N] [--out DIR]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const PROJECTS = Number(arg('--projects', 500));
const PER = Number(arg('--files-per-project', 40));
const OUT = path.resolve(arg('--out', path.join(here, '..', '.work', 'graph-ts', 'ws')));

// Deterministic PRNG (mulberry32), so every run builds the same tree.
let seed = 0x5eed;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n) => Math.floor(rand() * n);

const expected = {
  files: 0,
  sourceFiles: 0,
  imports: 0,
  workspaceEdges: 0,
  external: 0,
  unresolved: 0,
  byKind: {},
  projectEdges: 0,
};
const projectEdges = new Set();
const files = new Map();
const write = (rel, text) => files.set(rel, text);
const count = (kind, outcome) => {
  expected.imports++;
  expected.byKind[kind] = (expected.byKind[kind] ?? 0) + 1;
  expected[outcome]++;
};
const NPM = ['react', 'lodash', '@scope/util', 'rxjs', 'zod'];

// File j of a project: 0 index.ts, 1..PER-5 .ts modules, then a .tsx, a .d.ts, a .js and a .cjs.
function kindOf(j) {
  if (j === 0) return 'index';
  if (j === PER - 1) return 'cjs';
  if (j === PER - 2) return 'js';
  if (j === PER - 3) return 'dts';
  if (j === PER - 4) return 'tsx';
  return 'ts';
}
const fileName = (j) =>
  ({
    index: 'index.ts',
    cjs: `legacy${j}.cjs`,
    js: `util${j}.js`,
    dts: `types${j}.d.ts`,
    tsx: `view${j}.tsx`,
    ts: `mod${j}.ts`,
  })[kindOf(j)];

function tsModule(p, j) {
  const lines = [`// project ${p}, module ${j}`];
  const local = (k, kind, spec) => {
    lines.push(kind === 'type' ? `import type { T${k} } from '${spec}';` : `import { v${k} } from '${spec}';`);
    count(kind, 'workspaceEdges');
  };
  // Two or three imports of earlier modules of the same project (a DAG, like real layers).
  for (let n = 0; n < 2 + pick(2) && j > 1; n++) {
    const k = 1 + pick(Math.min(j - 1, PER - 5));
    local(k, n === 1 && rand() < 0.3 ? 'type' : 'static', rand() < 0.3 ? `./mod${k}.js` : `./mod${k}`);
  }
  if (p > 0) {
    const q = pick(p);
    projectEdges.add(`${p}>${q}`);
    const k = 1 + pick(PER - 5);
    if (rand() < 0.5) lines.push(`import { v${k} as x${k} } from '@bench/p${q}/mod${k}';`);
    else lines.push(`import * as p${q} from '@bench/p${q}';`);
    count('static', 'workspaceEdges');
    if (rand() < 0.4) {
      lines.push(`import type { Shape } from '@bench/p${pick(p)}';`);
      count('type', 'workspaceEdges');
    }
  }
  if (rand() < 0.2) {
    lines.push(`export const lazy = () => import('./mod${1 + pick(PER - 5)}');`);
    count('dynamic', 'workspaceEdges');
  }
  if (rand() < 0.1) {
    lines.push(`import { shared } from 'bench-shared';`);
    count('static', 'workspaceEdges');
  }
  if (rand() < 0.5) {
    lines.push(`import dep${j} from '${NPM[pick(NPM.length)]}';`);
    count('static', 'external');
  }
  if (rand() < 0.05) {
    lines.push(`import { gone } from './missing${j}';`);
    count('static', 'unresolved');
  }
  lines.push(
    'const s = "import(\'not-an-import\')"; // require("nor-this")',
    `export const v${j} = ${j};`,
    `export type T${j} = { n: ${j} };`,
  );
  return lines.join('\n') + '\n';
}

function projectFiles(p) {
  const dir = `packages/p${p}`;
  write(
    `${dir}/package.json`,
    JSON.stringify(
      { name: `@bench/p${p}`, version: '1.0.0', exports: { '.': './src/index.ts', './*': './src/*.ts' } },
      null,
      2,
    ),
  );
  write(`${dir}/tsconfig.json`, JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }, null, 2));
  const index = [];
  for (let j = 0; j < PER; j++) {
    const kind = kindOf(j);
    const rel = `${dir}/src/${fileName(j)}`;
    if (kind === 'index') continue;
    if (kind === 'ts') {
      write(rel, tsModule(p, j));
      if (j < 6) {
        index.push(`export * from './mod${j}';`);
        count('static', 'workspaceEdges');
      }
    } else if (kind === 'tsx') {
      write(
        rel,
        `import { v1 } from './mod1';\nimport type { T2 } from './mod2';\nexport const View = () => <div title="it's">Don't {v1} import('x')</div>;\n`,
      );
      count('static', 'workspaceEdges');
      count('type', 'workspaceEdges');
    } else if (kind === 'dts') {
      write(rel, `/// <reference path="./util${PER - 2}.js" />\nexport declare const t: import('./mod1').T1;\n`);
      count('type', 'workspaceEdges');
      count('reference', 'workspaceEdges');
    } else if (kind === 'js') {
      write(
        rel,
        `const legacy = require('./legacy${PER - 1}.cjs');\nconst path = require('node:path');\nexports.util = legacy;\n`,
      );
      count('require', 'workspaceEdges');
      count('require', 'external');
    } else {
      write(rel, `'use strict';\nconst fs = require('fs');\nmodule.exports = { re: /require\\('no'\\)/ };\n`);
      count('require', 'external');
    }
  }
  index.push(`export type Shape = { p: ${p} };`);
  write(`${dir}/src/index.ts`, index.join('\n') + '\n');
}

function rootFiles() {
  write('package.json', JSON.stringify({ name: 'graph-ts-bench', private: true, workspaces: ['packages/*'] }, null, 2));
  write('nx.json', JSON.stringify({ pluginsConfig: { '@nx/js': { analyzeSourceFiles: true } } }, null, 2));
  // `@bench/pN` goes through `paths`; `@bench/pN/modK` matches the alias too but finds no file there,
  // so it resolves through the package's `exports` (as TypeScript would through node_modules).
  const compilerOptions = {
    module: 'esnext',
    moduleResolution: 'bundler',
    jsx: 'react-jsx',
    allowJs: true,
    baseUrl: '.',
    paths: { '@bench/*': ['packages/*/src/index.ts'] },
  };
  write('tsconfig.base.json', JSON.stringify({ compilerOptions }, null, 2));
  write(
    'packages/shared/package.json',
    JSON.stringify({ name: 'bench-shared', version: '1.0.0', main: 'lib/index.js', types: 'lib/index.d.ts' }, null, 2),
  );
  write('packages/shared/lib/index.js', 'exports.shared = 1;\n');
  write('packages/shared/lib/index.d.ts', 'export declare const shared: number;\n');
  write('.gitignore', 'node_modules\n.nx\n');
}

rootFiles();
for (let p = 0; p < PROJECTS; p++) projectFiles(p);
fs.rmSync(OUT, { recursive: true, force: true });
for (const [rel, text] of files) {
  fs.mkdirSync(path.dirname(path.join(OUT, rel)), { recursive: true });
  fs.writeFileSync(path.join(OUT, rel), text);
}
expected.files = files.size;
expected.sourceFiles = [...files.keys()].filter((f) => /\.(?:[cm]?[jt]sx?)$/.test(f)).length;
expected.projectEdges = projectEdges.size;
fs.writeFileSync(path.join(path.dirname(OUT), 'expected.json'), JSON.stringify(expected, null, 2));
const git = (...a) =>
  execFileSync('git', a, {
    cwd: OUT,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@b',
    },
  });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-q', '-m', 'bench tree');
console.log(`generated ${files.size} files in ${OUT}`);
console.log(JSON.stringify(expected));
