import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVitest, type Vitest } from 'vitest/node';
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

/** Environment inputs: a root `.env` Nx loads into every task, read by a test through process.env. */
FILES['.env'] = 'FLEET_UNIT=10\n';
FILES[`${P}/src/env.test.ts`] =
  "import { expect, it } from 'vitest';\nit('env', () => expect(Number(process.env.FLEET_UNIT) * 2).toBe(20));\n";

/** A generated project: a chain of GEN modules, m<i> importing m<i-1>, one test file each. */
const G = 'libs/gen';
const GEN = 40;
for (let i = 0; i < GEN; i++) {
  FILES[`${G}/src/m${i}.ts`] =
    i === 0
      ? `export function f0(x: number): number {\n  return x + 1;\n}\n`
      : `import { f${i - 1} } from './m${i - 1}';\nexport function f${i}(x: number): number {\n  return f${i - 1}(x) * 2 + ${i};\n}\n`;
  FILES[`${G}/src/m${i}.test.ts`] =
    `import { expect, it } from 'vitest';\nimport { f${i} } from './m${i}';\n` +
    `it('f${i}', () => expect(f${i}(1)).toBe(${chainValue(i)}));\n`;
}
FILES[`${G}/package.json`] = JSON.stringify({ name: '@m/gen', version: '0.0.0' });
FILES[`${G}/tsconfig.json`] = JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] });
FILES[`${G}/vitest.config.ts`] = "import { defineConfig } from 'vitest/config';\nexport default defineConfig({});\n";

/** f_i(1) of the generated chains: f0(x) = x + 1, f_i(x) = f_{i-1}(x) * 2 + i. */
function chainValue(i: number): number {
  return Array.from({ length: i }, (_, k) => k + 1).reduce((v, k) => v * 2 + k, 2);
}

/**
 * A pytest project (a pyproject.toml makes it one, docs/python.md) whose tests reach their code in
 * the ways Python has: imports through a package whose `__init__.py` runs on every import of it,
 * conftest.py fixtures, `importlib.import_module` of a computed name, a data file read with
 * `open`, and code reading `os.environ`, its value declared in the project's `.env` (Nx loads it
 * into the project's tasks).
 */
const PY = 'libs/pyc';
Object.assign(FILES, {
  [`${PY}/pyproject.toml`]:
    '[project]\nname = "pyc"\nversion = "0.0.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\nstrict_markers = true\nmarkers = ["slow"]\n',
  [`${PY}/.env`]: 'PYC_UNIT=10\n',
  [`${PY}/pyc/__init__.py`]: 'SCALE = 10\n',
  [`${PY}/pyc/ops.py`]:
    'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n',
  [`${PY}/pyc/geo.py`]:
    'from pyc.ops import add, mul\n\n\ndef area(w, h):\n    return mul(w, h)\n\n\ndef perimeter(w, h):\n    return mul(2, add(w, h))\n',
  [`${PY}/pyc/plugins/__init__.py`]: '',
  [`${PY}/pyc/plugins/double.py`]: 'def run(x):\n    return x * 2\n',
  [`${PY}/pyc/plugins/triple.py`]: 'def run(x):\n    return x * 3 + 0\n',
  [`${PY}/pyc/registry.py`]:
    'import importlib\n\nNAMES = ["double", "triple"]\n\n\ndef run_all(x):\n    return [importlib.import_module(f"pyc.plugins.{n}").run(x) for n in NAMES]\n',
  [`${PY}/pyc/env.py`]: 'import os\n\n\ndef unit():\n    return int(os.environ.get("PYC_UNIT", "0")) * 3\n',
  [`${PY}/tests/conftest.py`]:
    'import pytest\n\n\n@pytest.fixture\ndef base():\n    return 3\n\n\n@pytest.fixture\ndef offset():\n    return 1 + 1\n',
  [`${PY}/tests/data/values.txt`]: '1 2 3\n6\n',
  [`${PY}/tests/test_ops.py`]:
    'from pyc.ops import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_sub():\n    assert sub(7, 3) == 4\n',
  [`${PY}/tests/test_mul.py`]:
    'import pytest\n\nfrom pyc.ops import mul\n\n\n@pytest.mark.slow\ndef test_mul():\n    assert mul(3, 4) == 12\n',
  [`${PY}/tests/test_geo.py`]:
    'from pyc.geo import area, perimeter\n\n\ndef test_area(base):\n    assert area(base, 4) == 12\n\n\ndef test_perimeter(offset):\n    assert perimeter(offset, 3) == 10\n',
  [`${PY}/tests/test_registry.py`]:
    'from pyc.registry import run_all\n\n\ndef test_plugins():\n    assert run_all(1) == [2, 3]\n',
  [`${PY}/tests/test_data.py`]:
    'from pathlib import Path\n\n\ndef test_data():\n    nums, total = (Path(__file__).parent / "data" / "values.txt").read_text().split("\\n")[:2]\n' +
    '    values = [int(v) for v in nums.split()]\n    assert len(values) == 3\n    assert sum(values) == int(total)\n',
  [`${PY}/tests/test_env.py`]: 'from pyc.env import unit\n\n\ndef test_unit():\n    assert unit() == 30\n',
  [`${PY}/tests/test_init.py`]: 'import pyc\n\n\ndef test_scale():\n    assert pyc.SCALE * 2 == 20\n',
});

