import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { Cluster } from '../runner/support/cluster';

/**
 * One vitest project `@w/a` with three test files: x.test.ts imports x.ts, which imports the
 * dependency @w/util; y.test.ts imports y.ts; data.test.ts reads a fixture with fs. The plugin's
 * `perFileTestTargets` option is on.
 */
const TEST = (name: string, body: string) =>
  `import { it, expect } from 'vitest';\n${body}\nit('${name}', () => {});\n`;
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'w', private: true, workspaces: ['libs/*'] }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { perFileTestTargets: true } }] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', noEmit: true, skipLibCheck: true },
  }),
  'libs/util/package.json': JSON.stringify({ name: '@w/util', version: '0.0.0', main: 'src/index.ts' }),
  'libs/util/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
  'libs/util/src/index.ts': 'export const one = 1;\n',
  'libs/a/package.json': JSON.stringify({ name: '@w/a', version: '0.0.0', dependencies: { '@w/util': '*' } }),
  'libs/a/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
  'libs/a/vitest.config.ts':
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: {} });\n",
  'libs/a/src/x.ts': "import { one } from '@w/util';\nexport const x = one;\n",
  'libs/a/src/y.ts': 'export const y = 2;\n',
  'libs/a/src/x.test.ts': TEST('x', "import { x } from './x';\nexpect(x).toBe(1);"),
  'libs/a/src/y.test.ts': TEST('y', "import { y } from './y';\nexpect(y).toBe(2);"),
  'libs/a/src/data.test.ts': TEST(
    'data',
    "import * as fs from 'node:fs';\nexpect(JSON.parse(fs.readFileSync(new URL('./fixture.json', import.meta.url), 'utf8')).n).toBe(3);",
  ),
  'libs/a/src/fixture.json': '{ "n": 3 }\n',
};

interface Target {
  options?: { command?: string };
  executor?: string;
  inputs?: unknown[];
  dependsOn?: Array<{ target: string }>;
}

const PER_FILE = ['test--src/data.test.ts', 'test--src/x.test.ts', 'test--src/y.test.ts'];

