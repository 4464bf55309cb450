import type { Redis } from 'ioredis';
import type { AgentInfo } from './job';
import { runKeys } from './run-keys';

/** Every agent whose heartbeat key is alive (coordinator: --agent-wait; agents: where a retry can go). */
export async function liveAgents(redis: Redis): Promise<AgentInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', runKeys.agentPattern, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as AgentInfo);
}
