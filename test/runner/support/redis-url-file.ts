import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * How the test clusters hand agents the Redis URL (it holds the password): a 0600 file in a folder
 * of the agent's own (`FLEET_REDIS_URL_FILE`), never `--redis` on the command line, where every
 * process of the machine reads it in `/proc/<agent>/cmdline`.
 */
export function redisUrlFileEnv(dir: string, url: string): { FLEET_REDIS_URL_FILE: string } {
  const file = path.join(dir, 'redis-url');
  fs.writeFileSync(file, `${url}\n`, { mode: 0o600 });
  return { FLEET_REDIS_URL_FILE: file };
}
