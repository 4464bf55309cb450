import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { canonicalRequirement, JobQueues, redisConnection, runKeys, signJob, type JobPayload } from '../../runner';
import { startRedis, type RedisProcess } from '../cache/support/redis-server';
import { startServe, type ServeProcess } from '../cache/support/serve-process';
import { agentClone, BUILD_DEPS, dteWorkspace } from './support/dte-fixture';
import { fakeNvidiaSmiDir } from './support/fake-gpu-tools';
import { levelKeys } from './support/keys';
import { startFleet, waitUntil, type FleetProcess } from './support/processes';
import { redisUrlFileEnv } from './support/redis-url-file';

const KEYS = levelKeys();
let redis: RedisProcess;
let cache: ServeProcess;
let ws: TestWorkspace;
let bare: string;
const agents = new Map<string, FleetProcess>();
const temp: string[] = [];
const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dte-pids-'));
const releaseFile = path.join(pidDir, 'release-slow');
temp.push(pidDir);
/** Agents read the Redis URL (with its password) from a file here, not from argv. */
const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dte-redis-'));
temp.push(redisDir);

function startAgent(id: string, gpus: number): FleetProcess {
  const clone = agentClone(bare);
  temp.push(clone.root);
  const smi = fakeNvidiaSmiDir(
    Array.from({ length: gpus }, () => ({ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 })),
  );
  temp.push(smi);
  const env = clone.env({
    AGENT_NAME: id,
    ...KEYS.agentEnv,
    PATH: `${smi}${path.delimiter}${process.env.PATH}`,
    PID_DIR: pidDir,
    RELEASE_FILE: releaseFile,
    NX_ISOLATE_PLUGINS: 'false',
    ...redisUrlFileEnv(redisDir, redis.url),
  });
  const args = [
    'agent',
    '--cache',
    cache.url,
    '--slots',
    '2',
    '--id',
    id,
    '--workdir',
    clone.root,
    '--lock-timeout',
    '6',
  ];
  const p = startFleet(args, { cwd: clone.root, env });
  agents.set(id, p);
  return p;
}

function startRun(args: string[]): FleetProcess {
  return startFleet(['run', ...args], {
    cwd: ws.root,
    env: ws.env({
      FLEET_REDIS_URL: redis.url,
      FLEET_CACHE_URL: cache.url,
      ...KEYS.coordinatorEnv,
      NX_ISOLATE_PLUGINS: 'false',
    }),
  });
}

async function fleetRun(args: string[]): Promise<{ code: number | null; output: string }> {
  const p = startRun(args);
  const timer = setTimeout(() => void p.stop(1000), 150_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, output: p.output() };
}

beforeAll(async () => {
  redis = await startRedis({ password: randomBytes(18).toString('base64url') });
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dte-cache-'));
  temp.push(store);
  cache = await startServe(['--store', `fs:${store}`]);
  ({ ws, bare } = dteWorkspace());
  temp.push(ws.root, bare);
  for (const [id, gpus] of [
    ['cpu-a', 0],
    ['cpu-b', 0],
    ['gpu-a', 2],
  ] as const)
    startAgent(id, gpus);
  const ready = await waitUntil(() => [...agents.values()].every((a) => a.output().includes('agent ready')), 30_000);
  if (!ready) throw new Error(`agents did not start:\n${[...agents.values()].map((a) => a.output()).join('\n')}`);
});

afterAll(async () => {
  for (const a of agents.values()) await a.stop();
  await cache?.stop();
  await redis?.stop();
  for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
});

