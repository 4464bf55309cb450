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
  type CpuWorkPolicy,
  type GpuInfo,
  type RequirementInput,
} from '../../runner';
import { levelKeys } from './support/keys';
import { startRedis, type RedisProcess } from '../cache/support/redis-server';

/**
 * `--cpu-work-on-gpu-agents` against a real redis-server, through JobSource and JobQueues: which
 * jobs a GPU agent takes while GPU work waits. Each test uses its own label, so its queues are its own.
 */
const KEYS = levelKeys();
const gpu = (index: number): GpuInfo => ({
  index,
  name: 'NVIDIA H100 80GB HBM3',
  memoryMb: 81559,
  driverVersion: '550',
  vendor: 'nvidia',
});
const caps = (label: string, gpus: number): Capabilities => ({
  hostname: gpus ? 'gpu-host' : 'cpu-host',
  os: 'linux',
  arch: 'x64',
  cpus: 8,
  memoryGb: 32,
  gpus: Array.from({ length: gpus }, (_, i) => gpu(i)),
  labels: ['arch:x64', 'os:linux', label, ...(gpus ? ['gpu', 'gpu:h100', 'gpu:nvidia'] : [])],
});

let redis: RedisProcess;
let q: JobQueues;
const connections: Redis[] = [];
const closers: Array<() => Promise<void>> = [];
let n = 0;

beforeAll(async () => {
  redis = await startRedis();
  q = new JobQueues({ redisUrl: redis.url });
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const c of connections) c.disconnect();
  await q?.close();
  await redis?.stop();
});

/** A fresh label: the test's queues are not shared with other tests. */
function scope(): { label: string; cpu: RequirementInput; gpu1: RequirementInput; gpu2: RequirementInput } {
  const label = `t${++n}`;
  return {
    label,
    cpu: { labels: [label] },
    gpu1: { labels: ['gpu', label], gpus: 1 },
    gpu2: { labels: ['gpu', label], gpus: 2 },
  };
}

/** Enqueues like the coordinator does: signed, with a rank priority. */
async function enqueue(taskId: string, requires: RequirementInput, priority = 1): Promise<void> {
  const payload = {
    v: 2 as const,
    trust: 'trusted',
    runId: `r-policy-${n}`,
    taskId,
    commit: 'c'.repeat(40),
    project: taskId.split(':')[0],
    target: taskId.split(':')[1],
    requirement: canonicalRequirement(requires),
    attempt: 1,
  };
  expect((await q.enqueue(signJob(payload, KEYS.privateKey), priority)).added).toBe(true);
}

function source(
  agentId: string,
  capabilities: Capabilities,
  slots: number,
  policy: CpuWorkPolicy | undefined,
): JobSource {
  const connection = redisConnection(redis.url, agentId);
  connections.push(connection);
  const s = new JobSource({
    agentId,
    connection,
    capabilities,
    slots,
    settings: { redisUrl: redis.url, lockMs: 5000, stalledIntervalMs: 2500 },
    cpuWorkOnGpuAgents: policy,
  });
  closers.push(() => s.close());
  return s;
}

async function drain(s: JobSource): Promise<Claim[]> {
  const out: Claim[] = [];
  for (let c = await s.take(); c; c = await s.take()) out.push(c);
  return out;
}

const taskOf = (c: Claim): string => (c.job.data as { payload: { taskId: string } }).payload.taskId;

async function finish(s: JobSource, claims: Claim[]): Promise<void> {
  for (const c of claims) (await c.job.complete(), s.release(c));
}

