import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeGraph } from '../../cli/commands/graph';
import { GraphIndex } from '../../graph/query';
import { selectTests } from '../../graph/test-selection';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';

/**
 * A vitest project whose tests reach their code in every way the issue names: plain imports
 * (through a chain), a fixture read with fs, a snapshot, a vi.mock target, a setup file named in
 * the config, the config itself, and a computed import().
 */
const P = 'libs/calc';
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'm', private: true, workspaces: ['libs/*'] }),
  'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true, skipLibCheck: true },
  }),
  [`${P}/package.json`]: JSON.stringify({ name: '@m/calc', version: '0.0.0' }),
  [`${P}/tsconfig.json`]: JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
  [`${P}/vitest.config.ts`]:
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { setupFiles: ['./src/test-setup.ts'] } });\n",
  [`${P}/src/test-setup.ts`]: '(globalThis as any).UNIT = 10;\n',
  [`${P}/src/add.ts`]: 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  [`${P}/src/mul.ts`]: 'export function mul(a: number, b: number): number {\n  return a * b;\n}\n',
  [`${P}/src/sq.ts`]: "import { mul } from './mul';\nexport function sq(a: number): number {\n  return mul(a, a);\n}\n",
  [`${P}/src/fmt.ts`]:
    "import { add } from './add';\nexport function fmt(a: number): string {\n  return `n=${add(a, 0)}`;\n}\n",
  [`${P}/src/plugins/double.ts`]: 'export const run = (x: number): number => x * 2;\n',
  [`${P}/src/plugins/triple.ts`]: 'export const run = (x: number): number => x * 3;\n',
  [`${P}/src/fixtures/data.json`]: '{ "values": [1, 2, 3], "sum": 6 }\n',
  [`${P}/src/add.test.ts`]:
    "import { expect, it } from 'vitest';\nimport { add } from './add';\nit('add', () => expect(add(2, 3)).toBe(5));\n",
  [`${P}/src/sq.test.ts`]:
    "import { expect, it } from 'vitest';\nimport { sq } from './sq';\nit('sq', () => expect(sq(4)).toBe(16));\n",
  [`${P}/src/fmt.test.ts`]:
    "import { expect, it } from 'vitest';\nimport { fmt } from './fmt';\nit('fmt', () => expect(fmt(7)).toBe('n=7'));\n",
  [`${P}/src/data.test.ts`]:
    "import { expect, it } from 'vitest';\nimport * as fs from 'node:fs';\nit('data', () => {\n  const d = JSON.parse(fs.readFileSync(new URL('./fixtures/data.json', import.meta.url), 'utf8'));\n  expect(d.values.reduce((a: number, b: number) => a + b, 0)).toBe(d.sum);\n  expect(d.values).toHaveLength(3);\n});\n",
  [`${P}/src/snap.test.ts`]:
    "import { expect, it } from 'vitest';\nimport { fmt } from './fmt';\nit('snap', () => expect(fmt(1)).toMatchSnapshot());\n",
  [`${P}/src/mock.test.ts`]:
    "import { expect, it, vi } from 'vitest';\nvi.mock('./mul', async (orig) => ({ ...(await orig<typeof import('./mul')>()) }));\nimport { mul } from './mul';\nit('mock', () => expect(mul(3, 3)).toBe(9));\n",
  [`${P}/src/setup.test.ts`]:
    "import { expect, it } from 'vitest';\nit('setup', () => expect((globalThis as any).UNIT).toBe(10));\n",
  [`${P}/src/dyn.test.ts`]:
    "import { expect, it } from 'vitest';\nconst names = ['double', 'triple'];\nit('dyn', async () => {\n  const out = [];\n  for (const n of names) out.push((await import(`./plugins/${n}.ts`)).run(1));\n  expect(out).toEqual([2, 3]);\n});\n",
};