describe('perFileTestTargets with real nx', () => {
  let ws: TestWorkspace;
  let targets: Record<string, Target>;
  beforeAll(() => {
    ws = createWorkspace({ files: FILES });
    targets = (JSON.parse(ws.nxOk(['show', 'project', '@w/a', '--json'])) as { targets: Record<string, Target> })
      .targets;
  }, 120_000);
  afterAll(() => ws.dispose());

  it('nx show project: test unchanged, one test--<file> per test file with its closure as inputs, test-ci on all', () => {
    const names = Object.keys(targets).sort();
    expect(names.filter((n) => n.startsWith('test--'))).toEqual(PER_FILE);
    expect(targets.test.inputs).toContain('{projectRoot}/**/*');
    const x = targets['test--src/x.test.ts'];
    expect(x.options?.command).toBe('vitest run src/x.test.ts');
    const files = (x.inputs ?? []).filter((i): i is string => typeof i === 'string');
    // The closure across projects, the runner's config, and no other code file of the project.
    expect(files).toContain('{projectRoot}/src/x.test.ts');
    expect(files).toContain('{projectRoot}/src/x.ts');
    expect(files).toContain('{workspaceRoot}/libs/util/src/index.ts');
    expect(files).toContain('{projectRoot}/vitest.config.ts');
    expect(files).not.toContain('{projectRoot}/src/y.ts');
    expect(files).not.toContain('{projectRoot}/**/*');
    expect(files).toContain('{projectRoot}/src/fixture.json');
    // What Nx itself resolves: the closure's files are inputs, y.ts is not.
    const resolved = ws.nxOk(['show', 'target', 'inputs', '@w/a:test--src/x.test.ts']);
    for (const f of ['libs/a/src/x.ts', 'libs/a/src/x.test.ts', 'libs/util/src/index.ts', 'libs/a/src/fixture.json'])
      expect(resolved).toContain(`  ${f}\n`);
    expect(resolved).not.toContain('libs/a/src/y.ts');
    expect(targets['test-ci'].executor).toBe('nx:noop');
    expect(targets['test-ci'].dependsOn!.map((d) => d.target).sort()).toEqual(PER_FILE);
  });

  it('nx run test-ci runs every per-file target once, green; a change to y.ts re-runs only y; a fixture change only what reads non-code files', () => {
    const first = ws.nxOk(['run', '@w/a:test-ci', '--output-style=static']);
    for (const t of PER_FILE) expect(first).toContain(`nx run @w/a:${t}`);
    expect(first).toMatch(/Successfully ran target test-ci/);

    ws.write('libs/a/src/y.ts', 'export const y = 1 + 1;\n');
    const second = ws.nxOk(['run', '@w/a:test-ci', '--output-style=static']);
    const hits = (s: string) =>
      [...s.matchAll(/nx run @w\/a:(test--\S+)\s+\[(?:local cache|remote cache|existing outputs match the cache)/g)]
        .map((m) => m[1])
        .sort();
    expect(hits(second)).toEqual(['test--src/data.test.ts', 'test--src/x.test.ts']);

    // Fixtures are not in the import graph: every per-file target hashes the project's non-code files.
    ws.write('libs/a/src/fixture.json', '{ "n": 3, "m": 4 }\n');
    const third = ws.nxOk(['run', '@w/a:test-ci', '--output-style=static']);
    expect(hits(third)).toEqual([]);
  }, 240_000);

  it('adding a test file adds a target (the project configuration, so its hashes, change)', () => {
    const run = () => ws.nxOk(['run', '@w/a:test--src/x.test.ts', '--output-style=static']);
    run();
    expect(run()).toMatch(/nx run @w\/a:test--src\/x\.test\.ts\s+\[(?:local cache|existing outputs match the cache)/);
    ws.write('libs/a/src/z.test.ts', TEST('z', ''));
    // z.test.ts is no input of x's target, yet x misses: Nx hashes the project configuration.
    expect(run()).not.toMatch(/nx run @w\/a:test--src\/x\.test\.ts\s+\[/);
    const after = (JSON.parse(ws.nxOk(['show', 'project', '@w/a', '--json'])) as { targets: Record<string, Target> })
      .targets;
    expect(Object.keys(after).filter((n) => n.startsWith('test--'))).toContain('test--src/z.test.ts');
    expect(after['test-ci'].dependsOn).toHaveLength(4);
    ws.remove('libs/a/src/z.test.ts');
  }, 180_000);
});

describe('perFileTestTargets over two agents', () => {
  let ws: TestWorkspace;
  let cluster: Cluster;
  let bare: string;
  beforeAll(async () => {
    ws = createWorkspace({ files: FILES });
    bare = fs.mkdtempSync(path.join(path.dirname(ws.root), 'fleet-origin-perfile-'));
    const clone = spawnSync('git', ['clone', '-q', '--bare', ws.root, bare], { encoding: 'utf8' });
    if (clone.status !== 0) throw new Error(clone.stderr);
    ws.git(['remote', 'add', 'origin', bare]);
    ws.git(['fetch', '-q', 'origin']);
    cluster = await new Cluster(bare).start();
    await cluster.startAgents([{ id: 'cpu-a' }, { id: 'cpu-b' }]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    ws?.dispose();
    if (bare) fs.rmSync(bare, { recursive: true, force: true });
  });

  it('fleet run of test-ci runs every per-file target once, green', async () => {
    const r = await cluster.run(ws, ['run', '@w/a:test-ci'], 200_000);
    expect(r.code, r.output).toBe(0);
    const tasks = r.summary!.tasks;
    expect(tasks.map((t) => t.taskId).sort()).toEqual(['@w/a:test-ci', ...PER_FILE.map((t) => `@w/a:${t}`)].sort());
    for (const t of tasks) expect(t.status, t.taskId).toBe('success');
    for (const t of tasks) expect(t.attempts, t.taskId).toBe(1);
    console.log(`test-ci on two agents: ${tasks.map((t) => `${t.taskId}@${t.agent}`).join(', ')}`);
  }, 240_000);
});
