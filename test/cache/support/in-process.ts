import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveServeSettings, startCacheServer, type RawServeOptions, type RunningCacheServer } from '../../../cache';

/** A server in the test process, on a free loopback port, with its store in a new temp folder. */
export async function serveInProcess(
  raw: RawServeOptions = {},
  log?: (l: Record<string, unknown>) => void,
): Promise<RunningCacheServer & { dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-cache-'));
  const r = resolveServeSettings({ port: '0', store: `fs:${dir}`, log: log ? 'json' : 'off', ...raw });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  const running = await startCacheServer(r.settings, log);
  return { ...running, dir };
}
