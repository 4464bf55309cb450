import { defineCommandSettings, setting, valueTypes as t } from '../../config';
import { CACHE_URL, REDIS_URL } from './shared-settings';

/** `fleet dashboard`'s settings (the run store comes from the history settings: `--db`). */
export interface DashboardSettings {
  port: number;
  host: string;
  redisUrl?: string;
  cacheUrl?: string;
}

export const DEFAULT_DASHBOARD_PORT = 4300;

/**
 * `fleet dashboard`: flags and `FLEET_*` variables, no nx.json section. Redis and the cache
 * server are the ones `fleet run` and `fleet agent` read (`FLEET_REDIS_URL`, `FLEET_CACHE_URL`),
 * optional here: each adds its page. The Redis password belongs in the variable or the file, as
 * for the others (a flag is visible to `ps`).
 */
export const dashboardSettings = defineCommandSettings<DashboardSettings>({
  command: 'dashboard',
  section: null,
  settings: [
    setting({
      key: 'port',
      flag: '--port',
      valueName: '<n>',
      env: 'FLEET_DASHBOARD_PORT',
      type: t.integer(0, 65535),
      default: DEFAULT_DASHBOARD_PORT,
      description: 'port to listen on; 0 picks a free one (the URL is printed)',
    }),
    setting({
      key: 'host',
      flag: '--host',
      valueName: '<addr>',
      env: 'FLEET_DASHBOARD_HOST',
      type: t.text('an address'),
      default: '127.0.0.1',
      description: 'address to bind',
    }),
    {
      ...REDIS_URL,
      required: undefined,
      defaultText: 'none (no live page)',
      description: 'the Redis of `fleet run` and `fleet agent`: adds the live page (agents, queues, runs in progress)',
    },
    {
      ...CACHE_URL,
      flag: '--cache-url',
      required: undefined,
      defaultText: 'none (no cache page)',
      description:
        'a `fleet cache serve`: adds the cache page (hit rate, bytes, store size, evictions from its `/metrics`)',
    },
  ],
  build: (v) => ({
    port: v.port as number,
    host: v.host as string,
    redisUrl: v.redisUrl as string | undefined,
    cacheUrl: v.cacheUrl as string | undefined,
  }),
});
