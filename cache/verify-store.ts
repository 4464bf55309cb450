import type { ArtifactStore, EntryRef } from './types';

export interface VerifyReport {
  checked: number;
  /**
   * Large fs entries that had no digest yet (the server hashes them in the background after
   * publishing them): verify hashed them and recorded the digest, so there was nothing to compare
   * and they are not counted corrupt. `unrecorded`: of those, the ones whose file verify could not
   * write (permissions): hashed, digest not recorded.
   */
  pending: number;
  unrecorded: number;
  corrupt: Array<EntryRef & { reason: string; message: string; removed: boolean }>;
}

/** Re-hashes every entry (recording the digest of those still pending); with `remove`, deletes those that do not match (a later PUT can then store them again). */
export async function verifyStore(
  store: ArtifactStore,
  opts: { remove: boolean; concurrency?: number },
): Promise<VerifyReport> {
  const report: VerifyReport = { checked: 0, pending: 0, unrecorded: 0, corrupt: [] };
  const pending = new Set<Promise<void>>();
  for await (const ref of store.entries()) {
    const p = (async () => {
      const r = await store.verify(ref);
      report.checked++;
      if (r.ok && r.recorded !== undefined) (report.pending++, r.recorded || report.unrecorded++);
      if (!r.ok)
        report.corrupt.push({
          ...ref,
          reason: r.reason,
          message: r.message,
          removed: opts.remove ? await store.delete(ref) : false,
        });
    })().finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= (opts.concurrency ?? 8)) await Promise.race(pending);
  }
  await Promise.all(pending);
  return report;
}

/** The text `fleet cache verify` prints. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines = report.corrupt.map(
    (c) => `${c.reason} ${c.namespace}/${c.hash}: ${c.message}${c.removed ? ' (removed)' : ''}`,
  );
  lines.push(`checked ${report.checked} entries, ${report.corrupt.length} corrupt`);
  if (report.pending > 0) {
    const recorded = report.pending - report.unrecorded;
    lines.push(
      `${report.pending} entries had no digest yet (the server had not hashed them in the background): hashed now, not counted corrupt` +
        (recorded > 0 ? `; digest recorded for ${recorded}` : '') +
        (report.unrecorded > 0
          ? `; ${report.unrecorded} not recorded (their files are not writable by this user)`
          : ''),
    );
  }
  return lines.join('\n') + '\n';
}
