import { Redis } from 'ioredis';
import { QUEUE_REGISTRY, runKeys, type AgentInfo, type RunEvent } from '../runner';
import { liveAgents } from '../runner/live-agents';
import type { LivePage } from './types';

/** BullMQ's key prefix of fleet's queues (runner/queue.ts `PREFIX`): `fleet-bull:<queue>:wait` etc. */
const BULL_PREFIX = 'fleet-bull';
const RUN_SUFFIXES = [':events', ':log', ':patch', ':alive'];

async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** An agent's labels (`k:v` strings, runner/hardware.ts) as a map; a bare label maps to ''. */
function labelMap(labels: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) {
    const i = l.indexOf(':');
    if (i < 0) out[l] = '';
    else out[l.slice(0, i)] = out[l.slice(0, i)] ? `${out[l.slice(0, i)]},${l.slice(i + 1)}` : l.slice(i + 1);
  }
  return out;
}

/**
 * The live page from Redis, read-only, with the keys coordinators and agents write
 * (runner/run-keys.ts): agents' heartbeats, the queue registries (`fleet:queues[:<trust>]`)
 * with each BullMQ queue's waiting jobs, and each run's record and event stream (a task is
 * running from its `started` event to its `finished` one).
 */
export async function readLiveState(redis: Redis): Promise<LivePage> {
  const agents: AgentInfo[] = await liveAgents(redis);
  const registries = [QUEUE_REGISTRY, ...(await scanAll(redis, `${QUEUE_REGISTRY}:*`))];
  const queues: LivePage['queues'] = [];
  for (const reg of registries) {
    if ((await redis.type(reg)) !== 'hash') continue;
    const trust = reg === QUEUE_REGISTRY ? 'trusted' : reg.slice(QUEUE_REGISTRY.length + 1);
    for (const [name, requirement] of Object.entries(await redis.hgetall(reg))) {
      const [wait, prioritized] = await Promise.all([
        redis.llen(`${BULL_PREFIX}:${name}:wait`),
        redis.zcard(`${BULL_PREFIX}:${name}:prioritized`),
      ]);
      queues.push({ requirement, trust, depth: wait + prioritized });
    }
  }
  const runIds = (await scanAll(redis, runKeys.run('*')))
    .filter((k) => !RUN_SUFFIXES.some((s) => k.endsWith(s)))
    .map((k) => k.slice(runKeys.run('').length));
  const running = new Map<string, string[]>();
  const runs: LivePage['runs'] = [];
  for (const runId of runIds) {
    if ((await redis.type(runKeys.run(runId))) !== 'hash') continue;
    const rec = await redis.hgetall(runKeys.run(runId));
    const alive = (await redis.exists(runKeys.heartbeat(runId))) === 1;
    const tasks = new Map<string, LivePage['runs'][number]['tasks'][number]>();
    for (const [, fields] of await redis.xrange(runKeys.events(runId), '-', '+')) {
      const i = fields.indexOf('e');
      let e: RunEvent;
      try {
        e = JSON.parse(fields[i + 1]) as RunEvent;
      } catch {
        continue;
      }
      if (e.type === 'started')
        tasks.set(e.taskId, { taskId: e.taskId, state: 'running', agent: e.agent, startTime: e.at, endTime: null });
      else if (e.type === 'finished')
        tasks.set(e.result.taskId, {
          taskId: e.result.taskId,
          state: e.result.status,
          agent: e.result.agent,
          startTime: e.result.startedAt,
          endTime: e.result.endedAt,
        });
    }
    for (const t of tasks.values())
      if (t.state === 'running' && t.agent && rec.status === 'running')
        running.set(t.agent, [...(running.get(t.agent) ?? []), t.taskId]);
    runs.push({
      runId,
      command: rec.command ?? '',
      status: rec.status ?? 'unknown',
      createdAt: rec.createdAt ? Number(rec.createdAt) : null,
      alive,
      tasks: [...tasks.values()].sort(
        (a, b) => (a.startTime ?? 0) - (b.startTime ?? 0) || (a.taskId < b.taskId ? -1 : 1),
      ),
    });
  }
  runs.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  return {
    agents: agents
      .map((a) => {
        const labels = labelMap(a.capabilities.labels);
        const price = labels.price !== undefined ? Number(labels.price) : NaN;
        return {
          id: a.id,
          labels,
          gpus: a.capabilities.gpus.length,
          price: Number.isFinite(price) ? price : null,
          trust: a.trust ?? null,
          running: running.get(a.id) ?? [],
        };
      })
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    queues,
    runs: runs.slice(0, 10),
  };
}

/** A live source for the dashboard: one Redis connection, read on each request. */
export function createLiveSource(url: string): { read: () => Promise<LivePage>; close: () => Promise<void> } {
  let redis: Redis | null = null;
  return {
    read: () => {
      // Not runner's redisConnection (retries forever, for BullMQ): a page must answer, with a
      // 502 when Redis is down, within seconds.
      if (!redis) {
        redis = new Redis(url, { connectionName: 'fleet-dashboard', maxRetriesPerRequest: 1, connectTimeout: 2000 });
        // Connection errors reach each request as a rejected command (a 502); the event is not news.
        redis.on('error', () => undefined);
      }
      return readLiveState(redis);
    },
    close: async () => {
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
