import type { WorkspacePath } from '../types';
import { isStdlibModule } from './stdlib';
import type { DependencyFacts } from './dependency-facts';
import { projectOfFile, type ModuleOwner, type ModuleOwnership } from './ownership';
import { declaredDistribution, distributionCandidates, likelyDistribution } from './third-party-modules';
import type { PythonImport, PythonProjectInfo } from './types';

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
  | { kind: 'third-party'; module: string; distribution: string; declared: boolean; transitive?: boolean }
  /** A private or typing-only name (`_typeshed`, `_speedups`) that no distribution is named after. */
  | { kind: 'private'; module: string }
  | { kind: 'ambiguous'; module: string; candidates: WorkspacePath[] }
  | { kind: 'unresolved'; module: string; reason: string };

/**
 * Resolves one import of `fromFile`: relative imports against the file's own package, stdlib
 * names first, then first-party modules by ownership (for `from a import b`, module `a.b`
 * before `a`; a missing module falls back to its closest owned parent), then third-party
 * distributions through the mapping table and the project's declared dependencies.
 */
export function resolveImport(
  ownership: ModuleOwnership,
  fromFile: WorkspacePath,
  imp: PythonImport,
  context: FileContext = fileContext(ownership, fromFile),
): ImportResolution {
  const module = absoluteModule(ownership, fromFile, imp);
  if (module === undefined)
    return {
      kind: 'unresolved',
      module: '.'.repeat(imp.level) + imp.specifier,
      reason: 'relative import beyond the top-level package',
    };
  const own = context.project?.root;
  // Python puts a script's own folder first on sys.path (pytest's prepend mode does the same for tests).
  if (context.scriptFolder && imp.level === 0) {
    const sibling = siblingModule(ownership, context.scriptFolder, module);
    const found = sibling === undefined ? undefined : firstPartyOf(ownership, sibling, imp, own);
    if (found) return found;
  }
  if (imp.level === 0 && isStdlibModule(module)) return { kind: 'stdlib', module };
  const found = firstPartyOf(ownership, module, imp, own);
  if (found) return found;
  const top = module.split('.')[0];
  if (imp.level > 0 || ownership.firstPartyTops.has(top))
    return { kind: 'unresolved', module, reason: 'no file provides this first-party module' };
  return thirdParty(ownership, module, imp, own === undefined ? undefined : ownership.facts.get(own));
}

/** What resolution needs to know of the importing file, computed once per file. */
export interface FileContext {
  project: PythonProjectInfo | undefined;
  /** Set for a file outside any regular package: its folder and that folder's dotted module. */
  scriptFolder?: { dir: WorkspacePath; module: string };
}

/** The {@link FileContext} of `fromFile`. */
export function fileContext(ownership: ModuleOwnership, fromFile: WorkspacePath): FileContext {
  const project = projectOfFile(ownership, fromFile);
  const own = ownership.fileModules.get(fromFile);
  if (own === undefined || !own.includes('.') || /(^|\/)__init__\.pyi?$/.test(fromFile)) return { project };
  const module = own.slice(0, own.lastIndexOf('.'));
  const dir = fromFile.slice(0, fromFile.lastIndexOf('/'));
  if (ownership.modules.get(module)?.some((o) => o.file === `${dir}/__init__.py` || o.file === `${dir}/__init__.pyi`))
    return { project };
  return { project, scriptFolder: { dir, module } };
}

/** The module `import <module>` names from a script folder, if a file or package in that folder provides its top-level name. */
function siblingModule(
  ownership: ModuleOwnership,
  folder: { dir: WorkspacePath; module: string },
  module: string,
): string | undefined {
  const dot = module.indexOf('.');
  const providers = ownership.modules.get(`${folder.module}.${dot < 0 ? module : module.slice(0, dot)}`);
  return providers?.some((o) => o.file.startsWith(`${folder.dir}/`)) ? `${folder.module}.${module}` : undefined;
}

