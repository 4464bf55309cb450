import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheaperFirst } from '../../runner/cost';
import { canonicalRequirement } from '../../runner/requirement';
import { runKeys } from '../../runner/run-keys';
import { agentTakes } from '../../runner/satisfies';
import type { AgentInfo } from '../../runner/job';
import { RestartableRedis } from './support/redis-on-port';

// Issue 17: "a GPU task asking for less memory than an agent has may use a cheaper GPU class".
// Two GPU classes register in a real Redis as agents do (fleet:agent:<id>): a dear 80 GB card and
// a cheap 24 GB one. The dear agent's CheaperFirst must leave a job to the cheap one exactly when
// the cheap one can run it, over generated requirements.

let redis: RestartableRedis;
let client: Redis;

const gpuAgent = (id: string, memoryMb: number, costPerHour: number, gpus = 1): AgentInfo => ({
  id,
  slots: 1,
  queues: [],
  startedAt: Date.now(),
  trust: 'trusted',
  costPerHour,
  cpuWorkOnGpuAgents: 'when-idle',
  capabilities: {
    hostname: id,
    os: 'linux',
    arch: 'x64',
    cpus: 8,
    memoryGb: 64,
    gpus: Array.from({ length: gpus }, (_, index) => ({
      index,
      name: `card-${memoryMb}`,
      memoryMb,
      driverVersion: '550.0',
      vendor: 'nvidia' as const,
    })),
    labels: ['gpu', memoryMb > 40_000 ? 'gpu:h100' : 'gpu:l4'],
  },
});

const dear = gpuAgent('h100-agent', 81_559, 4.5, 2);
const cheap = gpuAgent('l4-agent', 23_034, 0.8, 1);

beforeAll(async () => {
  redis = await RestartableRedis.start();
  client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  for (const a of [dear, cheap]) await client.set(runKeys.agent(a.id), JSON.stringify(a), 'EX', 600);
}, 60_000);
afterAll(async () => {
  client?.disconnect();
  await redis?.down();
});

describe('a GPU task that fits a cheaper GPU class', () => {
  it('the dear agent defers to the cheap one exactly when the cheap one can run it', async () => {
    const first = new CheaperFirst({
      redis: client,
      agentId: dear.id,
      trust: 'trusted',
      repo: '',
      price: 4.5,
      waitMs: 60_000,
    });
    const cheapSide = new CheaperFirst({
      redis: client,
      agentId: cheap.id,
      trust: 'trusted',
      repo: '',
      price: 0.8,
      waitMs: 60_000,
    });
    let cases = 0;
    let deferred = 0;
    for (const gpus of [1, 2])
      for (const gpuMemoryGb of [0, 8, 16, 20, 24, 25, 40, 80, 81, 90])
        for (const labels of [['gpu'], ['gpu', 'gpu:h100'], ['gpu', 'gpu:l4']]) {
          const r = canonicalRequirement({ labels, gpus, gpuMemoryGb });
          const cheapCan = agentTakes(cheap, r);
          const cheaper = await first.cheaper(r);
          expect(
            cheaper.map((a) => a.id),
            JSON.stringify(r),
          ).toEqual(cheapCan ? [cheap.id] : []);
          // The queue is empty, so its oldest job has waited 0 ms: the bound is not passed.
          expect(await first.mayTake('fleet-gpu-none', r)).toBe(!cheapCan);
          // Nobody is cheaper than the cheap agent.
          expect(await cheapSide.cheaper(r)).toEqual([]);
          if (cheapCan) deferred++;
          cases++;
        }
    console.log(`GPU classes by price: ${cases} requirements checked, ${deferred} left to the cheaper class`);
    // The fitting ones: one GPU of at most 24 GB (the card has 23,034 MiB = 24.15 GB), without the h100 label.
    expect(deferred).toBe(2 * 5);
    expect(agentTakes(cheap, canonicalRequirement({ labels: ['gpu'], gpus: 1, gpuMemoryGb: 16 }))).toBe(true);
    expect(agentTakes(cheap, canonicalRequirement({ labels: ['gpu'], gpus: 1, gpuMemoryGb: 40 }))).toBe(false);
  });
});