/** A generated project: a chain of 10 modules, m<i> importing m<i-1>, one test file each. */
const G = 'libs/gen';
for (let i = 0; i < 10; i++) {
  FILES[`${G}/src/m${i}.ts`] =
    i === 0
      ? `export function f0(x: number): number {\n  return x + 1;\n}\n`
      : `import { f${i - 1} } from './m${i - 1}';\nexport function f${i}(x: number): number {\n  return f${i - 1}(x) * 2 + ${i};\n}\n`;
  FILES[`${G}/src/m${i}.test.ts`] =
    `import { expect, it } from 'vitest';\nimport { f${i} } from './m${i}';\n` +
    `it('f${i}', () => expect(f${i}(1)).toBe(${Array.from({ length: i }, (_, k) => k + 1).reduce((v, k) => v * 2 + k, 2)}));\n`;
}
FILES[`${G}/package.json`] = JSON.stringify({ name: '@m/gen', version: '0.0.0' });
FILES[`${G}/tsconfig.json`] = JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] });
FILES[`${G}/vitest.config.ts`] = "import { defineConfig } from 'vitest/config';\nexport default defineConfig({});\n";

interface Mutant {
  kind: string;
  file: string;
  content: string;
  /** The project folder whose suite is run in full. */
  project: string;
}

/** Every `+ - *` and integer literal of the code files, one mutant each; data, snapshot, setup and config edits. */
function mutants(ws: TestWorkspace): Mutant[] {
  const out: Mutant[] = [];
  const code = Object.keys(FILES).filter(
    (f) => (f.startsWith(`${P}/src/`) || f.startsWith(`${G}/src/`)) && /\.ts$/.test(f) && !/\.test\.ts$/.test(f),
  );
  for (const file of code) {
    const project = file.startsWith(G) ? G : P;
    const text = FILES[file];
    const kind = file.includes('setup')
      ? 'setup file'
      : file.includes('plugins/')
        ? 'computed import() target'
        : 'code';
    for (const m of text.matchAll(/(?<=\s)[+*-](?=\s)|\b\d+\b/g)) {
      const i = m.index as number;
      const repl = m[0] === '+' ? '-' : m[0] === '-' ? '+' : m[0] === '*' ? '+' : String(Number(m[0]) + 1);
      out.push({ kind, file, project, content: text.slice(0, i) + repl + text.slice(i + m[0].length) });
    }
  }
  const data = `${P}/src/fixtures/data.json`;
  out.push({ kind: 'fixture read via fs', file: data, content: '{ "values": [1, 2, 4], "sum": 6 }\n', project: P });
  out.push({ kind: 'fixture read via fs', file: data, content: '{ "values": [1, 2, 3, 0], "sum": 6 }\n', project: P });
  out.push({ kind: 'fixture read via fs', file: data, content: '{ "values": [1, 2, 3], "sum": 7 }\n', project: P });
  const snap = `${P}/src/__snapshots__/snap.test.ts.snap`;
  out.push({ kind: 'snapshot', file: snap, content: ws.read(snap).replace('n=1', 'n=2'), project: P });
  const config = `${P}/vitest.config.ts`;
  out.push({
    kind: 'config',
    file: config,
    content: FILES[config].replace("['./src/test-setup.ts']", '[]'),
    project: P,
  });
  return out;
}

/** The test files (project-relative src/...) that fail in a full vitest run of the project. */
function failingTests(ws: TestWorkspace, project: string, ci = true, related?: string): string[] {
  const report = ws.path('.vitest-mutant.json');
  const r = spawnSync(
    process.execPath,
    [
      path.join(repoRoot(), 'node_modules/vitest/vitest.mjs'),
      ...(related ? ['related', ws.path(related), '--run'] : ['run']),
      '--reporter=json',
      `--outputFile=${report}`,
    ],
    { cwd: ws.path(project), env: ws.env({ CI: ci ? 'true' : undefined }), encoding: 'utf8', timeout: 120_000 },
  );
  const json = JSON.parse(fs.readFileSync(report, 'utf8')) as {
    testResults: Array<{ name: string; status: string }>;
  };
  if (r.status !== 0 && json.testResults.every((t) => t.status === 'passed'))
    throw new Error(`vitest failed outside the tests:\n${r.stdout}\n${r.stderr}`);
  return json.testResults
    .filter((t) => related !== undefined || t.status !== 'passed')
    .map((t) => path.relative(ws.root, t.name).split(path.sep).join('/'))
    .sort();
}

