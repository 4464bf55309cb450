import * as fs from 'node:fs';
import * as path from 'node:path';

/** A generated project of the differential corpus. */
export interface CorpusProject {
  name: string;
  dir: string;
  tsconfig: string;
  /** Index of the project it imports from (relative source import), if any. */
  dependsOn?: number;
}

const TARGETS = ['ES2017', 'ES2020', 'ES2022', 'ESNext'];
const LIBS = [['ES2020'], ['ES2022', 'DOM'], ['ES2017'], ['ESNext', 'DOM', 'DOM.Iterable'], ['ES2023']];
const RESOLUTION = [
  { module: 'esnext', moduleResolution: 'bundler' },
  { module: 'node16', moduleResolution: 'node16' },
  { module: 'nodenext', moduleResolution: 'nodenext' },
  { module: 'preserve', moduleResolution: 'bundler' },
];

/** Seeded errors: each a file body; the codes tsc gives depend on the project's options. */
const SEEDS: Array<(i: number) => string> = [
  () => `export const n: number = "not a number";\n`, // TS2322
  () => `function take(x: string): string { return x; }\nexport const r = take(42);\n`, // TS2345
  () => `export const o = { a: 1 };\nexport const b = o.missing;\n`, // TS2339
  () => `export function loose(a) { return a; }\n`, // TS7006 when strict
  () => `export function first(xs: string[]) { const m = new Map<string, number>(); return m.get(xs[0]).toFixed(); }\n`, // TS18048 when strict
  () => `import { nothing } from './does-not-exist.js';\nexport const z = nothing;\n`, // TS2307
  () => `export const = ;\n`, // syntax errors stop semantic diagnostics
  () => `export const last = [1, 2, 3].at(-1);\nexport const own = Object.hasOwn({}, 'a');\n`, // lib-dependent TS2550
  () => `export const title = document.title;\n`, // TS2584 without DOM
  () => `export class C { name: string; }\n`, // TS2564 when strict
  () => `export function g() { await Promise.resolve(1); }\n`, // TS1308
  () => `export const dup = 1;\nexport const dup = 2;\n`, // TS2451
  () => `export function h(x: unknown) { return x.length; }\n`, // TS18046
  () => `export type T = { a: string };\nexport const t: T = { a: 'x', b: 2 };\n`, // TS2353
];

/**
 * Writes `count` projects under `root` with compiler options that differ in lib, target,
 * strict, module resolution, jsx, paths, project references, moduleDetection and
 * noFallthroughCasesInSwitch, importing each other's sources
 * and one shared folder, so that state shared between projects is what could go wrong.
 */
export function writeCorpus(root: string, count: number): CorpusProject[] {
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write(
    'shared/src/util.ts',
    `export function id(a) { return a; }\nexport const where = typeof document === 'undefined' ? 'node' : document.title;\nexport const xs = [1, 2].at(0);\nexport function u() { return 1; console.log('never'); }\nexport function l() { spare: for (;;) { break; } }\n`,
  );
  write(
    'base/tsconfig.json',
    JSON.stringify({
      compilerOptions: { composite: true, outDir: 'out', rootDir: 'src', types: [] },
      include: ['src'],
    }),
  );
  write('base/src/index.ts', `export const base = 1;\n`);
  // Two files without imports or exports, included by several projects. Whether they are
  // scripts (one global scope: TS2451) or modules is decided when the file is parsed
  // (`moduleDetection`), and the fallthrough error is a binder diagnostic
  // (`noFallthroughCasesInSwitch`): a parse or bind reused across those options is wrong.
  write(
    'shared/scripts/clash-a.ts',
    `const clash = 1;\nfunction fall(x: number) {\n  switch (x) {\n    case 0:\n      x++;\n    case 1:\n      return x;\n  }\n  return 0;\n}\n`,
  );
  write('shared/scripts/clash-b.ts', `const clash = 2;\n`);
  const projects: CorpusProject[] = [];
  for (let i = 0; i < count; i++) {
    const name = `p${String(i).padStart(2, '0')}`;
    // Every eighth project is clean: no seeded error, nothing imported that has one.
    const clean = i % 8 === 3;
    const res = RESOLUTION[i % RESOLUTION.length];
    const options: Record<string, unknown> = {
      target: TARGETS[i % TARGETS.length],
      lib: LIBS[i % LIBS.length],
      strict: i % 2 === 0,
      ...res,
      types: [],
      skipLibCheck: i % 3 !== 0,
      noUnusedLocals: i % 6 === 1,
    };
    // Binder diagnostics depend on these: a file bound under one setting must not be reused under another.
    if (i % 4 === 2) Object.assign(options, { allowUnreachableCode: false, allowUnusedLabels: false });
    if (i % 5 === 0 && !clean) options.jsx = i % 10 === 0 ? 'preserve' : 'react-jsx';
    if (i % 3 === 0 && !clean) options.paths = { '@shared/*': ['../shared/src/*'] };
    // Odd projects include the shared scripts; each module-resolution family gets both settings.
    const scripts = i % 2 === 1 && !clean;
    if (scripts && Math.floor(i / 8) % 2 === 0) options.moduleDetection = 'force';
    if (scripts && i % 3 === 1) options.noFallthroughCasesInSwitch = true;
    const config: Record<string, unknown> = {
      compilerOptions: options,
      include: scripts ? ['src', '../shared/scripts'] : ['src'],
    };
    if (i % 7 === 0 && !clean) config.references = [{ path: '../base' }];
    write(`${name}/tsconfig.json`, JSON.stringify(config, null, 2));
    const ext = res.moduleResolution === 'bundler' ? '' : '.js';
    const files: string[] = [];
    for (let s = 0; s < (clean ? 0 : 1 + (i % 3)); s++) files.push(SEEDS[(i * 5 + s * 3) % SEEDS.length](i));
    if (clean) files.push(`export const fine = 1;\n`);
    files.forEach((body, k) => write(`${name}/src/seed${k}.ts`, body));
    let index = `export * from './seed0${ext}';\nexport const answer: number = 42;\n`;
    if (i % 3 === 0 && !clean) index += `import { id } from '@shared/util';\nexport const viaPaths = id(1);\n`;
    const dependsOn = i > 0 && i % 4 !== 0 && !clean ? i - 1 : undefined;
    if (dependsOn !== undefined)
      index += `import * as dep from '../../p${String(dependsOn).padStart(2, '0')}/src/index${ext}';\nexport const fromDep = dep.answer;\n`;
    if (i % 7 === 0 && !clean) index += `import { base } from '../../base/src/index${ext}';\nexport const b = base;\n`;
    write(`${name}/src/index.ts`, index);
    if (options.jsx) write(`${name}/src/view.tsx`, `export const view = <div className="x">{1}</div>;\n`);
    projects.push({ name, dir: path.join(root, name), tsconfig: path.join(root, name, 'tsconfig.json'), dependsOn });
  }
  return projects;
}

