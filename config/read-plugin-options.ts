import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FleetPluginOptions } from './options';

/** Where the options came from: the nx.json entry, or nothing (nx-fleet not registered). */
export interface PluginOptionsSource {
  options: FleetPluginOptions;
  /** True when nx.json registers nx-fleet (as a string or an object entry). */
  registered: boolean;
  /** Its index in nx.json `plugins`, for located messages (`plugins[0].options.run.maxAttempts`). */
  index?: number;
  /** Set when nx.json exists but is not JSON: the options are then unknown, not empty. */
  problem?: string;
}

/**
 * Reads nx-fleet's options from `<root>/nx.json` (`plugins: ["nx-fleet"]` or
 * `plugins: [{ "plugin": "nx-fleet", "options": {...} }]`), for commands that run outside Nx.
 * A missing or unreadable nx.json means no options; validation happens in normalizeOptions.
 */
export function readPluginOptions(workspaceRoot: string): PluginOptionsSource {
  let nxJson: { plugins?: unknown[] };
  const file = path.join(workspaceRoot, 'nx.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { options: {}, registered: false };
  }
  try {
    nxJson = JSON.parse(text);
  } catch (err) {
    return { options: {}, registered: false, problem: `${file}: not JSON (${(err as Error).message})` };
  }
  if (!nxJson || typeof nxJson !== 'object' || (nxJson.plugins !== undefined && !Array.isArray(nxJson.plugins)))
    return { options: {}, registered: false, problem: `${file}: "plugins" must be an array` };
  for (const [index, entry] of (nxJson.plugins ?? []).entries()) {
    if (entry === 'nx-fleet') return { options: {}, registered: true, index };
    if (entry && typeof entry === 'object' && (entry as { plugin?: unknown }).plugin === 'nx-fleet') {
      return {
        options: ((entry as { options?: FleetPluginOptions }).options ?? {}) as FleetPluginOptions,
        registered: true,
        index,
      };
    }
  }
  return { options: {}, registered: false };
}
