import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { typescriptAnalyzer } from '../../graph/typescript/typescript-analyzer';
import { ModuleResolver, type Resolution } from '../../graph/typescript/module-resolver';
import { WorkspaceFiles } from '../../graph/workspace-files';
import { repoRoot } from '../rig';
import { parseWithTypeScript } from '../trust/support/ts-oracle';

// Accuracy against TypeScript itself, over real files nobody here wrote: every .js/.mjs/.cjs/
// .ts/.d.ts/.mts/.cts/.tsx/.jsx of a fixed list of packages in node_modules, in sorted order.
// Each package is a little "workspace" of its own for resolution. The documented differences
// are listed in docs/json-output.md.

const NM = path.join(repoRoot(), 'node_modules');
const SOURCE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const MAX_SIZE = 2_000_000;

/**
 * The packages compared: this repository's own (locked) dependencies, so the corpus only moves
 * when package-lock.json does. TypeScript itself is left out: its 9 MB bundles are too slow
 * for preProcessFile in CI.
 */
const PACKAGES = [
  'nx',
  '@nx/devkit',
  'vitest',
  '@vitest',
  'vite',
  'rolldown',
  'madge',
  'dependency-cruiser',
  'ajv',
  'yaml',
  'tar',
  'piscina',
  'commander',
  'tslib',
  '@typescript-eslint',
  'es-module-lexer',
  'oxc-resolver',
  'ioredis',
  'smol-toml',
  'detective-typescript',
  'precinct',
  'filing-cabinet',
  'acorn',
  'acorn-walk',
  'chalk',
  'semver',
  'minimatch',
  'glob',
];

function packages(): string[] {
  const out: string[] = [];
  for (const name of PACKAGES) {
    const dir = path.join(NM, name);
    if (!fs.existsSync(dir)) continue;
    const dirs =
      name.startsWith('@') && !name.includes('/')
        ? fs
            .readdirSync(dir)
            .sort()
            .map((s) => path.join(dir, s))
        : [dir];
    for (const d of dirs) if (!fs.lstatSync(d).isSymbolicLink()) out.push(d);
  }
  return out;
}

/**
 * The independent referee where our extraction and preProcessFile differ: TypeScript's full
 * parser (test/trust/support/ts-oracle.ts). preProcessFile scans tokens and has known quirks
 * (it records `x.require("a")`, `require("a" + b)`, AMD `define([...])` arrays and
 * `declare module "x"` names; it misses `export * as ns from`, and it loses sync after some
 * regex and template literals).
 */
const astImports = (text: string, file: string): string[] => parseWithTypeScript(text, file).specifiers;

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

/** TypeScript's answer in our terms: a file of the package, a package name, or nothing. */
function typescriptResolution(dir: string, resolved: ts.ResolvedModuleFull | undefined): Resolution {
  if (!resolved) return { unresolved: true };
  const rel = path.relative(dir, resolved.resolvedFileName).split(path.sep).join('/');
  if (!rel.startsWith('..') && !rel.includes('node_modules/')) return { target: rel };
  const tail = resolved.resolvedFileName.split('/node_modules/').pop()!.split('/');
  if (tail.length === 1) tail[0] = tail[0].replace(/\.(?:d\.ts|[cm]?[jt]s|json)$/, '');
  let name = tail[0].startsWith('@') ? `${tail[0]}/${tail[1]}` : tail[0];
  if (name.startsWith('@types/'))
    name = name.slice(7).includes('__') ? `@${name.slice(7).replace('__', '/')}` : name.slice(7);
  return { external: name };
}

/** exact: same answer; builtin: we name a node builtin TS finds no file for; uninstalled: a bare package that is not installed. */
function compare(ours: Resolution, theirs: Resolution): 'exact' | 'builtin' | 'uninstalled' | 'differs' {
  if ('target' in ours && 'target' in theirs && ours.target === theirs.target) return 'exact';
  if ('external' in ours && !ours.builtin && 'external' in theirs && ours.external === theirs.external) return 'exact';
  if ('unresolved' in ours && 'unresolved' in theirs) return 'exact';
  if ('external' in ours && ours.builtin && !('target' in theirs)) return 'builtin';
  if ('external' in ours && 'unresolved' in theirs) return 'uninstalled';
  return 'differs';
}