/** A generated pytest project: the same chain in Python (6 modules: a pytest run costs more than a vitest rerun), one test module each. */
const PYG = 'libs/pygen';
FILES[`${PYG}/pyproject.toml`] = '[project]\nname = "pygen"\nversion = "0.0.0"\n';
FILES[`${PYG}/pygen/__init__.py`] = '';
for (let i = 0; i < 6; i++) {
  FILES[`${PYG}/pygen/m${i}.py`] =
    i === 0
      ? 'def f0(x):\n    return x + 1\n'
      : `from pygen.m${i - 1} import f${i - 1}\n\n\ndef f${i}(x):\n    return f${i - 1}(x) * 2 + ${i}\n`;
  FILES[`${PYG}/tests/test_m${i}.py`] =
    `from pygen.m${i} import f${i}\n\n\ndef test_f${i}():\n    assert f${i}(1) == ${chainValue(i)}\n`;
}

/** The suites of the fixture workspace: the projects do not import each other, so a project's own suite is the full run for its files. */
const SUITES: Array<{ project: string; runner: 'vitest' | 'pytest' }> = [
  { project: P, runner: 'vitest' },
  { project: G, runner: 'vitest' },
  { project: PY, runner: 'pytest' },
  { project: PYG, runner: 'pytest' },
];

interface Mutant {
  kind: string;
  file: string;
  content: string;
  /** The project folders whose suites are run in full. */
  projects: string[];
}

/** Every `+ - *` and integer literal, one mutant each. */
function operatorMutants(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<=\s)[+*-](?=\s)|\b\d+\b/g)) {
    const i = m.index as number;
    const repl = m[0] === '+' ? '-' : m[0] === '-' ? '+' : m[0] === '*' ? '+' : String(Number(m[0]) + 1);
    out.push(text.slice(0, i) + repl + text.slice(i + m[0].length));
  }
  return out;
}

