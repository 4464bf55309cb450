import { createHash } from 'node:crypto';
import type * as TS from 'typescript';
import type { SharedState } from './shared-state';

/**
 * Reuse of a file's bind-and-check diagnostics between programs (docs/local-execution.md).
 * A file's entry is reused only when its key matches: the checking options, the file's own
 * version, the versions and resolutions of every file it reaches (imports, synthetic imports,
 * `/// <reference>`, type reference directives) and the versions of every file of the program
 * that can change global or other modules' types (lib files, scripts, augmentations).
 */

/** Internal Program methods (present in TypeScript 5.x and 6.x; checked at run time). */
interface InternalProgram extends TS.Program {
  getBindAndCheckDiagnostics(sf: TS.SourceFile): readonly TS.Diagnostic[];
  getProgramDiagnostics(sf: TS.SourceFile): readonly TS.Diagnostic[];
  forEachResolvedModule(
    cb: (r: TS.ResolvedModuleWithFailedLookupLocations, name: string, mode: TS.ResolutionMode) => void,
    file: TS.SourceFile,
  ): void;
  forEachResolvedTypeReferenceDirective(
    cb: (r: TS.ResolvedTypeReferenceDirectiveWithFailedLookupLocations, name: string, mode: TS.ResolutionMode) => void,
    file: TS.SourceFile,
  ): void;
}

interface InternalSourceFile extends TS.SourceFile {
  moduleAugmentations?: readonly unknown[];
  ambientModuleNames?: readonly string[];
  redirectInfo?: unknown;
  path: string;
}

export interface DiagnosticsCacheEntry {
  file: TS.SourceFile;
  diagnostics: readonly TS.Diagnostic[];
}

/** Bound on the entries kept (least recently used dropped first). */
export const DIAGNOSTICS_CACHE_ENTRIES = 100_000;

/** Options that cannot change a file's bind-and-check diagnostics: output places and the config's own path. */
const IGNORED_OPTIONS = new Set([
  'configFilePath',
  'outDir',
  'rootDir',
  'declarationDir',
  'tsBuildInfoFile',
  'project',
  'listFiles',
  'listEmittedFiles',
  'explainFiles',
  'traceResolution',
  'diagnostics',
  'extendedDiagnostics',
  'generateTrace',
  'pretty',
]);

const sha1 = (s: string) => createHash('sha1').update(s).digest('base64');

function hasInternals(program: TS.Program): program is InternalProgram {
  const p = program as Partial<InternalProgram>;
  return (
    typeof p.getBindAndCheckDiagnostics === 'function' &&
    typeof p.getProgramDiagnostics === 'function' &&
    typeof p.forEachResolvedModule === 'function' &&
    typeof p.forEachResolvedTypeReferenceDirective === 'function'
  );
}

/**
 * The semantic diagnostics of the whole program, as `program.getSemanticDiagnostics()` returns
 * them (same per-file parts, same sort and dedup), reusing cached bind-and-check results where
 * the key proves them equal. `versions` maps a file's path to its content hash.
 */
