import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from './types';

/**
 * Runs waiting to go to the central store. The hook only writes a file here and starts a
 * detached sender (analytics/send-outbox.ts), so the Nx command never waits on the network; a
 * sender that cannot reach the server leaves the files for the next command's sender.
 */
export function outboxDir(dbPath: string): string {
  return path.join(path.dirname(dbPath), 'outbox');
}

export function enqueueOutbox(dbPath: string, run: RunRecord): void {
  const dir = outboxDir(dbPath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${run.runId}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(run));
  fs.renameSync(tmp, path.join(dir, `${run.runId}.json`));
}

/**
 * Starts the sender, detached: it outlives the Nx command and never holds it up. It adds the
 * task dependencies of runs that lack them from the workspace's project graph (send-outbox.ts).
 */
export function startOutboxSender(
  dbPath: string,
  remote: { url: string; token: string | null },
  env: NodeJS.ProcessEnv,
  workspaceRoot: string,
): void {
  const script = path.join(__dirname, 'send-outbox.js');
  const child = spawn(process.execPath, [script, outboxDir(dbPath), remote.url, workspaceRoot], {
    detached: true,
    stdio: 'ignore',
    env: { ...env, FLEET_HISTORY_TOKEN: remote.token ?? '' },
  });
  child.on('error', () => undefined);
  child.unref();
}
