import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { otherLevelsInRedis, queueRegistry, redisConnection, runKeys } from '../../runner';
import { startRedis, type RedisProcess } from '../cache/support/redis-server';

// otherLevelsInRedis over every mix of three levels' agents and queue registries in one real
// Redis, seen from each level: it reports exactly the levels other than its own that are present.
const LEVELS = ['trusted', 'untrusted', 'pr-forks'];
let redis: RedisProcess;
let r: Redis;

beforeAll(async () => {
  redis = await startRedis({ password: 'shared-redis-test' });
  r = redisConnection(redis.url, 'test-shared-redis');
});

afterAll(async () => {
  r?.disconnect();
  await redis?.stop();
});

describe('otherLevelsInRedis', () => {
  it('reports exactly the other levels whose agents or registries are present', async () => {
    let cases = 0;
    // Each level is absent (0), has a live agent (1), a queue registry (2), or both (3).
    for (let mix = 0; mix < 4 ** LEVELS.length; mix++) {
      await r.flushall();
      const present = new Set<string>();
      for (const [i, level] of LEVELS.entries()) {
        const how = Math.floor(mix / 4 ** i) % 4;
        if (how & 1) await r.set(runKeys.agent(`a-${level}`), JSON.stringify({ id: `a-${level}`, trust: level }));
        if (how & 2) await r.hset(queueRegistry(level), 'q', '{}');
        if (how) present.add(level);
      }
      for (const self of LEVELS) {
        const seen = await otherLevelsInRedis(r, self);
        expect(seen.levels, `mix ${mix} from ${self}`).toEqual([...present].filter((l) => l !== self).sort());
        expect(seen.evidence.length).toBeGreaterThanOrEqual(seen.levels.length);
        cases++;
      }
    }
    // An agent from before trust levels (no `trust`) counts as trusted.
    await r.flushall();
    await r.set(runKeys.agent('old'), JSON.stringify({ id: 'old' }));
    expect((await otherLevelsInRedis(r, 'untrusted')).levels).toEqual(['trusted']);
    console.log(`otherLevelsInRedis: ${cases + 1} cases over ${LEVELS.length} levels`);
  });
});
