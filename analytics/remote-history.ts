import type { CentralTaskRun } from './central-history';
import type { RunRef } from './explain-task';

/** Asks the central store which run executed `hash` (the producer of its cache entry). */
export async function fetchProducer(
  remote: { url: string; token: string | null },
  hash: string,
): Promise<RunRef | null> {
  const res = await fetch(`${remote.url}/v1/fleet/history/producer/${encodeURIComponent(hash)}`, {
    headers: remote.token ? { authorization: `Bearer ${remote.token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok)
    throw Object.assign(new Error(`central history answered ${res.status}`), { code: 'HISTORY_REMOTE_FAILED' });
  const p = ((await res.json()) as { producer: CentralTaskRun | null }).producer;
  return p
    ? {
        runId: p.runId,
        namespace: p.namespace,
        hash: p.hash,
        cache: p.cache,
        status: p.status,
        commit: p.commit,
        branch: p.branch,
        machine: p.machine,
        agent: p.agent ?? null,
        startTime: p.startTime,
      }
    : null;
}
