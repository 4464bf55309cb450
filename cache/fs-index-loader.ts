import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { PENDING_MODE_BIT } from './fs-entry-format';
import type { IndexedEntry } from './lru-index';

/** The fs store's layout, shared by the store, the loader and `entries()`. Names starting with a dot (`.tmp`, `.packs`) are never namespaces. */
export const TMP_DIR = '.tmp';

/**
 * Reads what is on disk into index entries: `<ns>/<shard>/<hash>`, size from stat, last access
 * from mtime (the store bumps mtime on reads, at most hourly), and whether the entry's digest is
 * still pending from its mode (the owner-execute bit, see fs-entry-format.ts). Stats run with bounded concurrency
 * so 100,000 entries load in about a second without starving the server, which is already
 * serving while this runs.
 */
export async function loadFsIndex(
  root: string,
  concurrency = 64,
): Promise<{ entries: Array<[string, IndexedEntry]>; pending: string[] }> {
  const files: string[] = [];
  for (const ns of await listDirs(root)) {
    if (ns.startsWith('.')) continue;
    for (const shard of await listDirs(path.join(root, ns))) {
      const dir = path.join(root, ns, shard);
      for (const name of await listFiles(dir)) files.push(`${ns}/${shard}/${name}`);
    }
  }
  const out: Array<[string, IndexedEntry]> = [];
  const pending: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const rel = files[next++];
      try {
        const st = await fsp.stat(path.join(root, rel));
        const [ns, , hash] = rel.split('/');
        out.push([`${ns}/${hash}`, { size: st.size, accessMs: st.mtimeMs }]);
        if (st.mode & PENDING_MODE_BIT) pending.push(`${ns}/${hash}`);
      } catch {
        /* removed while we scanned: nothing to index */
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { entries: out, pending };
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
}