describe('accuracy against the TypeScript compiler on node_modules sources', () => {
  it('agrees with ts.preProcessFile and ts.resolveModuleName', () => {
    const options: ts.CompilerOptions = {
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      module: ts.ModuleKind.ESNext,
      allowJs: true,
      resolveJsonModule: true,
      noEmit: true,
    };
    let files = 0;
    const extractionDiffs: string[] = [];
    let refereed = 0;
    const counts = { exact: 0, builtin: 0, uninstalled: 0, differs: 0 };
    const differing: string[] = [];
    for (const dir of packages()) {
      const all = listFiles(dir);
      const manifest = (() => {
        try {
          return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
        } catch {
          return {};
        }
      })();
      const self = typeof manifest.name === 'string' ? new Map([[manifest.name, { dir: '.', manifest }]]) : new Map();
      const resolver = new ModuleResolver(new WorkspaceFiles(dir, new Set(all)), self);
      const cache = ts.createModuleResolutionCache(dir, (x) => x, options);
      for (const rel of all.filter((f) => SOURCE.test(f))) {
        const text = fs.readFileSync(path.join(dir, rel), 'utf8');
        if (text.length > MAX_SIZE) continue;
        files++;
        const ours = typescriptAnalyzer.extract(text, rel);
        const name = path.relative(NM, path.join(dir, rel)).split(path.sep).join('/');
        expect(ours.diagnostics, name).toEqual([]); // real, valid files must lex cleanly
        const pp = ts.preProcessFile(text, true, true);
        const theirs = [...pp.importedFiles, ...pp.referencedFiles, ...pp.typeReferenceDirectives]
          .map((r) => r.fileName)
          .sort();
        const mine = ours.imports.map((i) => i.specifier).sort();
        if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
          refereed++;
          const ast = astImports(text, rel);
          if (JSON.stringify(mine) !== JSON.stringify(ast))
            extractionDiffs.push(`${name}: ours ${JSON.stringify(mine)} vs TypeScript's parser ${JSON.stringify(ast)}`);
        }
        for (const imp of ours.imports) {
          if (imp.kind === 'reference') continue;
          const mode = imp.kind === 'require' ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext;
          const r = ts.resolveModuleName(
            imp.specifier,
            path.join(dir, rel),
            options,
            ts.sys,
            cache,
            undefined,
            mode,
          ).resolvedModule;
          const verdict = compare(resolver.resolve(rel, imp.specifier, imp.kind), typescriptResolution(dir, r));
          counts[verdict]++;
          if (verdict === 'differs') differing.push(`${name}: ${imp.specifier}`);
        }
      }
    }
    const specifiers = counts.exact + counts.builtin + counts.uninstalled + counts.differs;
    const agreement = (100 * (specifiers - counts.differs)) / specifiers;
    console.log(
      `extraction: ${files} files; ${files - refereed} identical to ts.preProcessFile (${((100 * (files - refereed)) / files).toFixed(2)}%); ${refereed} differ from it, of which ${refereed - extractionDiffs.length} match TypeScript's full parser (preProcessFile quirks) and ${extractionDiffs.length} do not`,
    );
    console.log(
      `resolution: ${specifiers} specifiers compared with ts.resolveModuleName: ${agreement.toFixed(3)}% agree (${counts.exact} identical, ${counts.builtin} node builtins, ${counts.uninstalled} uninstalled packages named external, ${counts.differs} differ: ${differing.slice(0, 5).join('; ')})`,
    );
    expect(files).toBeGreaterThanOrEqual(2000);
    expect(extractionDiffs).toEqual([]);
    expect(agreement).toBeGreaterThanOrEqual(99.5);
  });
});