/** A project of the reuse corpus, with what it is there to catch. */
export interface ReuseProject extends CorpusProject {
  why: string;
}

/**
 * Projects that import the same dependency sources (`dep/src`) under options or with files that
 * change those sources' diagnostics, so that reusing a dependency file's diagnostics from an
 * earlier program is wrong unless the key tells them apart. Pairs with identical settings are
 * where reuse must happen. Order: dependency first, as Nx runs them.
 */
export function writeReuseCorpus(root: string): ReuseProject[] {
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  // Each line's diagnostics depend on an option or on another file of the program.
  write('dep/src/loose.ts', `export function loose(a) { return a; }\n`); // TS7006 with noImplicitAny
  write(
    'dep/src/optional.ts',
    `export interface Opt { x?: number }\nexport const o: Opt = { x: undefined };\n`, // TS2375 with exactOptionalPropertyTypes
  );
  write('dep/src/lib.ts', `export const last = [1, 2].at(-1);\n`); // TS2550 below ES2022 lib
  write('dep/src/nullable.ts', `export function len(s: string | undefined) { return s.length; }\n`); // TS18048 strict
  write('dep/src/box.ts', `export interface Box { v: number }\n`);
  write('dep/src/uses-box.ts', `import type { Box } from './box';\nexport const bx: Box = { v: 1 };\n`); // TS2741 if augmented
  write('dep/src/uses-global.ts', `export const g = globalThis.fleetFlag.toFixed();\n`); // TS7017 when strict, unless declared global
  write('dep/src/quoted.ts', `export const q: 'a' | 'b' = 'c';\n`); // a message with quotes: never cached
  const deps = ['loose', 'optional', 'lib', 'nullable', 'uses-box', 'uses-global', 'quoted'];
  const base = {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'esnext',
    moduleResolution: 'bundler',
    strict: true,
    types: [],
    skipLibCheck: true,
  };
  const specs: Array<{ name: string; why: string; options?: Record<string, unknown>; extra?: Record<string, string> }> =
    [
      { name: 'r-strict', why: 'strict: the first program over dep/src' },
      { name: 'r-strict-again', why: 'same options as r-strict: reuses its dep files' },
      { name: 'r-loose', why: 'not strict: no TS7006/TS18048 in dep', options: { strict: false } },
      { name: 'r-loose-again', why: 'same as r-loose: reuses', options: { strict: false } },
      { name: 'r-noimplicit', why: 'noImplicitAny only', options: { strict: false, noImplicitAny: true } },
      {
        name: 'r-exact',
        why: 'exactOptionalPropertyTypes: TS2375 in dep',
        options: { exactOptionalPropertyTypes: true },
      },
      { name: 'r-lib', why: 'lib ES2020: TS2550 in dep', options: { lib: ['ES2020'] } },
      {
        name: 'r-global',
        why: 'declare global in a module of the project: no TS7017 in dep',
        extra: { 'global.ts': `export {};\ndeclare global {\n  var fleetFlag: number;\n}\n` },
      },
      {
        name: 'r-script',
        why: 'a script (not a module) declaring the global: no TS7017 in dep',
        extra: { 'script.ts': `declare var fleetFlag: number;\n` },
      },
      {
        name: 'r-augment',
        why: "declare module '../../dep/src/box' adds a member: TS2741 in dep",
        extra: {
          'augment.ts': `export {};\ndeclare module '../../dep/src/box' {\n  interface Box {\n    w: string;\n  }\n}\n`,
        },
      },
      { name: 'r-strict-last', why: 'after the augmenting ones, as r-strict again' },
    ];
  return specs.map(({ name, why, options, extra }) => {
    write(
      `${name}/tsconfig.json`,
      JSON.stringify({ compilerOptions: { ...base, ...options }, include: ['src'] }, null, 2),
    );
    write(
      `${name}/src/index.ts`,
      deps.map((d) => `export * as ${d.replace('-', '_')} from '../../dep/src/${d}';\n`).join(''),
    );
    for (const [file, text] of Object.entries(extra ?? {})) write(`${name}/src/${file}`, text);
    return { name, why, dir: path.join(root, name), tsconfig: path.join(root, name, 'tsconfig.json') };
  });
}