describe('cpuWorkOnGpuAgents with a real redis-server', () => {
  it('never: a GPU agent does not even subscribe to CPU queues and takes no CPU job, with idle slots and GPUs', async () => {
    const t = scope();
    await enqueue('c0:build', t.cpu);
    await enqueue('c1:build', {});
    await enqueue('g0:train', t.gpu1);
    const g = source(`${t.label}-gpu`, caps(t.label, 2), 4, 'never');
    expect(await g.refresh()).toEqual([queueName(canonicalRequirement(t.gpu1))]);
    const taken = await drain(g);
    expect(taken.map(taskOf)).toEqual(['g0:train']);
    await finish(g, taken);
    // GPU queue empty, both GPUs and every slot free: still nothing.
    expect(await drain(g)).toEqual([]);
    // The CPU jobs are there for a CPU agent.
    const c = source(`${t.label}-cpu`, caps(t.label, 0), 4, 'never');
    await c.refresh();
    const cpuTaken = await drain(c);
    expect(cpuTaken.map(taskOf).sort()).toEqual(['c0:build', 'c1:build']);
    await finish(c, cpuTaken);
  });

  it('always: a GPU agent takes CPU work while a GPU job waits for its busy GPU', async () => {
    const t = scope();
    await enqueue('g0:train', t.gpu1);
    await enqueue('g1:train', t.gpu1);
    await enqueue('c0:lint', t.cpu);
    const g = source(`${t.label}-gpu`, caps(t.label, 1), 4, 'always');
    await g.refresh();
    const first = await drain(g);
    expect(first.map(taskOf)).toEqual(['g0:train', 'c0:lint']);
    expect(first.map((c) => c.gpus)).toEqual([[0], []]);
    await finish(g, first);
    const rest = await drain(g);
    expect(rest.map(taskOf)).toEqual(['g1:train']);
    await finish(g, rest);
  });

  it('when-idle is the default: with no policy given, CPU work waits behind a GPU job that waits (prioritized, as the coordinator queues)', async () => {
    const t = scope();
    await enqueue('g0:train', t.gpu1, 1);
    await enqueue('g1:train', t.gpu1, 2);
    await enqueue('c0:lint', t.cpu, 1);
    const g = source(`${t.label}-gpu`, caps(t.label, 1), 4, undefined);
    await g.refresh();
    const first = await drain(g);
    expect(first.map(taskOf)).toEqual(['g0:train']);
    // Still waiting while the GPU is busy and g1 waits.
    expect(await drain(g)).toEqual([]);
    await finish(g, first);
    const rest = await drain(g);
    expect(rest.map(taskOf)).toEqual(['g1:train', 'c0:lint']);
    await finish(g, rest);
  });

  it('when-idle: CPU work is taken while the GPUs are busy but no GPU job waits', async () => {
    const t = scope();
    await enqueue('g0:train', t.gpu1);
    const g = source(`${t.label}-gpu`, caps(t.label, 1), 4, 'when-idle');
    await g.refresh();
    const first = await drain(g);
    expect(first.map(taskOf)).toEqual(['g0:train']);
    await enqueue('c0:lint', t.cpu);
    await enqueue('c1:lint', t.cpu);
    await g.refresh();
    const cpu = await drain(g);
    expect(cpu.map(taskOf).sort()).toEqual(['c0:lint', 'c1:lint']);
    expect(cpu.map((c) => c.gpus)).toEqual([[], []]);
    await finish(g, [...first, ...cpu]);
  });

  it('when-idle: a waiting two-GPU job blocks CPU work while one of two GPUs is busy (it can run once that GPU frees)', async () => {
    const t = scope();
    await enqueue('g0:train', t.gpu1);
    const g = source(`${t.label}-gpu`, caps(t.label, 2), 4, 'when-idle');
    await g.refresh();
    const first = await drain(g);
    expect(first.map((c) => [taskOf(c), c.gpus])).toEqual([['g0:train', [0]]]);
    await enqueue('big:train', t.gpu2);
    await enqueue('c0:lint', t.cpu);
    await g.refresh();
    expect(await drain(g)).toEqual([]);
    await finish(g, first);
    const rest = await drain(g);
    expect(rest.map((c) => [taskOf(c), c.gpus])).toEqual([
      ['big:train', [0, 1]],
      ['c0:lint', []],
    ]);
    await finish(g, rest);
  });

  it('when-idle: a waiting GPU job this agent can never run (more GPUs, or a label it lacks) does not block its CPU work', async () => {
    const t = scope();
    await enqueue('g0:train', t.gpu1);
    await enqueue('huge:train', { labels: ['gpu', t.label], gpus: 2 });
    await enqueue('a100:train', { labels: ['gpu:a100', t.label], gpus: 1 });
    await enqueue('c0:lint', t.cpu);
    const g = source(`${t.label}-gpu`, caps(t.label, 1), 4, 'when-idle');
    const subscribed = await g.refresh();
    expect(subscribed).not.toContain(queueName(canonicalRequirement({ labels: ['gpu', t.label], gpus: 2 })));
    expect(subscribed).not.toContain(queueName(canonicalRequirement({ labels: ['gpu:a100', t.label], gpus: 1 })));
    const taken = await drain(g);
    expect(taken.map(taskOf)).toEqual(['g0:train', 'c0:lint']);
    await finish(g, taken);
  });

  it('the policy does not apply to CPU agents: with never, a CPU agent still takes CPU work', async () => {
    const t = scope();
    await enqueue('c0:build', t.cpu);
    const c = source(`${t.label}-cpu`, caps(t.label, 0), 2, 'never');
    expect(await c.refresh()).toContain(queueName(canonicalRequirement(t.cpu)));
    const taken = await drain(c);
    expect(taken.map(taskOf)).toEqual(['c0:build']);
    await finish(c, taken);
  });
});
