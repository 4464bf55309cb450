import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlakyTask, RunStats, RunSummary } from '../../analytics';
import { createWorkspace, type TestWorkspace } from '../rig';

/**
 * c0..c3: a DAG with known durations (sleep.js sleeps the given ms): c1 and c2 wait for c0, c3
 * for both: the critical path is c0 -> c2 -> c3. `flaky` fails when its marker (outside its
 * inputs) is absent, then passes with the same hash.
 */
const DAG: Record<string, { deps: string[]; ms: number }> = {
  c0: { deps: [], ms: 300 },
  c1: { deps: ['c0'], ms: 50 },
  c2: { deps: ['c0'], ms: 700 },
  c3: { deps: ['c1', 'c2'], ms: 200 },
};
let ws: TestWorkspace;
const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-flaky-')), 'marker');

function project(name: string, deps: string[], command: string): string {
  return JSON.stringify({
    name,
    root: `libs/${name}`,
    implicitDependencies: deps,
    targets: {
      build: {
        executor: 'nx:run-commands',
        cache: true,
        dependsOn: ['^build'],
        inputs: ['{projectRoot}/**/*'],
        options: { command },
      },
    },
  });
}

beforeAll(() => {
  const files: Record<string, string> = {
    'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
    'package.json': JSON.stringify({ name: 'q', private: true }),
    'tools/sleep.js': 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));\n',
    'tools/flaky.js': `const fs = require('fs'); const m = process.env.FLAKY_MARKER;
if (!fs.existsSync(m)) { fs.writeFileSync(m, '1'); console.error('failing once'); process.exit(1); }
console.log('passed');\n`,
    'libs/flaky/src/a.ts': 'export const a = 1;\n',
    'libs/flaky/project.json': project('flaky', [], 'node tools/flaky.js'),
  };
  for (const [name, { deps, ms }] of Object.entries(DAG)) {
    files[`libs/${name}/project.json`] = project(name, deps, `node tools/sleep.js ${ms}`);
    files[`libs/${name}/src/index.ts`] = `export const ${name} = 1;\n`;
  }
  ws = createWorkspace({ files });
});
afterAll(() => {
  ws?.dispose();
  fs.rmSync(path.dirname(marker), { recursive: true, force: true });
});

const json = <T>(args: string[]): T => {
  const r = ws.fleet([...args, '--json']);
  if (r.code !== 0) throw new Error(`fleet ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

describe('fleet runs, flaky, stats (real nx)', () => {
  it('critical path of a fixture DAG with known durations, then the time the cache saved', () => {
    ws.nxOk(['run-many', '-t', 'build', '-p', 'c0', 'c1', 'c2', 'c3', '--parallel=4']);
    const [run] = json<{ runs: RunSummary[] }>(['runs']).runs;
    const s = json<RunStats>(['stats', '--run', run.runId]);
    expect(s.criticalPath?.tasks).toEqual(['c0:build', 'c2:build', 'c3:build']);
    expect(s.criticalPath!.durationMs).toBeGreaterThanOrEqual(1200);
    expect(s.tasks).toMatchObject({ total: 4, executed: 4, local: 0 });
    const ran = json<{ tasks: Array<{ taskId: string; startTime: number; endTime: number }> }>([
      'runs',
      run.runId,
    ]).tasks;
    const original = ran.reduce((sum, t) => sum + (t.endTime - t.startTime), 0);
    ws.nxOk(['run-many', '-t', 'build', '-p', 'c0', 'c1', 'c2', 'c3']);
    const [again] = json<{ runs: RunSummary[] }>(['runs']).runs;
    const s2 = json<RunStats>(['stats', '--run', again.runId]);
    expect(s2.tasks).toMatchObject({ total: 4, executed: 0, local: 4 });
    expect(s2.cacheSavedMs).toBe(original);
    expect(s2.cacheHitsWithoutProducer).toBe(0);
    expect(s2.workers.reduce((n, w) => n + w.tasks, 0)).toBe(4);
  });

  it('a task that fails then passes with the same hash is flaky, with the right rate', () => {
    const env = { FLAKY_MARKER: marker };
    expect(ws.nx(['run', 'flaky:build', '--skip-nx-cache'], { env }).code).toBe(1);
    ws.nxOk(['run', 'flaky:build', '--skip-nx-cache'], { env });
    ws.nxOk(['run', 'flaky:build', '--skip-nx-cache'], { env });
    // Another hash that only passed: 3 successes, 2 of them of the flaky hash.
    ws.write('libs/flaky/src/a.ts', 'export const a = 2;\n');
    ws.nxOk(['run', 'flaky:build'], { env });
    const { tasks } = json<{ tasks: FlakyTask[] }>(['flaky']);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      taskId: 'flaky:build',
      runs: 4,
      successes: 3,
      flakySuccesses: 2,
      flakyHashes: 1,
      reruns: 1,
    });
    expect(tasks[0].rate).toBeCloseTo(2 / 3, 10);
    expect(tasks[0].wastedMs).toBe(tasks[0].meanDurationMs);
    expect(ws.fleet(['flaky']).stdout).toMatch(/flaky:build\s+66\.7% of 3 successes flaky/);
    // The DAG's tasks never failed: not flaky.
    expect(json<{ tasks: FlakyTask[] }>(['flaky', '--target', 'nope']).tasks).toEqual([]);
  });

  it('trends per day; bad options are named, all at once', () => {
    const { days } = json<{ days: Array<{ runs: number; taskRuns: number }> }>(['stats']);
    expect(days[0].runs).toBe(6);
    expect(days[0].taskRuns).toBe(12);
    const bad = ws.fleet(['runs', '--limit', '0', '--db', ws.path('x.db')], { env: { FLEET_HISTORY_URL: 'nope' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/FLEET_HISTORY_URL: expected a http:\/\/ or https:\/\/ URL, got "nope"/);
    expect(bad.stderr).toMatch(/--limit: expected an integer from 1 to 100000, got "0"/);
    expect(ws.fleet(['flaky', '--days', 'soon']).stderr).toMatch(/--days: expected a number of days/);
    expect(ws.fleet(['runs', 'no-such-run']).stderr).toMatch(/\[HISTORY_RUN_NOT_FOUND\]/);
  });
});
