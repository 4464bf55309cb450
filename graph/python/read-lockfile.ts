import { parse, TomlError } from 'smol-toml';
import type { Diagnostic, WorkspacePath } from '../types';
import { normalizeDistributionName } from './normalize-name';
import { parseRequirement } from './parse-requirement';
import { str, strings, table, type TomlTable } from './toml-values';
import type { LockedPackage, LockedVersions, LockGraph } from './types';

/** The lockfiles understood, in the order they are looked for. */
export const PYTHON_LOCKFILES = ['uv.lock', 'poetry.lock', 'pdm.lock'] as const;

/** What one lockfile says: pinned versions and who depends on whom. */
export interface LockfileContents {
  versions: LockedVersions;
  graph: LockGraph;
  diagnostics: Diagnostic[];
}

/**
 * Reads `[[package]]` entries of a uv.lock, poetry.lock or pdm.lock (all TOML): name, version,
 * and the requirements of each package, main and per extra, in each tool's spelling (uv:
 * `dependencies = [{ name }]` and `[package.optional-dependencies]`; Poetry:
 * `[package.dependencies]` and `[package.extras]`; PDM: requirement strings, one entry per
 * extra). An unparseable lockfile gives `PY_LOCKFILE_INVALID` and nothing else; never throws.
 */
export function readLockfile(text: string, file: WorkspacePath): LockfileContents {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    const line = e instanceof TomlError ? e.line : undefined;
    return {
      versions: {},
      graph: {},
      diagnostics: [
        {
          file,
          line,
          code: 'PY_LOCKFILE_INVALID',
          message: `lockfile is not valid TOML: ${(e as Error).message.split('\n')[0]}`,
        },
      ],
    };
  }
  const versions: LockedVersions = {};
  const graph: LockGraph = {};
  const packages = table(doc)?.package;
  for (const entry of Array.isArray(packages) ? packages.map(table) : []) {
    const name = str(entry?.name);
    if (!entry || !name) continue;
    const normalized = normalizeDistributionName(name);
    const version = str(entry.version);
    if (version) versions[normalized] = version;
    const node = (graph[normalized] ??= { dependencies: [], extras: {} });
    addEntry(node, entry);
  }
  return { versions, graph, diagnostics: [] };
}

function addEntry(node: LockedPackage, entry: TomlTable): void {
  const main = requirementNames(entry.dependencies);
  // PDM writes one entry per requested extra set (`extras = ["pool"]`) whose dependencies are that extra's.
  const pdmExtras = strings(entry.extras);
  if (pdmExtras.length > 0) for (const extra of pdmExtras) merge(node.extras, normalizeDistributionName(extra), main);
  else node.dependencies.push(...main);
  for (const key of ['optional-dependencies', 'extras']) {
    const extras = table(entry[key]);
    for (const [extra, list] of Object.entries(extras ?? {}))
      merge(node.extras, normalizeDistributionName(extra), requirementNames(list));
  }
  // Poetry: `[package.dependencies] name = "spec"` or `{ version, markers, extras }`.
  const poetry = table(entry.dependencies);
  if (poetry) node.dependencies.push(...Object.keys(poetry).map(normalizeDistributionName));
}

function merge(extras: Record<string, string[]>, extra: string, names: string[]): void {
  extras[extra] = [...new Set([...(extras[extra] ?? []), ...names])];
}

/** Names of uv's `[{ name = "x" }]`, PDM's and Poetry's requirement strings (`"x (>=1)"`, `"x>=1"`). */
function requirementNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const names: string[] = [];
  for (const item of value) {
    const name =
      typeof item === 'string' ? parseRequirement(item.replace(/\s*\(.*\)\s*$/, ''))?.name : str(table(item)?.name);
    if (name) names.push(normalizeDistributionName(name));
  }
  return names;
}
