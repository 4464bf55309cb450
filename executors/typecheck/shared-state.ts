import type * as TS from 'typescript';
import type { DiagnosticsCacheEntry } from './reuse';

/**
 * What one worker keeps between the projects it checks. Only what is safe to share lives here:
 * - source files, through TypeScript's own document registry: its buckets are keyed by the
 *   compiler options that change parsing or binding (and by module format), and a file is
 *   reused only while its content hash (the registry's version) is unchanged;
 * - module resolution caches, keyed by those same settings and by the batch (one Nx command):
 *   within a batch the file system does not change, across batches a new file could change
 *   where an import resolves, so resolutions never outlive their batch.
 */
export interface SharedState {
  ts: typeof TS;
  registry: TS.DocumentRegistry;
  resolution: { batchId: string; caches: Map<string, TS.ModuleResolutionCache> };
  /**
   * Bind-and-check diagnostics of files, by reuse key (reuse.ts), least recently used first and
   * bounded; with counts of the files reused and checked, for tests and logs.
   */
  reuse: { entries: Map<string, DiagnosticsCacheEntry>; reusedFiles: number; checkedFiles: number };
  /** Projects checked by this state: the pool recycles a worker after a number of them. */
  checked: number;
}

export function createSharedState(ts: typeof TS): SharedState {
  return {
    ts,
    registry: ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, ts.sys.getCurrentDirectory()),
    resolution: { batchId: '', caches: new Map() },
    reuse: { entries: new Map(), reusedFiles: 0, checkedFiles: 0 },
    checked: 0,
  };
}

/** The module resolution cache for these options in this batch (a new batch drops the old ones). */
export function resolutionCacheFor(
  state: SharedState,
  batchId: string,
  options: TS.CompilerOptions,
  cwd: string,
): TS.ModuleResolutionCache {
  const { ts } = state;
  if (state.resolution.batchId !== batchId) state.resolution = { batchId, caches: new Map() };
  // The resolution settings (paths, baseUrl, moduleResolution, conditions...) are part of the
  // key: two projects with different `paths` must not see each other's answers.
  const key = JSON.stringify([
    cwd,
    options.moduleResolution,
    options.module,
    options.baseUrl,
    options.paths,
    options.pathsBasePath,
    options.rootDirs,
    options.customConditions,
    options.resolvePackageJsonExports,
    options.resolvePackageJsonImports,
    options.typeRoots,
    options.types,
    options.allowJs,
    options.jsx,
    options.resolveJsonModule,
    options.moduleSuffixes,
    options.allowArbitraryExtensions,
    options.preserveSymlinks,
    options.allowImportingTsExtensions,
    options.rewriteRelativeImportExtensions,
  ]);
  let cache = state.resolution.caches.get(key);
  if (!cache) {
    const canonical = (f: string) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase());
    cache = ts.createModuleResolutionCache(cwd, canonical, options);
    state.resolution.caches.set(key, cache);
  }
  return cache;
}
