import { parse, TomlError } from 'smol-toml';
import type { Diagnostic, WorkspacePath } from '../types';
import { normalizeDistributionName } from './normalize-name';
import { str, table } from './toml-values';
import type { LockedVersions } from './types';

/** The lockfiles understood, in the order they are looked for. */
export const PYTHON_LOCKFILES = ['uv.lock', 'poetry.lock', 'pdm.lock'] as const;

/**
 * Reads `[[package]] name / version` from a uv.lock, poetry.lock or pdm.lock (all TOML).
 * An unparseable lockfile gives `PY_LOCKFILE_INVALID` and no versions; never throws.
 */
export function readLockfile(text: string, file: WorkspacePath): { versions: LockedVersions; diagnostics: Diagnostic[] } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    const line = e instanceof TomlError ? e.line : undefined;
    return { versions: {}, diagnostics: [{ file, line, code: 'PY_LOCKFILE_INVALID', message: `lockfile is not valid TOML: ${(e as Error).message.split('\n')[0]}` }] };
  }
  const versions: LockedVersions = {};
  const packages = table(doc)?.package;
  for (const entry of Array.isArray(packages) ? packages.map(table) : []) {
    const name = str(entry?.name);
    const version = str(entry?.version);
    if (name && version) versions[normalizeDistributionName(name)] = version;
  }
  return { versions, diagnostics: [] };
}
