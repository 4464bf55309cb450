import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadNxInternals, type NxInternals } from './nx-internals';
import { taskDepsFor } from './task-deps';
import type { RunRecord, TaskRunRecord } from './types';

const BATCH = 50;
const ATTEMPTS = 4;

/** POSTs a batch of runs; true when the server took them (each accepted, duplicate or refused for good). */
export async function postRuns(url: string, token: string | null, runs: unknown[]): Promise<boolean> {
  const res = await fetch(`${url}/v1/fleet/history/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ runs }),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  // 4xx other than 429 will not get better by retrying: drop the batch rather than loop forever.
  return res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429);
}

/**
 * Sends every run in the outbox, in batches, retrying with backoff; one sender at a time (a lock
 * file taken with O_EXCL, stale after 2 minutes). Files are removed only once the server has
 * answered for them.
 */
export async function sendOutbox(
  dir: string,
  url: string,
  token: string | null,
  retry: { attempts: number; baseDelayMs: number } = { attempts: ATTEMPTS, baseDelayMs: 500 },
  prepare?: (run: { tasks: TaskRunRecord[]; deps?: unknown }) => void,
): Promise<number> {
  const lock = path.join(dir, '.lock');
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age < 120_000) return 0;
    fs.writeFileSync(lock, String(process.pid));
  }
  let sent = 0;
  try {
    for (;;) {
      const names = fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .sort()
        .slice(0, BATCH);
      if (!names.length) return sent;
      const runs = names.map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as RunRecord);
      if (prepare) for (const r of runs) prepare(r);
      let ok = false;
      for (let attempt = 0; attempt < retry.attempts && !ok; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, retry.baseDelayMs * 4 ** (attempt - 1)));
        ok = await postRuns(url, token, runs).catch(() => false);
      }
      if (!ok) return sent;
      for (const n of names) fs.rmSync(path.join(dir, n), { force: true });
      sent += names.length;
    }
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Adds the dependencies among a run's tasks (from the project graph as the sender finds it,
 * right after the command) to a run that has none, so the central store, which has no project
 * graph, can draw its critical path. Nothing is added when the graph cannot be read.
 */
export function withTaskDeps(root: string): (run: { tasks: TaskRunRecord[]; deps?: unknown }) => void {
  let internals: NxInternals | null | undefined;
  return (run) => {
    if (run.deps !== undefined || !Array.isArray(run.tasks)) return;
    try {
      internals ??= loadNxInternals(root);
    } catch {
      internals = null;
    }
    const deps = internals ? taskDepsFor(internals, run.tasks) : null;
    if (deps) run.deps = deps;
  };
}

if (require.main === module) {
  const [dir, url, root] = process.argv.slice(2);
  sendOutbox(dir, url, process.env.FLEET_HISTORY_TOKEN || null, undefined, root ? withTaskDeps(root) : undefined).then(
    () => undefined,
    () => undefined,
  );
}
