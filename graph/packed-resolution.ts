import type { FileHash, ImportKind, ResolvedImport } from './types';
import type { CachedResolution } from './file-graph-cache';

const KINDS: readonly ImportKind[] = ['static', 'dynamic', 'require', 'type', 'reference'];

/** `[specifier, kind index, line]`, then the target (or 0) and the external package when there is one. */
type PackedImport =
  [string, number, number] | [string, number, number, string] | [string, number, number, 0 | string, string];

/** A {@link CachedResolution} as the cache file stores it. */
export type PackedResolution = [FileHash, PackedImport[], CachedResolution['diagnostics']];

/**
 * Resolutions are most of the cache, and a warm whole-graph build reads all of them: tuples
 * instead of objects halve the JSON that has to be parsed (the keys repeat ~90k times on a
 * 20k-file workspace).
 */
export function packResolution(r: CachedResolution): PackedResolution {
  return [r.hash, r.imports.map(packImport), r.diagnostics];
}

export function unpackResolution(p: PackedResolution): CachedResolution {
  return { hash: p[0], imports: p[1].map(unpackImport), diagnostics: p[2] };
}

function packImport(i: ResolvedImport): PackedImport {
  const head: [string, number, number] = [i.specifier, KINDS.indexOf(i.kind), i.line];
  if (i.external !== undefined) return [...head, i.target ?? 0, i.external];
  if (i.target !== undefined) return [...head, i.target];
  return head;
}

function unpackImport(p: PackedImport): ResolvedImport {
  const out: ResolvedImport = { specifier: p[0], kind: KINDS[p[1]], line: p[2] };
  if (typeof p[3] === 'string') out.target = p[3];
  if (p.length === 5) out.external = p[4];
  return out;
}