/** Operator and literal mutants of the code files, TS and Python; data, snapshot, env, setup and config edits. */
function mutants(ws: TestWorkspace): Mutant[] {
  const out: Mutant[] = [];
  for (const file of Object.keys(FILES)) {
    const suite = SUITES.find((s) => file.startsWith(`${s.project}/`));
    if (suite === undefined) continue;
    const isCode =
      suite.runner === 'vitest'
        ? file.includes('/src/') && /\.ts$/.test(file) && !/\.test\.ts$/.test(file)
        : /\.py$/.test(file) && !/(?:^|\/)test_[^/]*\.py$/.test(file);
    if (!isCode) continue;
    const kind = /setup/.test(file)
      ? 'setup file'
      : /conftest\.py$/.test(file)
        ? 'conftest'
        : /__init__\.py$/.test(file)
          ? '__init__.py'
          : file.includes('plugins/')
            ? 'computed import()/importlib target'
            : 'code';
    for (const content of operatorMutants(FILES[file])) out.push({ kind, file, content, projects: [suite.project] });
  }
  const data = `${P}/src/fixtures/data.json`;
  for (const content of [
    '{ "values": [1, 2, 4], "sum": 6 }\n',
    '{ "values": [1, 2, 3, 0], "sum": 6 }\n',
    '{ "values": [1, 2, 3], "sum": 7 }\n',
  ])
    out.push({ kind: 'data file read via fs/open', file: data, content, projects: [P] });
  const values = `${PY}/tests/data/values.txt`;
  for (const content of ['1 2 4\n6\n', '1 2 3 0\n6\n', '1 2 3\n7\n'])
    out.push({ kind: 'data file read via fs/open', file: values, content, projects: [PY] });
  const snap = `${P}/src/__snapshots__/snap.test.ts.snap`;
  out.push({ kind: 'snapshot', file: snap, content: ws.read(snap).replace('n=1', 'n=2'), projects: [P] });
  // A root .env reaches every project's tasks; a project's .env only that project's.
  for (const content of ['FLEET_UNIT=11\n', 'FLEET_UNIT=\n', 'PYC_UNIT=1\n'])
    out.push({ kind: 'environment input', file: '.env', content, projects: SUITES.map((s) => s.project) });
  for (const content of ['PYC_UNIT=11\n', 'PYC_UNIT=9\n', '\n'])
    out.push({ kind: 'environment input', file: `${PY}/.env`, content, projects: [PY] });
  const config = `${P}/vitest.config.ts`;
  out.push({
    kind: 'config',
    file: config,
    content: FILES[config].replace("['./src/test-setup.ts']", '[]'),
    projects: [P],
  });
  const pyproject = `${PY}/pyproject.toml`;
  out.push({ kind: 'config', file: pyproject, content: FILES[pyproject].replace('["slow"]', '[]'), projects: [PY] });
  return out;
}

/** The variables of the `.env` files Nx loads for a task of `project`: the workspace's, then the project's (which wins). */
function dotenv(ws: TestWorkspace, project: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of ['.env', `${project}/.env`])
    if (fs.existsSync(ws.path(f)))
      for (const line of ws.read(f).split('\n')) {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
        if (m) env[m[1]] = m[2];
      }
  return env;
}

/** One long-lived vitest instance per TS project (vitest's Node API): a full run per mutant without vitest's start-up. */
class VitestSuite {
  private constructor(
    private readonly ws: TestWorkspace,
    readonly project: string,
    private readonly vitest: Vitest,
  ) {}

  static async start(ws: TestWorkspace, project: string): Promise<VitestSuite> {
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const vitest = await createVitest(
      'test',
      // One worker, modules shared between the files of a run (the fixture's tests keep no state):
      // a run of 20 files takes about 0.2 s instead of a worker start-up per file.
      {
        root: ws.path(project),
        watch: false,
        reporters: [{}],
        update: false,
        pool: 'threads',
        isolate: false,
        fileParallelism: false,
      },
      {},
      { stdout: sink, stderr: sink },
    );
    return new VitestSuite(ws, project, vitest);
  }

  /** Tells vite the file changed on disk (vitest's watcher would). */
  invalidate(file: string): void {
    this.vitest.invalidateFile(this.ws.path(file));
  }

  /** The test files (workspace-relative) that fail in a full run of the project's suite. */
  async failing(): Promise<string[]> {
    const env = dotenv(this.ws, this.project);
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const specs = await this.vitest.getRelevantTestSpecifications();
      const r = await this.vitest.runTestSpecifications(specs, true);
      if (r.unhandledErrors.length > 0)
        throw new Error(`vitest failed outside the tests: ${String(r.unhandledErrors[0])}`);
      if (r.testModules.length !== specs.length)
        throw new Error(`vitest ran ${r.testModules.length}/${specs.length} files`);
      return r.testModules
        .filter((m) => m.state() !== 'passed')
        .map((m) => this.rel(m.moduleId))
        .sort();
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  }

