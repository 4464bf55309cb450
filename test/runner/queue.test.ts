import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  canonicalRequirement,
  JobQueues,
  JobSource,
  queueName,
  redisConnection,
  signJob,
  type Capabilities,
  type Claim,
  type GpuInfo,
  type RequirementInput,
} from '../../runner';
import { levelKeys } from './support/keys';
import { startRedis, type RedisProcess } from '../cache/support/redis-server';

const KEYS = levelKeys();
const gpu = (index: number): GpuInfo => ({
  index,
  name: 'NVIDIA H100 80GB HBM3',
  memoryMb: 81559,
  driverVersion: '550',
  vendor: 'nvidia',
});
const cpuCaps: Capabilities = {
  hostname: 'cpu',
  os: 'linux',
  arch: 'x64',
  cpus: 4,
  memoryGb: 16,
  gpus: [],
  labels: ['arch:x64', 'os:linux'],
};
const gpuCaps = (n: number): Capabilities => ({
  ...cpuCaps,
  hostname: 'gpu',
  gpus: Array.from({ length: n }, (_, i) => gpu(i)),
  labels: ['arch:x64', 'gpu', 'gpu:h100', 'os:linux'],
});

let redis: RedisProcess;
const connections: Redis[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const c of connections) c.disconnect();
  await redis?.stop();
});

let run = 0;
function job(taskId: string, requires: RequirementInput, runId = `r-${run}`) {
  return signJob(
    {
      v: 2,
      trust: 'trusted',
      runId,
      taskId,
      commit: 'c'.repeat(40),
      project: taskId.split(':')[0],
      target: taskId.split(':')[1],
      requirement: canonicalRequirement(requires),
      attempt: 1,
    },
    KEYS.privateKey,
  );
}

function source(
  agentId: string,
  capabilities: Capabilities,
  slots: number,
  extra: Partial<ConstructorParameters<typeof JobSource>[0]> = {},
): JobSource {
  const connection = redisConnection(redis.url, agentId);
  connections.push(connection);
  const s = new JobSource({
    agentId,
    connection,
    capabilities,
    slots,
    settings: { redisUrl: redis.url, lockMs: 1000, stalledIntervalMs: 300 },
    ...extra,
  });
  closers.push(() => s.close());
  return s;
}

function queues(): JobQueues {
  const q = new JobQueues({ redisUrl: redis.url });
  closers.push(() => q.close());
  return q;
}

async function drain(s: JobSource): Promise<Claim[]> {
  const out: Claim[] = [];
  for (let c = await s.take(); c; c = await s.take()) out.push(c);
  return out;
}

const taskOf = (c: Claim): string => (c.job.data as { payload: { taskId: string } }).payload.taskId;

describe('queue routing with a real redis-server', () => {
  it('routes by requirement: CPU agents never see GPU queues, GPU jobs go to the GPU agent with GPUs assigned', async () => {
    run++;
    const q = queues();
    for (const t of ['a:build', 'b:build']) await q.enqueue(job(t, {}));
    await q.enqueue(job('trainer:train', { labels: ['gpu'], gpus: 1 }));
    const cpu = source('cpu-1', cpuCaps, 4);
    const gpuAgent = source('gpu-1', gpuCaps(2), 4, { cpuWorkOnGpuAgents: 'never' });
    expect(await cpu.refresh()).toEqual(['fleet-any']);
    expect(await gpuAgent.refresh()).toEqual([queueName(canonicalRequirement({ labels: ['gpu'], gpus: 1 }))]);
    const cpuClaims = await drain(cpu);
    expect(cpuClaims.map(taskOf).sort()).toEqual(['a:build', 'b:build']);
    const gpuClaims = await drain(gpuAgent);
    expect(gpuClaims.map(taskOf)).toEqual(['trainer:train']);
    expect(gpuClaims[0].gpus).toEqual([0]);
    for (const c of [...cpuClaims, ...gpuClaims]) await c.job.complete();
  });

  it('enqueue is idempotent per run and task', async () => {
    run++;
    const q = queues();
    expect((await q.enqueue(job('x:test', {}))).added).toBe(true);
    expect((await q.enqueue(job('x:test', {}))).added).toBe(false);
    const s = source('cpu-2', cpuCaps, 8);
    await s.refresh();
    const claims = await drain(s);
    expect(claims.map(taskOf)).toEqual(['x:test']);
    await claims[0].job.complete();
    expect((await q.enqueue(job('x:test', {}))).added).toBe(false);
  });

  it('never takes more jobs than slots, nor GPU jobs beyond free GPUs', async () => {
    run++;
    const q = queues();
    for (let i = 0; i < 3; i++) await q.enqueue(job(`g${i}:train`, { labels: ['gpu'], gpus: 1 }));
    const s = source('gpu-2', gpuCaps(2), 8, { cpuWorkOnGpuAgents: 'never' });
    await s.refresh();
    const first = await drain(s);
    expect(first.map((c) => c.gpus)).toEqual([[0], [1]]);
    await first[0].job.complete();
    s.release(first[0]);
    const next = await drain(s);
    expect(next.map((c) => c.gpus)).toEqual([[0]]);
    for (const c of [first[1], next[0]]) (await c.job.complete(), s.release(c));

    for (let i = 0; i < 3; i++) await q.enqueue(job(`c${i}:build`, {}));
    const one = source('cpu-3', cpuCaps, 1);
    await one.refresh();
    const taken = await drain(one);
    expect(taken).toHaveLength(1);
    await taken[0].job.complete();
    one.release(taken[0]);
    const second = await drain(one);
    expect(second).toHaveLength(1);
    await second[0].job.complete();
    one.release(second[0]);
    // Leave the shared fleet-any queue empty for the next test.
    for (const c of await drain(one)) await c.job.complete();
  });

  it('when-idle: a GPU agent takes CPU work only while no GPU job waits for it', async () => {
    run++;
    const q = queues();
    for (let i = 0; i < 2; i++) await q.enqueue(job(`w${i}:train`, { labels: ['gpu', 'gpu:h100'], gpus: 1 }));
    await q.enqueue(job('cpu:lint', { labels: ['arch:x64'] }));
    const s = source('gpu-3', gpuCaps(1), 4, { cpuWorkOnGpuAgents: 'when-idle' });
    await s.refresh();
    const claims = await drain(s);
    expect(claims.map(taskOf)).toEqual(['w0:train']);
    await claims[0].job.complete();
    s.release(claims[0]);
    const rest = await drain(s);
    expect(rest.map(taskOf)).toEqual(['w1:train', 'cpu:lint']);
    for (const c of rest) await c.job.complete();
  });

  it('a job whose agent stops renewing its lock is redelivered to another agent', async () => {
    run++;
    const q = queues();
    await q.enqueue(job('s:build', { labels: ['os:linux'] }));
    const dying = source('dying', cpuCaps, 1);
    const healthy = source('healthy', cpuCaps, 1);
    await dying.refresh();
    await healthy.refresh();
    const claim = await dying.take();
    expect(claim && taskOf(claim)).toBe('s:build');
    claim!.job.abandon();
    let again: Claim | undefined;
    for (let i = 0; i < 100 && !again; i++) {
      again = await healthy.take();
      if (!again) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again && taskOf(again)).toBe('s:build');
    await again!.job.complete();
  });
});
