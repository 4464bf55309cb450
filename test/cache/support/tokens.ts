import { spawnSync } from 'node:child_process';
import { fleetBin } from './serve-process';

/** Creates tokens with the real `fleet cache token create`; returns them by label. */
export function createTokens(file: string, specs: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, args] of Object.entries(specs)) {
    const r = spawnSync(
      process.execPath,
      [fleetBin(), 'cache', 'token', 'create', '--tokens', file, '--name', label, ...args],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`token create failed: ${r.stderr}`);
    out[label] = r.stdout.trim();
  }
  return out;
}
