import type { ArtifactHash, ArtifactStore, Namespace } from '../../../cache';

/** The body a store serves for `key` in namespace `main` (a buffer or a file range), or null on a miss. */
export async function readEntry(store: ArtifactStore, key: string): Promise<Buffer | null> {
  const hit = await store.get(['main' as Namespace], key as ArtifactHash);
  if (!hit) return null;
  if (hit.buffer) return hit.buffer;
  const body = Buffer.alloc(hit.meta.size);
  await hit.file.handle.read(body, 0, body.length, hit.file.start);
  await hit.file.handle.close();
  return body;
}
