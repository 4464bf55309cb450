import { createHash } from 'node:crypto';
import type { HashDetails } from './types';

/**
 * What a task's manifest depends on, read from Nx's hashDetails: the command hash and every
 * node (its project file sets `p0:libs/p0/**\/*`, project configurations, tsconfig, external
 * dependencies, workspace files), with the **values** of `env:` and `runtime:` nodes left out
 * (only their names). Two task runs with the same key have the same files with the same
 * contents, the same input names and the same command, so the same manifest: a hash that is new
 * only because an environment or runtime value changed needs no input expansion.
 */
export function inputsKeyOf(details: HashDetails | null | undefined): string | null {
  if (!details?.nodes) return null;
  // The hook asks twice per new hash (manifest lookup, then storing its details): once is enough.
  const memo = memos.get(details);
  if (memo) return memo;
  const key = computeKey(details);
  memos.set(details, key);
  return key;
}

const memos = new WeakMap<HashDetails, string>();

function computeKey(details: HashDetails): string {
  // Names and values joined with NUL (neither holds one), keys sorted, hashed in one update.
  const nodes = details.nodes;
  const parts = [details.command];
  for (const k of Object.keys(nodes).sort())
    parts.push(k, k.startsWith('env:') || k.startsWith('runtime:') ? '' : nodes[k]);
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}
