import type { Redis } from 'ioredis';
import { liveAgents } from './live-agents';
import { QUEUE_REGISTRY } from './queue';

/**
 * What an agent sees of other trust levels in its Redis: agents of another level (their heartbeat
 * keys) and other levels' queue registries. Run keys (`fleet:run:<id>:*`) carry no level, so one
 * Redis user can reach every level's runs: pull-request runs need a Redis of their own
 * (docs/distributed.md#one-redis-per-trust-level).
 */
export interface SharedRedis {
  /** Other levels seen, sorted. */
  levels: string[];
  /** What showed them: `agent <id> (<level>)`, `registry <key>`. */
  evidence: string[];
}

export async function otherLevelsInRedis(redis: Redis, trust: string): Promise<SharedRedis> {
  const levels = new Set<string>();
  const evidence: string[] = [];
  for (const a of await liveAgents(redis)) {
    const level = a.trust ?? 'trusted';
    if (level === trust) continue;
    levels.add(level);
    evidence.push(`agent ${a.id} (${level})`);
  }
  const registries: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${QUEUE_REGISTRY}*`, 'COUNT', 200);
    cursor = next;
    registries.push(...batch);
  } while (cursor !== '0');
  for (const key of registries.sort()) {
    const level = key === QUEUE_REGISTRY ? 'trusted' : key.slice(QUEUE_REGISTRY.length + 1);
    if (level === trust || !level) continue;
    levels.add(level);
    evidence.push(`registry ${key}`);
  }
  return { levels: [...levels].sort(), evidence };
}
