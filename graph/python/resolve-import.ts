import type { WorkspacePath } from '../types';
import { isStdlibModule } from './stdlib';
import { projectOfFile, type ModuleOwner, type ModuleOwnership } from './ownership';
import { declaredDistribution, likelyDistribution } from './third-party-modules';
import type { PythonImport } from './types';

/** A first-party file an import reaches. */
export interface ImportTarget {
  file: WorkspacePath;
  /** Root of the project that owns the file. */
  project: WorkspacePath;
}

/**
 * Where one import leads. `first-party`: files in the workspace; `third-party`: a
 * distribution (declared or not); `ambiguous`: several projects own the module, so no edge;
 * `unresolved`: a relative import that leaves the top-level package or names no file, or a
 * module under a first-party namespace that no file provides.
 */
export type ImportResolution =
  | { kind: 'stdlib'; module: string }
  | { kind: 'first-party'; module: string; targets: ImportTarget[] }
  | { kind: 'third-party'; module: string; distribution: string; declared: boolean }
  | { kind: 'ambiguous'; module: string; candidates: WorkspacePath[] }
  | { kind: 'unresolved'; module: string; reason: string };

/**
 * Resolves one import of `fromFile`: relative imports against the file's own package, stdlib
 * names first, then first-party modules by ownership (for `from a import b`, module `a.b`
 * before `a`; a missing module falls back to its closest owned parent), then third-party
 * distributions through the mapping table and the project's declared dependencies.
 */
export function resolveImport(ownership: ModuleOwnership, fromFile: WorkspacePath, imp: PythonImport): ImportResolution {
  const module = absoluteModule(ownership, fromFile, imp);
  if (module === undefined) return { kind: 'unresolved', module: '.'.repeat(imp.level) + imp.specifier, reason: 'relative import beyond the top-level package' };
  if (imp.level === 0 && isStdlibModule(module)) return { kind: 'stdlib', module };
  const wanted = [...(imp.names ?? []).map((n) => (module === '' ? n : `${module}.${n}`))];
  const owners: ModuleOwner[][] = [];
  const exact = wanted.map((w) => ownership.modules.get(w)).filter((o): o is ModuleOwner[] => o !== undefined);
  owners.push(...exact);
  // Names that are not submodules are attributes of the module itself.
  if (exact.length < wanted.length || wanted.length === 0) {
    const closest = closestOwners(ownership, module);
    if (closest) owners.push(closest);
  }
  if (owners.length > 0) return firstParty(module, owners);
  const top = module.split('.')[0];
  if (imp.level > 0 || ownership.firstPartyTops.has(top)) return { kind: 'unresolved', module, reason: 'no file provides this first-party module' };
  const project = projectOfFile(ownership, fromFile);
  const declared = declaredDistribution(module, (project && ownership.declared.get(project.root)) ?? new Set());
  return { kind: 'third-party', module, distribution: declared ?? likelyDistribution(module), declared: declared !== undefined };
}

/** The absolute dotted module of an import (relative ones against the file's package), or undefined when it climbs too far. */
function absoluteModule(ownership: ModuleOwnership, fromFile: WorkspacePath, imp: PythonImport): string | undefined {
  if (imp.level === 0) return imp.specifier;
  const own = ownership.fileModules.get(fromFile);
  if (own === undefined) return undefined;
  const parts = own.split('.');
  // A package's __init__ is its own package; any other module's package is its parent.
  if (!/(^|\/)__init__\.pyi?$/.test(fromFile)) parts.pop();
  const up = imp.level - 1;
  // Python refuses to climb to or above the top-level package ("beyond top-level package").
  if (up >= parts.length) return undefined;
  const base = parts.slice(0, parts.length - up);
  return [...base, ...(imp.specifier ? [imp.specifier] : [])].join('.');
}

/** Owners of `module` or, failing that, of its closest owned parent (`a.b.c` → `a.b` → `a`). */
function closestOwners(ownership: ModuleOwnership, module: string): ModuleOwner[] | undefined {
  for (let m = module; m !== ''; m = m.includes('.') ? m.slice(0, m.lastIndexOf('.')) : '') {
    const owners = ownership.modules.get(m);
    if (owners) return owners;
  }
  return undefined;
}

/**
 * One module's owners become targets unless two projects own it the same way: a `.pyi` stub
 * next to an implementation is fine (both become targets); two implementations (or two
 * stubs) in different projects are ambiguous.
 */
function firstParty(module: string, ownerLists: ModuleOwner[][]): ImportResolution {
  const targets: ImportTarget[] = [];
  for (const owners of ownerLists) {
    const impl = new Set(owners.filter((o) => !o.stub).map((o) => o.project));
    const stubs = new Set(owners.filter((o) => o.stub).map((o) => o.project));
    if (impl.size > 1 || stubs.size > 1) {
      return { kind: 'ambiguous', module, candidates: [...new Set(owners.map((o) => o.project))].sort() };
    }
    for (const o of owners) if (!targets.some((t) => t.file === o.file)) targets.push({ file: o.file, project: o.project });
  }
  return { kind: 'first-party', module, targets };
}