describe('fleet run with agents as separate processes', () => {
  it('runs the DAG on the agents, routes the GPU task to the GPU agent, and replays everything from the remote cache', async () => {
    const summaryFile = path.join(ws.root, '..', `summary-${path.basename(ws.root)}.json`);
    temp.push(summaryFile);
    const r = await fleetRun(['--summary-json', summaryFile, 'run-many', '-t', 'build', 'train']);
    expect(r.code, r.output + [...agents.values()].map((a) => a.output()).join('\n')).toBe(0);

    const replay = JSON.parse(ws.read('tasks.json')) as Record<string, string>;
    expect(Object.keys(replay).sort()).toEqual(
      [...Object.keys(BUILD_DEPS).map((p) => `${p}:build`), 'trainer:train'].sort(),
    );
    expect(Object.values(replay).every((s) => s === 'remote-cache')).toBe(true);

    const trained = JSON.parse(ws.read('libs/trainer/out/result.json'));
    expect(trained.agent).toBe('gpu-a');
    expect(['0', '1']).toContain(trained.cuda);
    expect(trained.nvidia).toBe(trained.cuda);
    for (const p of Object.keys(BUILD_DEPS)) expect(JSON.parse(ws.read(`libs/${p}/out/result.json`)).cuda).toBe('');

    const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
    expect(summary.status).toBe('success');
    expect(summary.tasks).toHaveLength(7);
    for (const t of summary.tasks) {
      expect(t).toMatchObject({ status: 'success', attempts: 1 });
      expect(t.queuedAt).toBeLessThanOrEqual(t.startedAt);
      expect(t.startedAt).toBeLessThanOrEqual(t.endedAt);
    }
    // Idle agents moved their checkout to the run's commit while the coordinator planned.
    expect([...agents.values()].map((a) => a.output()).join('\n')).toMatch(
      /"msg":"checkout prepared","runId":"r-[^"]+","commit":"[0-9a-f]{40}","ms":\d+}/,
    );
    // Tasks after an agent's first ran in a spare nx that had loaded Nx before (WarmNx).
    expect([...agents.values()].map((a) => a.output()).join('\n')).toMatch(/"msg":"task finished".*"warm":true/);
    const train = summary.tasks.find((t: { taskId: string }) => t.taskId === 'trainer:train');
    expect(train).toMatchObject({ agent: 'gpu-a', requirement: { labels: ['gpu'], gpus: 1 } });
    expect(train.gpus).toHaveLength(1);
  });

  it('agents refuse tampered and unsigned jobs, report it on the run, and run nothing', async () => {
    const queues = new JobQueues({ redisUrl: redis.url });
    const events = redisConnection(redis.url, 'test-events');
    try {
      const commit = ws.git(['rev-parse', 'HEAD']).trim();
      const payload = (taskId: string): JobPayload => ({
        v: 2,
        trust: 'trusted',
        runId: 'r-tamper',
        taskId,
        commit,
        project: 'p0',
        target: taskId.split(':')[1],
        requirement: canonicalRequirement(),
        attempt: 1,
      });
      const signed = signJob(payload('p0:build'), KEYS.privateKey);
      await queues.enqueue({ payload: { ...signed.payload, target: 'evil' }, signature: signed.signature });
      await queues.enqueue({ payload: payload('p0:unsigned'), signature: '' });
      const refused = async (): Promise<Array<{ type: string; code: string; taskId: string }>> =>
        (await events.xrange(runKeys.events('r-tamper'), '-', '+')).map(([, f]) => JSON.parse(f[1]));
      let seen: Array<{ type: string; code: string; taskId: string }> = [];
      for (let i = 0; i < 100 && seen.length < 2; i++)
        ((seen = await refused()), await new Promise((r) => setTimeout(r, 100)));
      expect(seen.map((e) => [e.type, e.taskId, e.code]).sort()).toEqual([
        ['refused', 'p0:build', 'FLEET_JOB_BAD_SIGNATURE'],
        ['refused', 'p0:unsigned', 'FLEET_JOB_UNSIGNED'],
      ]);
      const logs = [...agents.values()].map((a) => a.output()).join('\n');
      expect(logs).toContain('"msg":"job refused"');
      expect(logs).not.toMatch(/"task started","runId":"r-tamper"/);
    } finally {
      await queues.close();
      events.disconnect();
    }
  });

  it('a job written straight into a trusted queue with the untrusted key, or claiming another level, is refused at the agent', async () => {
    const untrusted = levelKeys('untrusted');
    const queues = new JobQueues({ redisUrl: redis.url });
    const events = redisConnection(redis.url, 'test-events-trust');
    try {
      const commit = ws.git(['rev-parse', 'HEAD']).trim();
      const payload = (taskId: string, trust: string): JobPayload => ({
        v: 2,
        trust,
        runId: 'r-forged',
        taskId,
        commit,
        project: 'p0',
        target: taskId.split(':')[1],
        requirement: canonicalRequirement(),
        attempt: 1,
      });
      await queues.enqueue(signJob(payload('p0:build', 'trusted'), untrusted.privateKey));
      await queues.enqueue(signJob(payload('p0:pr', 'untrusted'), untrusted.privateKey));
      let seen: Array<{ type: string; code: string; taskId: string }> = [];
      for (let i = 0; i < 100 && seen.length < 2; i++) {
        seen = (await events.xrange(runKeys.events('r-forged'), '-', '+')).map(([, f]) => JSON.parse(f[1]));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen.map((e) => [e.type, e.taskId, e.code]).sort()).toEqual([
        ['refused', 'p0:build', 'FLEET_JOB_BAD_SIGNATURE'],
        ['refused', 'p0:pr', 'FLEET_JOB_WRONG_TRUST'],
      ]);
      expect([...agents.values()].map((a) => a.output()).join('\n')).not.toMatch(/"task started","runId":"r-forged"/);
    } finally {
      await queues.close();
      events.disconnect();
    }
  });

  it('a patch replaced in Redis after signing is refused with FLEET_PATCH_TAMPERED and never applied', async () => {
    const queues = new JobQueues({ redisUrl: redis.url });
    const redisClient = queues.client;
    const events = redisConnection(redis.url, 'test-events-patch');
    try {
      const commit = ws.git(['rev-parse', 'HEAD']).trim();
      const runId = 'r-patch-tampered';
      const honest = 'diff --git a/libs/p0/src.txt b/libs/p0/src.txt\n';
      const evil =
        'diff --git a/tools/work.js b/tools/work.js\n--- a/tools/work.js\n+++ b/tools/work.js\n@@ -1 +1 @@\n-x\n+require("child_process").execSync("touch /tmp/pwned")\n';
      await redisClient.hset(runKeys.run(runId), {
        command: 'run p0:build',
        commit,
        createdAt: String(Date.now()),
        status: 'running',
      });
      await redisClient.set(runKeys.heartbeat(runId), String(Date.now()), 'EX', 120);
      await redisClient.set(runKeys.patch(runId), honest);
      const patchSha256 = createHash('sha256').update(honest).digest('hex');
      const job = signJob(
        {
          v: 2,
          trust: 'trusted',
          runId,
          taskId: 'p0:build',
          commit,
          patchKey: runKeys.patch(runId),
          patchSha256,
          project: 'p0',
          target: 'build',
          requirement: canonicalRequirement(),
          attempt: 1,
        },
        KEYS.privateKey,
      );
      // Whoever can write Redis swaps the patch after the coordinator signed the job.
      await redisClient.set(runKeys.patch(runId), evil);
      await queues.enqueue(job);
      let finished: Array<{ type: string; result?: { code?: string; message?: string; status: string } }> = [];
      for (let i = 0; i < 150 && finished.length < 1; i++) {
        finished = (await events.xrange(runKeys.events(runId), '-', '+'))
          .map(([, f]) => JSON.parse(f[1]))
          .filter((e) => e.type === 'finished');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(finished[0]?.result).toMatchObject({
        status: 'failure',
        code: 'FLEET_PATCH_TAMPERED',
        message: expect.stringContaining('not applied'),
      });
      const logs = [...agents.values()].map((a) => a.output()).join('\n');
      expect(logs).toMatch(/"msg":"patch tampered","code":"FLEET_PATCH_TAMPERED","runId":"r-patch-tampered"/);
      expect(logs).not.toMatch(/"task finished","runId":"r-patch-tampered"/);
    } finally {
      await queues.close();
      events.disconnect();
    }
  });

  it('refuses when HEAD is not on origin', async () => {
    ws.write('libs/p0/src.txt', 'changed, committed, not pushed');
    ws.commit('unpushed');
    try {
      const r = await fleetRun(['run', 'p0:build']);
      expect(r.code).toBe(1);
      expect(r.output).toContain('FLEET_COMMIT_NOT_PUSHED');
      expect(r.output).toMatch(/is not reachable from any branch of origin.*--push-ref/);
    } finally {
      ws.git(['reset', '-q', '--hard', 'HEAD~1']);
    }
  });

  it('with --push-ref an unpushed HEAD goes to refs/fleet/runs/<id> on origin and the agents run that commit', async () => {
    ws.write('libs/p0/src.txt', 'committed, not pushed, carried by --push-ref');
    ws.commit('unpushed, pushed by fleet');
    try {
      const head = ws.git(['rev-parse', 'HEAD']).trim();
      const r = await fleetRun(['--push-ref', 'run', 'p0:build']);
      expect(r.code, r.output).toBe(0);
      const refs = spawnSync('git', ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/fleet/runs'], {
        cwd: bare,
        encoding: 'utf8',
      })
        .stdout.trim()
        .split('\n');
      expect(
        refs.some((l) => l.startsWith(`${head} refs/fleet/runs/r-`)),
        refs.join('\n'),
      ).toBe(true);
      // The agent ran it at that commit: its checkout is there now.
      const logs = [...agents.values()].map((a) => a.output()).join('\n');
      expect(logs).toMatch(
        new RegExp(`"task finished","runId":"r-[^"]+","taskId":"p0:build","outcome":\\{"exitCode":0`),
      );
      expect(logs).toContain(`"commit":"${head}"`);
    } finally {
      ws.git(['reset', '-q', '--hard', 'HEAD~1']);
    }
  });

  it('uncommitted changes and untracked files travel to the agents: hashes agree, the replay is all remote-cache, the index is untouched', async () => {
    ws.write('libs/p1/src.txt', 'changed, not committed');
    ws.write('libs/p1/untracked-input.txt', 'a new file nobody added');
    try {
      const r = await fleetRun(['run', 'p1:build']);
      expect(r.code, r.output).toBe(0);
      const replay = JSON.parse(ws.read('tasks.json')) as Record<string, string>;
      // p1 (changed) came from the agent's upload; p0 (unchanged, replayed by an earlier test) may be local.
      expect(replay['p1:build']).toBe('remote-cache');
      expect(['remote-cache', 'local-cache', 'local-cache-kept-existing']).toContain(replay['p0:build']);
      // The user's index and working tree are as they were.
      expect(ws.git(['diff', '--cached', '--name-only']).trim()).toBe('');
      expect(ws.git(['status', '--porcelain', '--', 'libs/p1']).split('\n').filter(Boolean).sort()).toEqual([
        ' M libs/p1/src.txt',
        '?? libs/p1/untracked-input.txt',
      ]);
    } finally {
      ws.git(['checkout', '--', 'libs/p1/src.txt']);
      ws.remove('libs/p1/untracked-input.txt');
    }
  });

  it('kill -9 of an agent in the middle of a task: the task completes on another agent and the run succeeds', async () => {
    const summaryFile = path.join(ws.root, '..', `summary3-${path.basename(ws.root)}.json`);
    temp.push(summaryFile);
    const run = startRun(['--summary-json', summaryFile, 'run', 'slow:slow']);
    const running = (): string | undefined =>
      [...agents.entries()].find(([, a]) =>
        /"task started","runId":"[^"]+","taskId":"slow:slow"/.test(a.output()),
      )?.[0];
    expect(await waitUntil(() => running() !== undefined, 60_000), run.output()).toBe(true);
    const victim = running()!;
    const pidFile = path.join(pidDir, `${victim}-slow.pid`);
    expect(await waitUntil(() => fs.existsSync(pidFile), 30_000)).toBe(true);
    process.kill(agents.get(victim)!.pid, 'SIGKILL');
    await agents.get(victim)!.exited;
    // The dead agent's task process is an orphan now: stop it by its PID too.
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      /* already gone */
    }
    fs.writeFileSync(releaseFile, 'go');
    const timer = setTimeout(() => void run.stop(1000), 120_000);
    const code = await run.exited;
    clearTimeout(timer);
    expect(code, run.output()).toBe(0);
    const slow = JSON.parse(fs.readFileSync(summaryFile, 'utf8')).tasks.find(
      (t: { taskId: string }) => t.taskId === 'slow:slow',
    );
    expect(slow.status).toBe('success');
    expect(slow.attempts).toBe(2);
    expect(slow.agent).not.toBe(victim);
    expect(JSON.parse(ws.read('libs/slow/out/result.json')).agent).toBe(slow.agent);
  });

  it('a GPU task with no live GPU agent fails after --agent-wait, naming the requirement and the live agents', async () => {
    await agents.get('gpu-a')!.stop();
    const summaryFile = path.join(ws.root, '..', `summary2-${path.basename(ws.root)}.json`);
    temp.push(summaryFile);
    const r = await fleetRun(['--agent-wait', '2', '--summary-json', summaryFile, 'run', 'trainer:train']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('FLEET_NO_CAPABLE_AGENT');
    expect(r.output).toContain('requires labels [gpu], gpus >= 1');
    expect(r.output).toMatch(
      /agent cpu-[ab] \(labels \[.*\], 0 GPU\(s\).*\): lacks labels \[gpu\]; 1 GPU\(s\) \(has 0\)/,
    );
    expect(r.output).not.toContain('gpu-a');
    const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
    expect(summary.tasks.find((t: { taskId: string }) => t.taskId === 'trainer:train')).toMatchObject({
      status: 'unschedulable',
    });
    expect(
      summary.tasks
        .filter((t: { status: string }) => t.status === 'success')
        .map((t: { taskId: string }) => t.taskId)
        .sort(),
    ).toEqual(['p0:build', 'p1:build', 'p5:build']);
  });
});
