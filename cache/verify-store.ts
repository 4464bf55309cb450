import type { ArtifactStore, EntryRef } from './types';

export interface VerifyReport {
  checked: number;
  corrupt: Array<EntryRef & { reason: string; message: string; removed: boolean }>;
}

/** Re-hashes every entry; with `remove`, deletes those that do not match (a later PUT can then store them again). */
export async function verifyStore(store: ArtifactStore, opts: { remove: boolean; concurrency?: number }): Promise<VerifyReport> {
  const report: VerifyReport = { checked: 0, corrupt: [] };
  const pending = new Set<Promise<void>>();
  for await (const ref of store.entries()) {
    const p = (async () => {
      const r = await store.verify(ref);
      report.checked++;
      if (!r.ok) report.corrupt.push({ ...ref, reason: r.reason, message: r.message, removed: opts.remove ? await store.delete(ref) : false });
    })().finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= (opts.concurrency ?? 8)) await Promise.race(pending);
  }
  await Promise.all(pending);
  return report;
}
