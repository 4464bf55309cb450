import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FleetPluginOptions } from './options';

/** Where the options came from: the nx.json entry, or nothing (nx-fleet not registered). */
export interface PluginOptionsSource {
  options: FleetPluginOptions;
  /** True when nx.json registers nx-fleet (as a string or an object entry). */
  registered: boolean;
}

/**
 * Reads nx-fleet's options from `<root>/nx.json` (`plugins: ["nx-fleet"]` or
 * `plugins: [{ "plugin": "nx-fleet", "options": {...} }]`), for commands that run outside Nx.
 * A missing or unreadable nx.json means no options; validation happens in normalizeOptions.
 */
export function readPluginOptions(workspaceRoot: string): PluginOptionsSource {
  let nxJson: { plugins?: unknown[] };
  try {
    nxJson = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'nx.json'), 'utf8'));
  } catch {
    return { options: {}, registered: false };
  }
  for (const entry of nxJson.plugins ?? []) {
    if (entry === 'nx-fleet') return { options: {}, registered: true };
    if (entry && typeof entry === 'object' && (entry as { plugin?: unknown }).plugin === 'nx-fleet') {
      return {
        options: ((entry as { options?: FleetPluginOptions }).options ?? {}) as FleetPluginOptions,
        registered: true,
      };
    }
  }
  return { options: {}, registered: false };
}
