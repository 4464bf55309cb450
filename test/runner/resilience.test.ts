import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { redisConnection, runKeys } from '../../runner';
import { startServe, type ServeProcess } from '../cache/support/serve-process';
import { levelKeys } from './support/keys';
import { agentClone, dteWorkspace } from './support/dte-fixture';
import { startFleet, waitUntil, type FleetProcess } from './support/processes';
import { RestartableRedis } from './support/redis-on-port';

// Retries, flakiness, timeouts, cancel, a dead coordinator, Redis restarts and the install step,
// with a real redis-server, the cache server and two agents as separate processes.
const KEYS = levelKeys();
let redis: RestartableRedis;
let cache: ServeProcess;
let ws: TestWorkspace;
let bare: string;
const agents = new Map<string, FleetProcess>();
const temp: string[] = [];
const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-resilience-'));
temp.push(pidDir);

function startAgent(id: string, labels: string[] = [], extra: string[] = []): FleetProcess {
  const clone = agentClone(bare);
  temp.push(clone.root);
  // In-process plugins: half of nx's start-up CPU on this 2-core machine; hashes are the same.
  const env = clone.env({
    AGENT_NAME: id,
    ...KEYS.agentEnv,
    PID_DIR: pidDir,
    RELEASE_FILE: path.join(pidDir, 'release'),
    NX_ISOLATE_PLUGINS: 'false',
  });
  const args = [
    'agent',
    '--redis',
    redis.url,
    '--cache',
    cache.url,
    '--slots',
    '1',
    '--id',
    id,
    '--workdir',
    clone.root,
  ];
  // tools/install.js is a stand-in that records its runs and installs nothing: the clone has its
  // node_modules linked (agentClone), but a second checkout of an agent with an install step gets
  // only what that step creates (docs/distributed.md), so these agents keep one checkout.
  args.push('--lock-timeout', '6', '--abandon-after', '4', '--install-command', 'node tools/install.js');
  args.push('--checkouts', '1');
  if (labels.length) args.push('--labels', labels.join(','));
  const p = startFleet([...args, ...extra], { cwd: clone.root, env });
  agents.set(id, p);
  return p;
}

const logs = (): string => [...agents.entries()].map(([id, a]) => `--- ${id}\n${a.output()}`).join('\n');

interface Summary {
  status: string;
  code?: string;
  tasks: Array<{
    taskId: string;
    status: string;
    agent?: string;
    attempts: number;
    flaky?: boolean;
    hash?: string;
    history: Array<{ agent: string; status: string; code?: string; hash?: string }>;
  }>;
}

