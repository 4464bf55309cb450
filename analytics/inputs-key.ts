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
  // Names and values joined with NUL (neither holds one), keys sorted: cheaper than JSON.
  const h = createHash('sha256').update(`${details.command}\0`);
  for (const k of Object.keys(details.nodes).sort()) {
    const value = k.startsWith('env:') || k.startsWith('runtime:') ? '' : details.nodes[k];
    h.update(`${k}\0${value}\0`);
  }
  return h.digest('hex').slice(0, 32);
}
