// bench/local-exec: 50 TS libraries in a layered DAG (~40 files each), seeded errors in three
// leaf libraries. Each lib has tsconfig.json (what `typecheck` checks, noEmit, no references)
// and tsconfig.build.json (composite, references its direct deps) for the `tsc -b` solution.
import * as fs from 'node:fs';
import * as path from 'node:path';

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(root, { libs = 50, files = 40, seed = 7 } = {}) {
  const rand = rng(seed);
  const write = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  const names = Array.from({ length: libs }, (_, i) => `lib${String(i).padStart(2, '0')}`);
  const deps = names.map((_, i) => {
    if (i < 5) return [];
    const set = new Set([Math.floor(rand() * i)]);
    for (let k = 0; k < 2; k++) if (rand() < 0.6) set.add(Math.floor(rand() * i));
    return [...set];
  });
  const hasDependents = new Set(deps.flat());
  const leaves = names.map((_, i) => i).filter((i) => !hasDependents.has(i));
  const seeded = new Set(leaves.slice(-3));
  const paths = Object.fromEntries(names.map((n) => [`@bench/${n}`, [`./libs/${n}/src/index.ts`]]));
  write(
    'tsconfig.base.json',
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'esnext',
          moduleResolution: 'bundler',
          strict: true,
          skipLibCheck: true,
          types: [],
          paths,
        },
      },
      null,
      2,
    ),
  );
  write(
    'tsconfig.solution.json',
    JSON.stringify({ files: [], references: names.map((n) => ({ path: `libs/${n}/tsconfig.build.json` })) }, null, 2),
  );
  names.forEach((name, i) => {
    write(
      `libs/${name}/tsconfig.json`,
      JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['src'] }),
    );
    write(
      `libs/${name}/tsconfig.build.json`,
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { composite: true, emitDeclarationOnly: true, outDir: 'out', rootDir: 'src' },
        include: ['src'],
        references: deps[i].map((d) => ({ path: `../${names[d]}/tsconfig.build.json` })),
      }),
    );
    for (let f = 0; f < files; f++) {
      const prev = f > 0 ? `import { Item${f - 1}, make${f - 1} } from './m${f - 1}';\n` : '';
      const depImport =
        f === 1 ? deps[i].map((d) => `import { make0 as dep${d} } from '@bench/${names[d]}';\n`).join('') : '';
      const depUse =
        f === 1 ? deps[i].map((d) => `  const d${d} = dep${d}(n);\n  total += d${d}.value;\n`).join('') : '';
      write(
        `libs/${name}/src/m${f}.ts`,
        `${prev}${depImport}
export interface Item${f} { id: string; value: number; tags: readonly string[]; next?: ${f > 0 ? `Item${f - 1}` : 'undefined'} }
export type Keyed${f}<T extends { id: string }> = { [K in T['id']]: T };
export function make${f}(n: number): Item${f} {
  let total = n * ${f + 1};
${depUse}  return { id: \`${name}-${f}-\${n}\`, value: total, tags: ['a', 'b'].map((t) => t + n)${f > 0 ? `, next: make${f - 1}(n + 1)` : ''} };
}
export function sum${f}(items: Item${f}[]): number {
  return items.reduce((acc, it) => acc + it.value, 0);
}
export class Store${f}<T extends Item${f}> {
  private readonly items = new Map<string, T>();
  add(item: T): this { this.items.set(item.id, item); return this; }
  get(id: string): T | undefined { return this.items.get(id); }
  values(): T[] { return [...this.items.values()]; }
}
`,
      );
    }
    let index = Array.from({ length: files }, (_, f) => `export * from './m${f}';\n`).join('');
    if (seeded.has(i))
      index += `export const broken: number = 'not a number';\nexport const missing = make0(1).nope;\n`;
    write(`libs/${name}/src/index.ts`, index);
  });
  return { names, deps, seeded: [...seeded].map((i) => names[i]) };
}