/** A third-party module: declared (also as `a.b` for `from a import b`: livekit-api), transitive, private or undeclared. */
function thirdParty(
  ownership: ModuleOwnership,
  module: string,
  imp: PythonImport,
  facts: DependencyFacts | undefined,
): ImportResolution {
  const declaredSet = facts?.declared ?? new Set<string>();
  const declared = declaredDistribution(module, declaredSet, ownership.table);
  if (declared !== undefined) return { kind: 'third-party', module, distribution: declared, declared: true };
  const spelled = (imp.names ?? []).map((n) => `${module}.${n}`);
  for (const m of spelled) {
    const found = declaredDistribution(m, declaredSet, ownership.table);
    if (found !== undefined) return { kind: 'third-party', module: m, distribution: found, declared: true };
  }
  const distribution = likelyDistribution(module, ownership.table);
  if (distribution === undefined) return { kind: 'private', module };
  const transitive =
    facts !== undefined &&
    facts.transitive.size > 0 &&
    [module, ...spelled].some((m) => distributionCandidates(m, ownership.table).some((c) => facts.transitive.has(c)));
  return { kind: 'third-party', module, distribution, declared: false, ...(transitive ? { transitive } : {}) };
}

/** Owners of `module` (for `from a import b`, `a.b` before `a`), or undefined when no first-party file provides it. */
function firstPartyOf(
  ownership: ModuleOwnership,
  module: string,
  imp: PythonImport,
  own: WorkspacePath | undefined,
): ImportResolution | undefined {
  const wanted = [...(imp.names ?? []).map((n) => (module === '' ? n : `${module}.${n}`))];
  const owners: ModuleOwner[][] = [];
  const exact = wanted.map((w) => ownership.modules.get(w)).filter((o): o is ModuleOwner[] => o !== undefined);
  owners.push(...exact);
  // Names that are not submodules are attributes of the module itself.
  if (exact.length < wanted.length || wanted.length === 0) {
    const closest = closestOwners(ownership, module);
    if (closest) owners.push(closest);
  }
  return owners.length > 0 ? firstParty(module, owners, own) : undefined;
}

/**
 * For a file outside any regular package (its folder has no `__init__.py`), the module
 * `import <module>` names when its own folder is on sys.path, if a file or package in that
 * folder provides its top-level name; else undefined.
 */
function scriptFolderModule(ownership: ModuleOwnership, fromFile: WorkspacePath, module: string): string | undefined {
  const own = ownership.fileModules.get(fromFile);
  if (own === undefined || !own.includes('.') || /(^|\/)__init__\.pyi?$/.test(fromFile)) return undefined;
  const folderModule = own.slice(0, own.lastIndexOf('.'));
  const dir = fromFile.slice(0, fromFile.lastIndexOf('/'));
  if (
    ownership.modules
      .get(folderModule)
      ?.some((o) => o.file === `${dir}/__init__.py` || o.file === `${dir}/__init__.pyi`)
  )
    return undefined;
  const candidate = `${folderModule}.${module.split('.')[0]}`;
  const providers = ownership.modules.get(candidate);
  if (!providers?.some((o) => o.file.startsWith(`${dir}/`))) return undefined;
  return `${folderModule}.${module}`;
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
function firstParty(module: string, ownerLists: ModuleOwner[][], own: WorkspacePath | undefined): ImportResolution {
  const targets: ImportTarget[] = [];
  for (const all of ownerLists) {
    // Within a project its own modules win, as on its own sys.path (two projects' `tests` packages).
    const owners = all.some((o) => o.project === own) ? all.filter((o) => o.project === own) : all;
    const impl = new Set(owners.filter((o) => !o.stub).map((o) => o.project));
    const stubs = new Set(owners.filter((o) => o.stub).map((o) => o.project));
    if (impl.size > 1 || stubs.size > 1) {
      return { kind: 'ambiguous', module, candidates: [...new Set(owners.map((o) => o.project))].sort() };
    }
    for (const o of owners)
      if (!targets.some((t) => t.file === o.file)) targets.push({ file: o.file, project: o.project });
  }
  return { kind: 'first-party', module, targets };
}
