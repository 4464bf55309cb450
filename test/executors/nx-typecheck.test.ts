import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { readTaskResult } from '../../runner/task-results';
import { stopPid } from './server-helper';

const IDLE_MS = 25_000;
const lib = (deps: string[], body: string) => ({
  'tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts'] }),
  'src/index.ts': deps.map((d) => `import { ${d} } from '@ws/${d}';\nexport const from_${d} = ${d};\n`).join('') + body,
});
const files: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'ws',
    private: true,
    devDependencies: { nx: '^24.0.6', typescript: '~6.0.3', 'nx-fleet': '*' },
  }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { executors: 'fleet' } }] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      strict: true,
      noEmit: true,
      types: [],
      paths: { '@ws/a': ['./libs/a/src/index.ts'], '@ws/b': ['./libs/b/src/index.ts'] },
    },
  }),
};
for (const [name, spec] of Object.entries({
  a: lib([], 'export const a = 1;\n'),
  b: lib(['a'], 'export const b: number = a + 1;\n'),
  c: lib(['b'], 'export const c: string = b;\n'),
  d: lib(['a'], 'export const d = a;\n'),
}))
  for (const [f, t] of Object.entries(spec)) files[`libs/${name}/${f}`] = t;

describe('nx-fleet:typecheck on real nx', () => {
  let ws: TestWorkspace;
  let results: string;
  const serverPid = () => (JSON.parse(ws.read('.nx/fleet/typecheck-server.json')) as { pid: number }).pid;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const run = (args: string[], env: Record<string, string> = {}) =>
    ws.nx(['run-many', '-t', 'typecheck', '--skip-nx-cache', '--parallel=2', ...args], {
      env: { FLEET_TASK_RESULTS_DIR: results, ...env },
    });
  const recorded = (projects: string[]) =>
    Object.fromEntries(
      projects.map((p) => {
        const r = readTaskResult(results, `${p}:typecheck`);
        return [p, { status: r?.status, hash: r?.hash }];
      }),
    );
  const tscOutput = (dir: string) =>
    spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], {
      cwd: ws.path(dir),
      encoding: 'utf8',
    }).stdout;
  beforeAll(() => {
    ws = createWorkspace({ files });
    results = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-results-'));
  });
  afterAll(async () => {
    if (ws && fs.existsSync(ws.path('.nx/fleet/typecheck-server.json'))) await stopPid(serverPid());
    ws?.dispose();
    fs.rmSync(results, { recursive: true, force: true });
  });

  it("batch and non-batch: same statuses and hashes, tsc's diagnostic, one crashing worker fails one task, the server is reused", async () => {
    const shown = JSON.parse(ws.nxOk(['show', 'project', 'a', '--json'])) as {
      targets: Record<string, { executor: string; options: unknown }>;
    };
    expect(shown.targets.typecheck).toMatchObject({
      executor: 'nx-fleet:typecheck',
      options: { cwd: 'libs/a', tsConfigs: ['tsconfig.json'] },
    });
    const crashEnv = {
      FLEET_TYPECHECK_TEST_CRASH_ON: `${path.sep}libs${path.sep}d${path.sep}`,
      FLEET_TYPECHECK_IDLE_MS: String(IDLE_MS),
    };
    const batch = run([], crashEnv);
    const batchResults = recorded(['a', 'b', 'c', 'd']);
    const pid = serverPid();
    const nonBatch = run(['--batch=false']);
    const nonBatchResults = recorded(['a', 'b', 'c', 'd']);
    const expected = tscOutput('libs/c');
    expect(expected).toMatch(/src\/index\.ts\(\d+,\d+\): error TS2322/);
    for (const r of [batch, nonBatch]) {
      expect(r.code).not.toBe(0);
      for (const line of expected.trim().split('\n')) expect(r.stdout).toContain(line);
      expect(r.stdout).toContain('FLEET_TYPECHECK_WORKER_CRASHED');
    }
    expect(batchResults).toEqual(nonBatchResults);
    expect(Object.fromEntries(Object.entries(batchResults).map(([p, r]) => [p, r.status]))).toEqual({
      a: 'success',
      b: 'success',
      c: 'failure',
      d: 'failure',
    });
    for (const r of Object.values(batchResults)) expect(r.hash).toMatch(/^\d+$/);
    expect(serverPid()).toBe(pid); // the second Nx command used the first one's server
    expect(alive(pid)).toBe(true);
  });

  it('the server exits after its idle timeout; FLEET_DISABLE=1 runs plain tsc without one', async () => {
    const pid = serverPid();
    for (let waited = 0; alive(pid) && waited < IDLE_MS + 30_000; waited += 500)
      await new Promise((r) => setTimeout(r, 500));
    expect(alive(pid)).toBe(false);
    fs.rmSync(ws.path('.nx/fleet'), { recursive: true, force: true });
    const r = run(['--exclude=d'], { FLEET_DISABLE: '1' });
    expect(r.code).not.toBe(0);
    for (const line of tscOutput('libs/c').trim().split('\n')) expect(r.stdout).toContain(line);
    expect(fs.existsSync(ws.path('.nx/fleet/typecheck-server.json'))).toBe(false);
    expect(recorded(['a', 'b', 'c'])).toMatchObject({
      a: { status: 'success' },
      b: { status: 'success' },
      c: { status: 'failure' },
    });
  });

  it('works in-process, saying so once, when the server cannot start; switching to commands changes the hash', () => {
    fs.rmSync(ws.path('.nx/fleet'), { recursive: true, force: true });
    ws.write('.nx/fleet', 'a file where the server folder should be');
    const r = run(['--exclude=d']);
    expect(r.code).not.toBe(0);
    expect((r.stdout + r.stderr).match(/typecheck server could not start/g)?.length).toBeGreaterThanOrEqual(1);
    expect(r.stdout.match(/typecheck server could not start/g)?.length ?? 0).toBeLessThanOrEqual(1);
    for (const line of tscOutput('libs/c').trim().split('\n')) expect(r.stdout).toContain(line);
    const fleetHash = recorded(['a', 'b', 'c']).a.hash;
    ws.write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { executors: 'commands' } }] }));
    ws.nxOk(['run', 'a:typecheck', '--skip-nx-cache'], { env: { FLEET_TASK_RESULTS_DIR: results } });
    const commandHash = recorded(['a']).a.hash;
    expect(commandHash).toMatch(/^\d+$/);
    expect(commandHash).not.toBe(fleetHash);
  });
});
