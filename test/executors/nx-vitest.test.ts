import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { readTaskResult } from '../../runner/task-results';

/**
 * Projects whose Vitest settings differ in what a shared runner could get wrong: pool (threads,
 * forks), isolation (on, and off where the project says so), environment (a custom one, from a
 * path), setup files, the working directory, plus a failing test and a file that fails to load.
 * Every file records what it saw into `seen/`, so the test can compare the two ways of running.
 */
const record = (project: string, file: string) => `
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
globalThis.__files = (globalThis.__files ?? 0) + 1;
fs.mkdirSync(process.env.SEEN_DIR, { recursive: true });
fs.writeFileSync(path.join(process.env.SEEN_DIR, '${project}-${file}.json'), JSON.stringify({
  filesInContext: globalThis.__files, mainThread: isMainThread, cwd: process.cwd(),
  setup: globalThis.fromSetup ?? null, env: globalThis.customEnv ?? null,
}));
`;
const config = (test: Record<string, unknown>) =>
  `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: ${JSON.stringify(test)} });\n`;
const pkg = (name: string) => JSON.stringify({ name, private: true, devDependencies: { vitest: '*' } });

const files: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'ws',
    private: true,
    workspaces: ['libs/*'],
    devDependencies: { nx: '^24.0.6', vitest: '~4.1', 'nx-fleet': '*' },
  }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { testExecutor: 'fleet' } }] }),
  // threads pool, a setup file, isolation on (the default): each file starts from a clean context
  'libs/threads/package.json': pkg('threads'),
  'libs/threads/vitest.config.mjs': config({ pool: 'threads', setupFiles: ['./setup.mjs'] }),
  'libs/threads/setup.mjs': "globalThis.fromSetup = 'threads';\n",
  'libs/threads/src/a.test.mjs': `${record('threads', 'a')}import { test, expect } from 'vitest';
test('setup ran', () => expect(globalThis.fromSetup).toBe('threads'));
test('in a thread', () => expect(isMainThread).toBe(false));
test.skip('skipped', () => {});
test.todo('todo');
`,
  'libs/threads/src/b.test.mjs': `${record('threads', 'b')}import { test, expect } from 'vitest';
test('clean context', () => expect(globalThis.__files).toBe(1));
`,
  // forks pool, isolation off (the project's choice, kept), one worker, a custom environment
  'libs/shared/package.json': pkg('shared'),
  'libs/shared/vitest.config.mjs': config({ pool: 'forks', isolate: false, maxWorkers: 1, environment: './env.mjs' }),
  'libs/shared/env.mjs': `export default { name: 'custom', viteEnvironment: 'ssr', setup() { globalThis.customEnv = 'custom'; return { teardown() {} }; } };\n`,
  'libs/shared/src/a.test.mjs': `${record('shared', 'a')}import { test, expect } from 'vitest';
test('custom environment', () => expect(globalThis.customEnv).toBe('custom'));
test('in a process', () => expect(isMainThread).toBe(true));
`,
  'libs/shared/src/b.test.mjs': `${record('shared', 'b')}import { test, expect } from 'vitest';
test('no setup file here', () => expect(globalThis.fromSetup).toBeUndefined());
`,
  // a failing assertion next to a passing one
  'libs/failing/package.json': pkg('failing'),
  'libs/failing/src/math.test.mjs': `import { test, expect } from 'vitest';
test('adds', () => expect(1 + 1).toBe(2));
test('multiplies', () => expect(6 * 7).toBe(41));
`,
  // a file that fails to load: no test fails, the run does
  'libs/broken/package.json': pkg('broken'),
  'libs/broken/src/ok.test.mjs': "import { test } from 'vitest';\ntest('fine', () => {});\n",
  'libs/broken/src/import.test.mjs':
    "import './missing.mjs';\nimport { test } from 'vitest';\ntest('never', () => {});\n",
};
const PROJECTS = ['threads', 'shared', 'failing', 'broken'];
const FAILING = new Set(['failing', 'broken']);

/** Vitest's own summary lines: what `vitest run` reports as the counts. */
const summary = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^\s*(Test Files|Tests)\s/.test(l))
    .map((l) => l.trim().replace(/\s+/g, ' '));

/** A task's part of Nx's static output: from its `> nx run p:test` header to the next header. */
const taskSection = (out: string, project: string) => {
  const start = out.indexOf(`> nx run ${project}:test`);
  if (start < 0) return '';
  return out.slice(start).split(/\n> nx run /)[0];
};