describe('fleet affected-tests: safety by mutation testing', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ files: FILES });
    // The snapshot is written by a first, green run.
    expect(failingTests(ws, P, false)).toEqual([]);
    expect(failingTests(ws, G, false)).toEqual([]);
    ws.commit('snapshot');
  }, 120_000);
  afterAll(() => ws.dispose());

  it('for every mutant some test catches, the selection holds every failing test file', async () => {
    const graph = new GraphIndex(await computeGraph(ws.root, true, false));
    const all = mutants(ws);
    const counted: Record<string, number> = {};
    let caught = 0;
    const related = { mutants: 0, safe: 0, selected: 0, total: 0, ours: 0 };
    let selected = 0;
    let total = 0;
    for (const m of all) {
      const original = ws.read(m.file);
      ws.write(m.file, m.content);
      try {
        const failing = failingTests(ws, m.project);
        if (failing.length === 0) continue; // no test catches it: it does not count
        const s = selectTests(graph, [m.file], (f) => (fs.existsSync(ws.path(f)) ? ws.read(f) : undefined));
        const chosen = s.projects.flatMap((p) => p.selected.map((f) => f.file));
        for (const f of failing)
          expect(chosen, `${m.kind} mutant of ${m.file}: ${f} fails but is not selected`).toContain(f);
        caught++;
        counted[m.kind] = (counted[m.kind] ?? 0) + 1;
        selected += chosen.length;
        total += s.totalFiles;
        // The peer on the same mutant: the test files `vitest related <file>` runs.
        if (m.file.endsWith('.ts')) {
          const rel = failingTests(ws, m.project, true, m.file);
          related.mutants++;
          if (failing.every((f) => rel.includes(f))) related.safe++;
          related.selected += rel.length;
          related.total += s.totalFiles;
          related.ours += chosen.length;
        }
      } finally {
        ws.write(m.file, original);
      }
    }
    console.log(
      `mutants: ${all.length} made, ${caught} caught by some test (by kind: ${JSON.stringify(counted)}); ` +
        `every failing test file selected in ${caught}/${caught}; share of test files selected ${((100 * selected) / total).toFixed(0)}%`,
    );
    console.log(
      `vitest related on the same ${related.mutants} TS mutants: safe on ${related.safe}/${related.mutants}, ` +
        `share selected ${((100 * related.selected) / related.total).toFixed(0)}% (fleet affected-tests: ` +
        `${related.mutants}/${related.mutants} safe, ${((100 * related.ours) / related.total).toFixed(0)}%)`,
    );
    expect(caught).toBeGreaterThanOrEqual(30);
    expect(Object.keys(counted).length).toBeGreaterThanOrEqual(5);
  }, 600_000);

  it('fleet affected-tests --files prints the selection with reasons; a fixture change selects all', () => {
    const one = ws.fleet(['affected-tests', '--files', `${P}/src/mul.ts`, '--json']);
    expect(one.code, one.stderr).toBe(0);
    const s = JSON.parse(one.stdout) as { projects: Array<{ all: boolean; selected: Array<{ file: string }> }> };
    expect(s.projects[0].all).toBe(false);
    expect(s.projects[0].selected.map((f) => f.file)).toEqual(
      [`${P}/src/dyn.test.ts`, `${P}/src/mock.test.ts`, `${P}/src/sq.test.ts`].sort(),
    );
    const data = ws.fleet(['affected-tests', '--files', `${P}/src/fixtures/data.json`]);
    expect(data.stdout).toMatch(
      /@m\/calc: 8\/8 \(all: libs\/calc\/src\/fixtures\/data\.json is not in the import graph\)/,
    );
    const bad = ws.fleet(['affected-tests']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\[FLEET_AFFECTED_NO_CHANGE\]/);
  }, 120_000);
});
