import type { Diagnostic } from '../graph';
import { pluginLog } from './plugin-log';

/** At most this many diagnostics are printed one by one; the rest are counted. */
const MAX_PRINTED = 20;

/**
 * Prints diagnostics through Nx's plugin-worker log (plugin-log.ts), one line each in
 * the file graph's format (`nx-fleet: file:line: message [CODE]`): visible in `nx graph` and
 * `nx show` output, never an exception, and stdout stays clean for `--json`.
 */
export function reportFileDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics.slice(0, MAX_PRINTED))
    pluginLog(`nx-fleet: ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message} [${d.code}]`);
  const rest = diagnostics.length - MAX_PRINTED;
  if (rest > 0) pluginLog(`nx-fleet: ... and ${rest} more diagnostics (run \`fleet graph --json\` to see all)`);
}