export function semanticDiagnosticsWithReuse(
  state: SharedState,
  program: TS.Program,
  versions: ReadonlyMap<string, string>,
): readonly TS.Diagnostic[] {
  const { ts } = state;
  const keys = hasInternals(program) ? fileKeys(ts, program, versions) : undefined;
  if (!keys || !hasInternals(program)) {
    state.reuse.checkedFiles += program.getSourceFiles().length;
    return program.getSemanticDiagnostics();
  }
  const options = program.getCompilerOptions();
  const cache = state.reuse.entries;
  const all: TS.Diagnostic[] = [];
  for (const sf of program.getSourceFiles()) {
    const key = keys.get(sf);
    let bindAndCheck: readonly TS.Diagnostic[] | undefined;
    const hit = key === undefined ? undefined : cache.get(key);
    if (hit && hit.file === sf) {
      // Least recently used goes first: a hit moves to the end.
      cache.delete(key!);
      cache.set(key!, hit);
      bindAndCheck = hit.diagnostics;
      state.reuse.reusedFiles++;
    } else {
      bindAndCheck = program.getBindAndCheckDiagnostics(sf);
      state.reuse.checkedFiles++;
      if (key !== undefined && cacheable(ts, sf, bindAndCheck)) {
        cache.set(key, { file: sf, diagnostics: bindAndCheck });
        if (cache.size > DIAGNOSTICS_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      }
    }
    // What getSemanticDiagnosticsForFile adds around bind-and-check: both are per program.
    all.push(...bindAndCheck.filter((d) => !skippedOn(d) || !options[skippedOn(d)!]));
    all.push(...program.getProgramDiagnostics(sf));
  }
  return ts.sortAndDeduplicateDiagnostics(all);
}

function skippedOn(d: TS.Diagnostic): keyof TS.CompilerOptions | undefined {
  return (d as { skippedOn?: keyof TS.CompilerOptions }).skippedOn;
}

/**
 * Only results that cannot depend on the program they came from: every diagnostic on the file
 * itself, and no text that prints a module name or an import type (`"..."`, `import(...)`),
 * which the checker writes relative to the project (its config folder and `paths`).
 */
function cacheable(ts: typeof TS, sf: TS.SourceFile, diagnostics: readonly TS.Diagnostic[]): boolean {
  return diagnostics.every((d) => {
    if (d.file !== sf) return false;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    return !text.includes('"') && !text.includes('import(');
  });
}

/** A file is a global contributor when it can change global or other modules' types. */
function isGlobalContributor(ts: typeof TS, program: TS.Program, sf: InternalSourceFile): boolean {
  return (
    program.isSourceFileDefaultLibrary(sf) ||
    !ts.isExternalModule(sf) ||
    !!sf.moduleAugmentations?.length ||
    !!sf.ambientModuleNames?.length ||
    sf.statements.some((s) => ts.isNamespaceExportDeclaration(s)) ||
    /\.[cm]?jsx?$/.test(sf.fileName)
  );
}

/**
 * Keys of the files whose diagnostics may be reused (absent: always checked). Undefined when
 * the program is one where reuse is not applied at all.
 */
function fileKeys(
  ts: typeof TS,
  program: InternalProgram,
  versions: ReadonlyMap<string, string>,
): Map<TS.SourceFile, string> | undefined {
  const options = program.getCompilerOptions();
  // Conservative exclusions: project references (redirects to sources or outputs, checked by the
  // checker against the referenced config) and extension rewriting (which asks about them).
  if (program.getProjectReferences()?.length || options.rewriteRelativeImportExtensions) return undefined;
  const files = program.getSourceFiles() as readonly InternalSourceFile[];
  if (files.some((f) => f.redirectInfo !== undefined || !versions.has(f.path))) return undefined;
  const optionsHash = sha1(
    JSON.stringify(
      Object.keys(options)
        .filter((k) => !IGNORED_OPTIONS.has(k))
        .sort()
        .map((k) => [k, options[k]]),
    ),
  );
  const globals = files.filter((f) => isGlobalContributor(ts, program, f));
  const globalsHash = sha1(
    globals
      .map((f) => `${f.path}@${versions.get(f.path)}`)
      .sort()
      .join('\n'),
  );
  const isGlobal = new Set<TS.SourceFile>(globals);
  const byPath = new Map(files.map((f) => [f.path, f] as const));
  const lookup = (fileName: string) =>
    program.getSourceFile(fileName) ?? byPath.get(fileName) ?? byPath.get(ts.sys.resolvePath(fileName));

  // Merkle hash over the reference graph: a file's hash covers its own version, where each of
  // its references resolves, and the hashes of the files they reach. Files in a reference
  // cycle, and files reaching one, get none (always checked).
  const hashes = new Map<TS.SourceFile, string | null>();
  const onStack = new Set<TS.SourceFile>();
  const hashOf = (sf: InternalSourceFile): string | null => {
    const known = hashes.get(sf);
    if (known !== undefined) return known;
    if (onStack.has(sf)) return null;
    onStack.add(sf);
    const parts: string[] = [`${sf.path}@${versions.get(sf.path)}`];
    const children: TS.SourceFile[] = [];
    let ok = true;
    const edge = (label: string, target: string | undefined) => {
      if (target === undefined) return parts.push(`${label}->unresolved`);
      const child = lookup(target);
      parts.push(`${label}->${child ? child.fileName : `missing:${target}`}`);
      if (child) children.push(child);
    };
    program.forEachResolvedModule((r, name, mode) => {
      const m = r.resolvedModule;
      edge(`m:${name}:${mode}:${m?.extension}:${m?.isExternalLibraryImport}`, m?.resolvedFileName);
    }, sf);
    program.forEachResolvedTypeReferenceDirective((r, name, mode) => {
      edge(`t:${name}:${mode}`, r.resolvedTypeReferenceDirective?.resolvedFileName);
    }, sf);
    for (const ref of sf.referencedFiles)
      edge(`r:${ref.fileName}`, ts.resolveTripleslashReference(ref.fileName, sf.fileName));
    const childHashes: string[] = [];
    for (const child of children) {
      const h = hashOf(child as InternalSourceFile);
      if (h === null) ok = false;
      else childHashes.push(h);
    }
    onStack.delete(sf);
    const result = ok ? sha1(parts.sort().join('\n') + '\n' + childHashes.sort().join('\n')) : null;
    hashes.set(sf, result);
    return result;
  };

  const keys = new Map<TS.SourceFile, string>();
  for (const sf of files) {
    // Global contributors are checked in one shared scope: never reused.
    if (isGlobal.has(sf)) continue;
    const h = hashOf(sf);
    if (h !== null) keys.set(sf, sha1(`${optionsHash}\n${globalsHash}\n${h}`));
  }
  return keys;
}
