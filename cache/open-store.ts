import * as path from 'node:path';
import { FsStore } from './fs-store';
import { RedisStore } from './redis-store';
import type { StoreSpec } from './serve-settings';
import type { ArtifactStore, Capacity, StoreEvents } from './types';

/**
 * Opens the store a spec names. `capacity` defaults to unlimited (for verify and stats).
 * `serving`: the server's own store, which may reorganise files (compact packs); verify and
 * stats leave that to the server they may run beside.
 */
export async function openStore(
  spec: StoreSpec,
  capacity?: Partial<Capacity>,
  events?: StoreEvents,
  serving = false,
): Promise<ArtifactStore> {
  const cap: Capacity = { maxSize: Infinity, hardLimit: Infinity, maxEntrySize: Infinity, ...capacity };
  if (spec.kind === 'fs')
    return FsStore.open({ dir: path.resolve(spec.dir), capacity: cap, events, maintain: serving });
  return RedisStore.open({ url: spec.url, capacity: cap, events });
}
