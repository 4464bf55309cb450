import { Redis } from 'ioredis';

/**
 * An ioredis client for a `redis://` or `rediss://` URL (password and TLS come from the URL).
 * `maxRetriesPerRequest: null` because BullMQ's blocking commands require it.
 */
export function redisConnection(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}
