import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { OutsideInput } from './file-graph-cache';
import type { FileHash, WorkspacePath } from './types';
import type { WorkspaceFiles } from './workspace-files';

/** Files whose content steers resolution: manifests (names, exports), tsconfigs (paths, baseUrl), workspace globs. */
const CONFIG_FILE = /(?:^|\/)(?:package\.json|[tj]sconfig[^/]*\.json|pnpm-workspace\.yaml)$/;

export function isConfigFile(file: string): boolean {
  return CONFIG_FILE.test(file) && !file.split('/').includes('node_modules');
}

/**
 * The resolution context key. Resolution reads only the file list and the config files, so a
 * file's cached resolution stays valid while (a) its own content hash and (b) this key are
 * unchanged: any added, removed or renamed file, and any edit to a package.json, tsconfig*.json,
 * jsconfig*.json or pnpm-workspace.yaml, changes the key and re-resolves every file (from the
 * cached extraction, which depends on content alone).
 */
export function resolutionContextKey(
  fleetVersion: string,
  files: readonly WorkspacePath[],
  configHashes: ReadonlyMap<string, FileHash>,
): string {
  // One update with the joined list: 20k tiny update() calls cost more than the hashing itself.
  const h = createHash('sha1').update(`nx-fleet ${fleetVersion}\n`).update(files.join('\n')).update('\0');
  for (const [f, hash] of [...configHashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    h.update(`${f} ${hash}\n`);
  return h.digest('hex');
}

/** True when every file outside the workspace that resolution used is as it was. */
export function outsideUnchanged(outside: readonly OutsideInput[]): boolean {
  return outside.every((o) => {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(o.path);
    } catch {
      stat = undefined;
    }
    if (o.exists !== undefined) return o.exists === (stat !== undefined);
    return stat !== undefined && stat.mtimeMs === o.mtimeMs && stat.size === o.size;
  });
}

/** Parses every config file once so that a malformed one is reported even if no import needs it. */
export function validateConfigs(ws: WorkspaceFiles, files: readonly WorkspacePath[]): void {
  for (const f of files) if (isConfigFile(f) && !f.endsWith('.yaml')) ws.readJson(f);
}
