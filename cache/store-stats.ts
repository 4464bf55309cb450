import type { ArtifactStore } from './types';

/** The `fleet cache stats --json` shape (stable). */
export interface StoreStats {
  store: 'fs' | 'redis';
  entries: number;
  bytes: number;
  namespaces: Record<string, number>;
}

/** Counts a store's entries per namespace, with the total size from its index. */
export async function storeStats(store: ArtifactStore): Promise<StoreStats> {
  await store.ready();
  const namespaces: Record<string, number> = {};
  for await (const ref of store.entries()) namespaces[ref.namespace] = (namespaces[ref.namespace] ?? 0) + 1;
  const u = store.usage();
  return { store: store.kind, entries: u.entries, bytes: u.bytes, namespaces };
}