function startRun(args: string[]): { p: FleetProcess; summary(): Summary } {
  const file = path.join(pidDir, `summary-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const p = startFleet(['run', '--summary-json', file, ...args], {
    cwd: ws.root,
    env: ws.env({
      FLEET_REDIS_URL: redis.url,
      FLEET_CACHE_URL: cache.url,
      ...KEYS.coordinatorEnv,
      NX_ISOLATE_PLUGINS: 'false',
    }),
  });
  return { p, summary: () => JSON.parse(fs.readFileSync(file, 'utf8')) as Summary };
}

async function finished(p: FleetProcess, ms = 120_000): Promise<number | null> {
  const timer = setTimeout(() => void p.stop(1000), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The PID a `hang` task wrote, once one has (bounded wait). */
async function hangPid(): Promise<number> {
  const file = (): string | undefined => fs.readdirSync(pidDir).find((f) => f.endsWith('-hang.pid'));
  expect(await waitUntil(() => file() !== undefined, 60_000), logs()).toBe(true);
  const f = path.join(pidDir, file()!);
  const pid = Number(fs.readFileSync(f, 'utf8'));
  fs.rmSync(f);
  return pid;
}

beforeAll(async () => {
  redis = await RestartableRedis.start();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-resilience-cache-'));
  temp.push(store);
  cache = await startServe(['--store', `fs:${store}`]);
  ({ ws, bare } = dteWorkspace({ fleetPlugin: true }));
  temp.push(ws.root, bare);
  startAgent('a1');
  startAgent('a2', ['probe']);
  const ready = await waitUntil(() => [...agents.values()].every((a) => a.output().includes('agent ready')), 45_000);
  if (!ready) throw new Error(`agents did not start:\n${logs()}`);
});

afterAll(async () => {
  for (const a of agents.values()) await a.stop();
  await cache?.stop();
  await redis?.down();
  for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
});

describe('fleet run when things go wrong', () => {
  it('a task that fails once then passes is retried on the other agent with --retry-failed and reported flaky, with its hash', async () => {
    const run = startRun(['--retry-failed', '1', 'run', 'flaky:check']);
    expect(await finished(run.p), run.p.output() + logs()).toBe(0);
    const t = run.summary().tasks.find((x) => x.taskId === 'flaky:check')!;
    expect(t).toMatchObject({ status: 'success', attempts: 2, flaky: true });
    expect(t.history.map((h) => h.status)).toEqual(['failure', 'success']);
    expect(t.history[0].code).toBe('FLEET_TASK_EXIT');
    // Retried on a different agent, with the same hash Nx computed on both.
    expect(t.history[1].agent).not.toBe(t.history[0].agent);
    expect(t.history[0].hash).toMatch(/^\d+$/);
    expect(t.history[1].hash).toBe(t.history[0].hash);
    expect(t.hash).toBe(t.history[0].hash);
    expect(run.p.output()).toContain('flaky: failing the first time');
    // The task's header line (docs/distributed.md, "What you see").
    expect(run.p.output()).toMatch(
      /✔ flaky:check · a[12] · .* · attempt 2 · flaky: it failed before with the same hash/,
    );
    // Remembered: a later run retries it once without --retry-failed.
    const r = redisConnection(redis.url, 'test-flaky');
    try {
      expect(JSON.parse((await r.hget(runKeys.flaky, 'flaky:check'))!)).toMatchObject({ hash: t.hash });
    } finally {
      r.disconnect();
    }
  });

  it('without --retry-failed a failing task is not retried', async () => {
    fs.rmSync(path.join(pidDir, 'flaky-marker'), { force: true });
    ws.write('libs/flaky/input.txt', 'new inputs: a new hash');
    ws.commit('flaky input');
    ws.git(['push', '-q', 'origin', 'HEAD:main']);
    // Known flaky from the test above: one retry by default (--retry-flaky 1); 0 turns it off.
    const run = startRun(['--retry-flaky', '0', 'run', 'flaky:check']);
    expect(await finished(run.p)).toBe(1);
    const t = run.summary().tasks[0];
    expect(t).toMatchObject({ status: 'failure', attempts: 1 });
    expect(run.p.output()).toContain('FLEET_TASKS_FAILED');
    // Its header, then the command's own output under it.
    expect(run.p.output()).toMatch(
      /✖ flaky:check · a[12] · [^\n]*exit 1\n(.*\n){0,3} {2}flaky: failing the first time/,
    );
  });

  it('--task-timeout stops the task and its processes, and retries it on the other agent up to --max-attempts', async () => {
    // Long enough for nx to start the task on a busy machine: the timeout covers all of `nx run`.
    const run = startRun(['--task-timeout', '15', '--max-attempts', '2', 'run', 'hang:check']);
    const first = await hangPid();
    const second = await hangPid();
    expect(await finished(run.p)).toBe(1);
    const t = run.summary().tasks[0];
    expect(t.status).toBe('failure');
    expect(t.history.map((h) => h.code)).toEqual(['FLEET_TASK_TIMEOUT', 'FLEET_TASK_TIMEOUT']);
    expect(new Set(t.history.map((h) => h.agent)).size).toBe(2);
    expect(await waitUntil(() => !alive(first) && !alive(second), 15_000)).toBe(true);
    expect(run.p.output()).toContain('stopped after the task timeout of 15s');
  });

  it('--stream prints lines while the task runs; Ctrl-C cancels the run: the agent stops the running task, exit 130', async () => {
    const run = startRun(['--stream', 'run', 'hang:check']);
    const pid = await hangPid();
    // The task is still running: this line can only have come live.
    expect(await waitUntil(() => run.p.output().includes('hang:check | hang: started'), 30_000), run.p.output()).toBe(
      true,
    );
    process.kill(run.p.pid, 'SIGINT');
    expect(await finished(run.p, 60_000), run.p.output()).toBe(130);
    expect(await waitUntil(() => !alive(pid), 15_000)).toBe(true);
    const s = run.summary();
    expect(s.status).toBe('cancelled');
    expect(s.tasks[0].status).toBe('cancelled');
    expect(logs()).toContain('"msg":"run cancelled"');
  });

  it('agents abandon the run of a coordinator killed with -9 after --abandon-after', async () => {
    const run = startRun(['run', 'hang:check']);
    const pid = await hangPid();
    process.kill(run.p.pid, 'SIGKILL');
    await run.p.exited;
    expect(await waitUntil(() => !alive(pid), 40_000), logs()).toBe(true);
    expect(logs()).toMatch(/"msg":"run abandoned".*"why":"no coordinator heartbeat for 4s"/);
  });

  it('the install command runs when the lockfile changed, and not otherwise', async () => {
    const installs = (): number =>
      fs.existsSync(path.join(pidDir, 'installs-a2.log'))
        ? fs.readFileSync(path.join(pidDir, 'installs-a2.log'), 'utf8').split('\n').filter(Boolean).length
        : 0;
    const runProbe = async (): Promise<void> => {
      const run = startRun(['run', 'probe:check', '--skip-nx-cache']);
      expect(await finished(run.p), run.p.output()).toBe(0);
      expect(run.summary().tasks[0].agent).toBe('a2');
    };
    await runProbe();
    const before = installs();
    expect(before).toBeGreaterThanOrEqual(1);
    ws.write(
      'package-lock.json',
      JSON.stringify({ name: 'dte', lockfileVersion: 3, requires: true, packages: { '': { name: 'dte' } } }, null, 2),
    );
    ws.commit('lockfile');
    ws.git(['push', '-q', 'origin', 'HEAD:main']);
    await runProbe();
    expect(installs()).toBe(before + 1);
    ws.write('libs/probe/src.txt', 'probe 2');
    ws.commit('not the lockfile');
    ws.git(['push', '-q', 'origin', 'HEAD:main']);
    await runProbe();
    expect(installs()).toBe(before + 1);
  });

  it('an agent with --idle-exit ends by itself when it has had no work that long', async () => {
    const p = startAgent('idle', ['nothing-needs-this'], ['--idle-exit', '2']);
    const timer = setTimeout(() => void p.stop(1000), 60_000);
    expect(await p.exited, p.output()).toBe(0);
    clearTimeout(timer);
    expect(p.output()).toContain('"msg":"agent idle, exiting","idleSeconds":2');
    agents.delete('idle');
  });

  it('a Redis restart (data lost) during a run ends in success: unfinished tasks are queued again', async () => {
    fs.rmSync(path.join(pidDir, 'release'), { force: true });
    const run = startRun(['run', 'slow:slow', '--skip-nx-cache']);
    expect(await waitUntil(() => fs.readdirSync(pidDir).some((f) => f.endsWith('-slow.pid')), 60_000), logs()).toBe(
      true,
    );
    await redis.down();
    await redis.up();
    expect(await waitUntil(() => run.p.output().includes("Redis lost this run's data"), 30_000), run.p.output()).toBe(
      true,
    );
    fs.writeFileSync(path.join(pidDir, 'release'), 'go');
    expect(await finished(run.p), run.p.output() + logs()).toBe(0);
    expect(run.summary().tasks[0].status).toBe('success');
  });

  it('Redis gone for longer than --redis-timeout fails the run with a clear message, never a hang', async () => {
    fs.rmSync(path.join(pidDir, 'release'), { force: true });
    for (const f of fs.readdirSync(pidDir).filter((x) => x.endsWith('-slow.pid'))) fs.rmSync(path.join(pidDir, f));
    // New inputs, or the agents would take slow:slow from the remote cache without running it.
    ws.write('libs/slow/src.txt', 'slow, second time');
    ws.commit('slow input');
    ws.git(['push', '-q', 'origin', 'HEAD:main']);
    const run = startRun(['--redis-timeout', '3', 'run', 'slow:slow', '--skip-nx-cache']);
    expect(await waitUntil(() => fs.readdirSync(pidDir).some((f) => f.endsWith('-slow.pid')), 60_000), logs()).toBe(
      true,
    );
    await redis.down();
    try {
      expect(await finished(run.p, 60_000), run.p.output()).toBe(1);
      expect(run.p.output()).toContain('FLEET_REDIS_UNAVAILABLE');
      expect(run.p.output()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ has been unreachable for 3s/);
    } finally {
      fs.writeFileSync(path.join(pidDir, 'release'), 'go');
      await redis.up();
    }
  });
});
