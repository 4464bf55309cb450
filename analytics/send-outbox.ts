import * as fs from 'node:fs';
import * as path from 'node:path';

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
      const runs = names.map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as unknown);
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

if (require.main === module) {
  const [dir, url] = process.argv.slice(2);
  sendOutbox(dir, url, process.env.FLEET_HISTORY_TOKEN || null).then(
    () => undefined,
    () => undefined,
  );
}
