import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskResult } from '../../runner/task-results';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';
import { stopPid } from './server-helper';

const LINES = 150_000; // ~9 MB: seconds of work with the default heap, far past a 128 MiB one
const files: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'ws',
    private: true,
    devDependencies: { nx: '^24.0.6', typescript: '~6.0.3', 'nx-fleet': '*' },
  }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { executors: 'fleet' } }] }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'esnext', moduleResolution: 'bundler', strict: true, types: [] },
  }),
};
const tsconfig = JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts'] });
for (const name of ['a', 'b', 'c']) {
  files[`libs/${name}/tsconfig.json`] = tsconfig;
  files[`libs/${name}/src/index.ts`] = `export const ${name}: number = 1;\n`;
}
files['libs/huge/tsconfig.json'] = tsconfig;
files['libs/huge/src/index.ts'] = Array.from(
  { length: LINES },
  (_, i) => `export const v${i}: { k${i}: number } = { k${i}: ${i} };\n`,
).join('');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CPU seconds a process has used (utime + stime from /proc). */
const cpuSeconds = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
/** Every process of this workspace's run: in nx's process group, or running in the workspace. */
function processesOf(pgid: number, root: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const group = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (group === pgid || cwd === root || cwd.startsWith(root + path.sep))
        out.push({ pid, cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

describe.skipIf(process.platform !== 'linux')('nx-fleet:typecheck hygiene on real nx', () => {
  let ws: TestWorkspace;
  let results: string;
  const record = () => ws.path('.nx/fleet/typecheck-server.json');
  const serverPid = () => (JSON.parse(fs.readFileSync(record(), 'utf8')) as { pid: number }).pid;
  const env = (extra: Record<string, string> = {}) => ({
    FLEET_TASK_RESULTS_DIR: results,
    FLEET_TYPECHECK_THREADS: '2',
    FLEET_TYPECHECK_IDLE_MS: '120000',
    ...extra,
  });
  const run = (args: string[], extra: Record<string, string> = {}) =>
    ws.nx(['run-many', '-t', 'typecheck', '--skip-nx-cache', '--parallel=3', ...args], { env: env(extra) });
  beforeAll(() => {
    ws = createWorkspace({ files });
    results = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-results-'));
  });
  afterAll(async () => {
    if (ws && fs.existsSync(record())) await stopPid(serverPid());
    ws?.dispose();
    fs.rmSync(results, { recursive: true, force: true });
  });

  it('Ctrl-C: nx exits promptly, no process of the run is left, the server stays and serves the next command', async () => {
    const nxBin = path.join(repoRoot(), 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
    // A terminal's Ctrl-C goes to the foreground process group: nx leads its own here.
    const nx = spawn(process.execPath, [nxBin, 'run-many', '-t', 'typecheck', '--skip-nx-cache', '--parallel=3'], {
      cwd: ws.root,
      // The run history's detached completer outlives nx by design (docs/analytics.md); this
      // test is about the run's own processes, so the hook writes everything itself.
      env: ws.env({ ...env(), FLEET_HISTORY_DEFER: '0' }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    nx.stdout.on('data', (d) => (output += d));
    nx.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => nx.once('exit', (code, signal) => r(code ?? (signal ? 128 : 0))));
    let done = false;
    void exited.then(() => (done = true));
    // Mid-run: the server is up and has been busy (checking `huge`) for a CPU-second.
    let pid = 0;
    for (let waited = 0; !done && waited < 120_000; waited += 200) {
      await sleep(200);
      if (!pid && fs.existsSync(record())) pid = serverPid();
      if (pid && alive(pid) && cpuSeconds(pid) > 3) break;
    }
    expect(done, `nx finished before it could be interrupted:\n${output}`).toBe(false);
    expect(pid).toBeGreaterThan(0);
    const before = processesOf(nx.pid!, ws.root).filter((p) => p.pid !== pid);
    expect(before.length).toBeGreaterThanOrEqual(2); // nx and its batch process
    const cpuBefore = cpuSeconds(pid);
    await sleep(1_000);
    const busyBefore = cpuSeconds(pid) - cpuBefore; // the server is checking `huge` right now
    expect(processesOf(nx.pid!, ws.root).length, 'nx finished while measuring').toBeGreaterThanOrEqual(2);
    const sentAt = Date.now();
    process.kill(-nx.pid!, 'SIGINT');
    const timer = setTimeout(() => process.kill(-nx.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    const exitMs = Date.now() - sentAt;
    let left = processesOf(nx.pid!, ws.root).filter((p) => p.pid !== pid);
    for (let waited = 0; left.length && waited < 5_000; waited += 200) {
      await sleep(200);
      left = processesOf(nx.pid!, ws.root).filter((p) => p.pid !== pid);
    }
    // The aborted thread is terminated: the server stops burning CPU.
    await sleep(1_000);
    const serverLog = () => ws.read('.nx/fleet/typecheck-server.log');
    expect(alive(pid), `the server died on Ctrl-C:\n${serverLog()}`).toBe(true);
    const cpu0 = cpuSeconds(pid);
    await sleep(2_000);
    const busy = cpuSeconds(pid) - cpu0;
    console.log(
      `Ctrl-C: ${before.length} processes of the run, nx exited after ${exitMs} ms, ${left.length} left; server ${pid} used ${busyBefore.toFixed(2)} CPU s in the 1 s before, ${busy.toFixed(2)} in the 2 s after`,
    );
    expect(exitMs).toBeLessThan(10_000);
    expect(left).toEqual([]);
    expect(busyBefore).toBeGreaterThan(0.5);
    expect(busy).toBeLessThan(0.5);
    expect(alive(pid)).toBe(true);
    const next = run(['--exclude=huge']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(serverPid()).toBe(pid);
  });

  it('a thread out of memory fails only its task with FLEET_TYPECHECK_WORKER_OOM; the pool replaces it', async () => {
    if (fs.existsSync(record())) await stopPid(serverPid());
    ws.remove('.nx/fleet');
    // 192 MiB: TypeScript's lib files alone need ~70, and a small project's check must fit even
    // when GC lags on a loaded machine (at 128 MiB a fresh-clone run once lost b to OOM); `huge`
    // needs far more.
    const low = { FLEET_TYPECHECK_THREAD_HEAP_MB: '192' };
    const r = run([], low);
    const statuses = Object.fromEntries(
      ['a', 'b', 'c', 'huge'].map((p) => [p, readTaskResult(results, `${p}:typecheck`)?.status]),
    );
    console.log(`OOM run: exit ${r.code}, statuses ${JSON.stringify(statuses)}`);
    expect(r.code).not.toBe(0);
    expect(r.stdout.match(/FLEET_TYPECHECK_WORKER_OOM/g)?.length).toBe(1);
    expect(r.stdout).toMatch(/ran out of memory checking \S*libs\/huge\/tsconfig\.json/);
    expect(statuses).toEqual({ a: 'success', b: 'success', c: 'success', huge: 'failure' });
    const pid = serverPid();
    expect(alive(pid)).toBe(true);
    const next = run(['--exclude=huge'], low);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(serverPid()).toBe(pid);
  });
});