  /** The test files `vitest related <file> --run` would run. */
  async related(file: string): Promise<string[]> {
    this.vitest.config.related = [this.ws.path(file)];
    try {
      return (await this.vitest.getRelevantTestSpecifications()).map((s) => this.rel(s.moduleId)).sort();
    } finally {
      this.vitest.config.related = undefined;
    }
  }

  close(): Promise<void> {
    return this.vitest.close();
  }

  private rel(file: string): string {
    return path.relative(this.ws.root, file).split(path.sep).join('/');
  }
}

/** A fresh vitest process over the project (for a config mutant, which a running instance does not reread). */
function vitestCli(ws: TestWorkspace, project: string, ci = true): string[] {
  const report = ws.path('.vitest-mutant.json');
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot(), 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`],
    {
      cwd: ws.path(project),
      env: ws.env({ CI: ci ? 'true' : undefined, ...dotenv(ws, project) }),
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const json = JSON.parse(fs.readFileSync(report, 'utf8')) as { testResults: Array<{ name: string; status: string }> };
  if (r.status !== 0 && json.testResults.every((t) => t.status === 'passed'))
    throw new Error(`vitest failed outside the tests:\n${r.stdout}\n${r.stderr}`);
  return json.testResults
    .filter((t) => t.status !== 'passed')
    .map((t) => path.relative(ws.root, t.name).split(path.sep).join('/'))
    .sort();
}

/** The test files (workspace-relative) that fail in a full pytest run of the project, with its `.env` loaded. */
function pytestFailing(ws: TestWorkspace, project: string, extraEnv: Record<string, string> = {}): string[] {
  const r = spawnSync('python3', ['-m', 'pytest', '-q', '-rfE', '--tb=no', '-p', 'no:cacheprovider'], {
    cwd: ws.path(project),
    env: { ...ws.env({ ...dotenv(ws, project), ...extraEnv }), PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const failing = new Set<string>();
  for (const m of r.stdout.matchAll(/^(?:FAILED|ERROR) ([^\s:]+\.py)/gm)) failing.add(`${project}/${m[1]}`);
  // 0: all passed; 1: some failed; 2: collection errors (each an ERROR line); more is pytest itself failing.
  if ((r.status !== 0 && failing.size === 0) || (r.status ?? 9) > 2)
    throw new Error(`pytest failed outside the tests (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return [...failing].sort();
}

/** The fixture workspace and its running vitest instances (set up in beforeAll). */
let ws: TestWorkspace;
const vitests = new Map<string, VitestSuite>();

/** The full run: every test file of the mutant's projects that fails. */
async function fullRun(m: Mutant): Promise<string[]> {
  const out: string[] = [];
  for (const project of m.projects) {
    const v = vitests.get(project);
    if (v === undefined) out.push(...pytestFailing(ws, project));
    else if (/vitest\.config/.test(m.file)) out.push(...vitestCli(ws, project));
    else {
      v.invalidate(m.file);
      out.push(...(await v.failing()));
    }
  }
  return out.sort();
}

/** What the mutation test counts. */
const t = {
  made: {} as Record<string, number>,
  caught: {} as Record<string, number>,
  selected: 0,
  total: 0,
  related: { mutants: 0, safe: 0, selected: 0, total: 0, ours: 0 },
  /** Milliseconds and mutants per runner of the full run. */
  time: {} as Record<string, { ms: number; n: number }>,
};

/** Applies one mutant, runs the full suites, and checks the selection holds every failing test file. */
async function judge(graph: GraphIndex, m: Mutant): Promise<void> {
  t.made[m.kind] = (t.made[m.kind] ?? 0) + 1;
  const original = ws.read(m.file);
  ws.write(m.file, m.content);
  try {
    const runner = vitests.has(m.projects[0]) ? (/vitest\.config/.test(m.file) ? 'vitest cli' : 'vitest') : 'pytest';
    const began = performance.now();
    const failing = await fullRun(m);
    const time = (t.time[m.projects.length > 1 ? 'all suites' : runner] ??= { ms: 0, n: 0 });
    time.ms += performance.now() - began;
    time.n++;
    if (failing.length === 0) return; // no test catches it: it does not count
    const s = selectTests(graph, [m.file], (f) => (fs.existsSync(ws.path(f)) ? ws.read(f) : undefined));
    const chosen = s.projects.flatMap((p) => p.selected.map((f) => f.file));
    for (const f of failing)
      expect(chosen, `${m.kind} mutant of ${m.file}: ${f} fails but is not selected`).toContain(f);
    t.caught[m.kind] = (t.caught[m.kind] ?? 0) + 1;
    t.selected += chosen.length;
    t.total += s.totalFiles;
    // The peer on the same mutant: the test files `vitest related <file> --run` runs (the same
    // query, filterTestsBySource, asked of the running instance).
    const v = vitests.get(m.projects[0]);
    if (runner === 'vitest' && v !== undefined && m.file.endsWith('.ts')) {
      const rel = await v.related(m.file);
      t.related.mutants++;
      if (failing.every((f) => rel.includes(f))) t.related.safe++;
      t.related.selected += rel.length;
      t.related.total += s.totalFiles;
      t.related.ours += chosen.length;
    }
  } finally {
    ws.write(m.file, original);
    for (const v of vitests.values()) v.invalidate(m.file);
  }
}

describe('fleet affected-tests: safety by mutation testing', () => {
  beforeAll(async () => {
    ws = createWorkspace({ files: FILES });
    // The snapshot is written by a first, green run; every suite starts green.
    for (const s of SUITES)
      expect(s.runner === 'vitest' ? vitestCli(ws, s.project, false) : pytestFailing(ws, s.project)).toEqual([]);
    ws.commit('snapshot');
    for (const s of SUITES) if (s.runner === 'vitest') vitests.set(s.project, await VitestSuite.start(ws, s.project));
  }, 180_000);
  afterAll(async () => {
    for (const v of vitests.values()) await v.close();
    ws.dispose();
  });

  it('for every mutant some test catches, the selection holds every failing test file', async () => {
    const graph = new GraphIndex(await computeGraph(ws.root, true, false));
    const all = mutants(ws);
    const started = performance.now();
    for (const m of all) await judge(graph, m);
    const seconds = (performance.now() - started) / 1000;
    const caught = Object.values(t.caught).reduce((a, b) => a + b, 0);
    const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(0)}%`;
    const perRunner = Object.entries(t.time).map(([r, v]) => `${r} ${(v.ms / v.n).toFixed(0)} ms x ${v.n}`);
    console.log(
      `mutants: ${all.length} made (by kind: ${JSON.stringify(t.made)}), ${caught} caught by some test ` +
        `(by kind: ${JSON.stringify(t.caught)}); every failing test file selected in ${caught}/${caught}; ` +
        `share of test files selected ${pct(t.selected, t.total)}; ${seconds.toFixed(0)} s, ` +
        `${((1000 * seconds) / all.length).toFixed(0)} ms per mutant (full run per mutant: ${perRunner.join(', ')})`,
    );
    const r = t.related;
    console.log(
      `vitest related on the same ${r.mutants} TS mutants: safe on ${r.safe}/${r.mutants}, share selected ` +
        `${pct(r.selected, r.total)} (fleet affected-tests: ${r.mutants}/${r.mutants} safe, ${pct(r.ours, r.total)})`,
    );
    // Every mutant was undone: the suites are green again (a stale module would show here).
    expect(await fullRun({ kind: 'none', file: '', content: '', projects: SUITES.map((s) => s.project) })).toEqual([]);
    expect(caught).toBeGreaterThanOrEqual(200);
    expect(Object.keys(t.caught).length).toBeGreaterThanOrEqual(8);
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
      /@m\/calc: 9\/9 \(all: libs\/calc\/src\/fixtures\/data\.json is not in the import graph\)/,
    );
    const bad = ws.fleet(['affected-tests']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\[FLEET_AFFECTED_NO_CHANGE\]/);
  }, 120_000);
});

/**
 * The repository's examples/polyglot: its Python projects, core (textkit) and the two that import
 * it (service, trainer), with their pytest suites. A mutant of core runs all three suites (its
 * importers' tests fail too); the suites import each other from source, as an editable install
 * (`-e ../core`) would give them.
 */
describe('fleet affected-tests on examples/polyglot: safety by mutation testing', () => {
  const PYTHON = { 'python/core': 'src', 'python/service': '.', 'python/trainer': '.' } as const;
  const pythonPath = (ex: TestWorkspace): string =>
    Object.entries(PYTHON)
      .map(([p, s]) => ex.path(`${p}/${s}`))
      .join(':');
  let ex: TestWorkspace;
  beforeAll(() => {
    ex = createWorkspace({ fixture: 'examples/polyglot' });
  });
  afterAll(() => ex.dispose());

  it('for every mutant some test catches, the selection holds every failing test file', async () => {
    const code = [
      'python/core/src/textkit/counting.py',
      'python/core/src/textkit/slug.py',
      'python/service/wordservice/api.py',
      'python/trainer/trainer/model.py',
    ];
    const edits: Array<{ kind: string; file: string; from: string; to: string }> = [
      { kind: 'code', file: code[0], from: 'split("-")', to: 'split("_")' },
      { kind: 'code', file: code[0], from: 'most_common(n)', to: 'most_common(n + 1)' },
      { kind: 'code', file: code[1], from: '.lower()', to: '' },
      { kind: 'code', file: code[1], from: '.strip("-")', to: '' },
      { kind: 'code', file: code[3], from: 'c / total', to: 'c / (total + 1)' },
      { kind: 'conftest', file: 'python/core/tests/conftest.py', from: 'The quick', to: 'A quick' },
      {
        kind: '__init__.py',
        file: 'python/core/src/textkit/__init__.py',
        from: 'import top_words,',
        to: 'import top_words as _t,',
      },
    ];
    const ms = [
      ...code.flatMap((file) => operatorMutants(ex.read(file)).map((content) => ({ kind: 'code', file, content }))),
      ...edits.map((e) => {
        const text = ex.read(e.file);
        expect(text, `${e.file} has ${e.from}`).toContain(e.from);
        return { kind: e.kind, file: e.file, content: text.replace(e.from, e.to) };
      }),
    ];
    const graph = new GraphIndex(await computeGraph(ex.root, true, false));
    const env = { PYTHONPATH: pythonPath(ex) };
    for (const p of Object.keys(PYTHON)) expect(pytestFailing(ex, p, env)).toEqual([]);
    const caught: Record<string, number> = {};
    let selected = 0;
    let total = 0;
    for (const m of ms) {
      const original = ex.read(m.file);
      ex.write(m.file, m.content);
      try {
        const failing = Object.keys(PYTHON).flatMap((p) => pytestFailing(ex, p, env));
        if (failing.length === 0) continue;
        const s = selectTests(graph, [m.file], (f) => (fs.existsSync(ex.path(f)) ? ex.read(f) : undefined));
        const chosen = s.projects.flatMap((p) => p.selected.map((f) => f.file));
        for (const f of failing)
          expect(chosen, `${m.kind} mutant of ${m.file}: ${f} fails but is not selected`).toContain(f);
        caught[m.kind] = (caught[m.kind] ?? 0) + 1;
        selected += chosen.length;
        total += s.totalFiles;
      } finally {
        ex.write(m.file, original);
      }
    }
    const n = Object.values(caught).reduce((a, b) => a + b, 0);
    console.log(
      `examples/polyglot: ${ms.length} mutants made, ${n} caught (by kind: ${JSON.stringify(caught)}); ` +
        `every failing test file selected in ${n}/${n}; share of test files selected ${((100 * selected) / total).toFixed(0)}%`,
    );
    expect(n).toBeGreaterThanOrEqual(8);
  }, 300_000);
});