describe('nx-fleet:vitest on real nx', () => {
  let ws: TestWorkspace;
  let results: string;
  const seen = (mode: string) => path.join(ws.root, 'seen', mode);
  const readSeen = (mode: string) =>
    Object.fromEntries(
      fs
        .readdirSync(seen(mode))
        .map((f) => [f.replace(/\.json$/, ''), JSON.parse(fs.readFileSync(path.join(seen(mode), f), 'utf8'))]),
    );
  /** The oracle: `vitest run` in the project folder, with Vitest's JSON report beside its output. */
  const vitestRun = (project: string) => {
    const json = path.join(results, `${project}.json`);
    const r = spawnSync(
      process.execPath,
      [
        path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs'),
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${json}`,
      ],
      { cwd: ws.path(`libs/${project}`), env: ws.env({ SEEN_DIR: seen('cli') }), encoding: 'utf8' },
    );
    return { code: r.status, out: r.stdout + r.stderr, json: JSON.parse(fs.readFileSync(json, 'utf8')) };
  };
  let cli: Record<string, ReturnType<typeof vitestRun>>;
  beforeAll(() => {
    ws = createWorkspace({ files });
    results = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-vitest-'));
    cli = Object.fromEntries(PROJECTS.map((p) => [p, vitestRun(p)]));
  });
  afterAll(() => {
    ws?.dispose();
    fs.rmSync(results, { recursive: true, force: true });
  });

  it('batch: each project keeps its Vitest settings; statuses and counts equal `vitest run`; a failure fails its task with Vitest output', () => {
    const shown = JSON.parse(ws.nxOk(['show', 'project', 'threads', '--json'])) as {
      targets: Record<string, { executor: string; options: unknown }>;
    };
    expect(shown.targets.test.executor).toBe('nx-fleet:vitest');
    const r = ws.nx(['run-many', '-t', 'test', '--skip-nx-cache', '--parallel=2', '--outputStyle=static'], {
      env: { FLEET_TASK_RESULTS_DIR: results, SEEN_DIR: seen('fleet') },
    });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    let checked = 0;
    for (const p of PROJECTS) {
      expect(cli[p].code === 0, `${p}: vitest run exit ${cli[p].code}`).toBe(!FAILING.has(p));
      expect(readTaskResult(results, `${p}:test`)?.status, p).toBe(FAILING.has(p) ? 'failure' : 'success');
      // This task's section of Nx's output: from its header to the next one.
      const section = taskSection(out, p);
      expect(summary(section), `${p}: counts`).toEqual(summary(cli[p].out));
      expect(summary(section).length, p).toBe(2);
      const j = cli[p].json as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
        numTodoTests: number;
      };
      expect(summary(section)[1], p).toContain(j.numFailedTests ? `${j.numFailedTests} failed` : 'passed');
      checked++;
    }
    console.log(`nx-fleet:vitest: ${checked} projects, statuses and Vitest summary lines equal to vitest run`);
    // Vitest's own failure report, in the failing task's output
    expect(out).toContain('FAIL  src/math.test.mjs > multiplies');
    expect(out).toContain('expected 42 to be 41');
    expect(out).toMatch(/FAIL\s+src\/import\.test\.mjs/);
    // Settings kept: what each file saw is what it sees under `vitest run` in its folder.
    const fleet = readSeen('fleet');
    expect(Object.keys(fleet).sort()).toEqual(['shared-a', 'shared-b', 'threads-a', 'threads-b']);
    expect(fleet).toEqual(readSeen('cli'));
    expect(fleet['threads-b'].filesInContext).toBe(1); // isolated
    expect(Math.max(fleet['shared-a'].filesInContext, fleet['shared-b'].filesInContext)).toBe(2); // isolate: false
    expect(fleet['shared-a'].cwd).toBe(ws.path('libs/shared'));
  });

  it('without batch mode, the same statuses and output summary per task', () => {
    const r = ws.nx(
      ['run-many', '-t', 'test', '--skip-nx-cache', '--parallel=2', '--batch=false', '--outputStyle=static'],
      {
        env: { FLEET_TASK_RESULTS_DIR: results, SEEN_DIR: seen('single') },
      },
    );
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    for (const p of PROJECTS) {
      expect(readTaskResult(results, `${p}:test`)?.status, p).toBe(FAILING.has(p) ? 'failure' : 'success');
      expect(summary(taskSection(out, p)), p).toEqual(summary(cli[p].out));
    }
    expect(readSeen('single')).toEqual(readSeen('cli'));
  });
});
