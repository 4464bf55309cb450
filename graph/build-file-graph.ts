import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzerFor } from './analyzers';
import { discoverFilesAsync, isSkippedPath } from './discover-files';
import { FileGraphCache, type CachedResolution, type ResolutionContext } from './file-graph-cache';
import { fleetVersion } from './fleet-version';
import { globToRegExp } from './glob-to-regexp';
import { hashContent, type ParseJob } from './parse-file';
import { parseFiles } from './parse-files';
import { isConfigFile, outsideUnchanged, resolutionContextKey, validateConfigs } from './resolution-context';
import { resolveFileImports } from './resolve-file-imports';
import type { AnalyzedFile, Diagnostic, ExtractResult, FileGraph, FileHash, WorkspacePath } from './types';
import { ModuleResolver } from './typescript/module-resolver';
import { findWorkspacePackages, type WorkspacePackage } from './typescript/workspace-packages';
import { WorkspaceFiles } from './workspace-files';

export interface BuildFileGraphOptions {
  workspaceRoot: string;
  /** The workspace's files (Nx's file map gives them with hashes); discovered with git when absent. */
  files?: { file: string; hash?: string }[];
  /** Only these files' imports are returned (Nx's `filesToProcess`); all source files when absent. */
  filesToProcess?: string[];
  /** Cache folder; default `<root>/.nx/workspace-data/nx-fleet` (or NX_WORKSPACE_DATA_DIRECTORY); false: no cache. */
  cacheDir?: string | false;
  /** Number of files to parse from which parsing runs on a piscina pool (default 3000). */
  parallelThreshold?: number;
  /** The pool is used only on machines with at least this many cores (default 4; see parse-files.ts). */
  parallelMinCores?: number;
  /** Workspace-relative globs to leave out of the graph entirely. */
  exclude?: string[];
}

export const DEFAULT_PARALLEL_THRESHOLD = 3000;

/** node_modules, dist, .git, .nx anywhere in a path (a regex: this runs on every file of every build). */

/** Sorted copy; git and Nx already list files sorted, so check before paying for a sort. */
function sortedPaths(paths: string[]): string[] {
  for (let i = 1; i < paths.length; i++) if (paths[i - 1] > paths[i]) return paths.sort();
  return paths;
}

/** Where the cache goes by default: Nx's workspace data folder, as Nx itself computes it. */
export function defaultCacheDir(root: string): string {
  const configured = process.env.NX_WORKSPACE_DATA_DIRECTORY ?? process.env.NX_PROJECT_GRAPH_CACHE_DIRECTORY;
  return path.join(configured ? path.resolve(root, configured) : path.join(root, '.nx', 'workspace-data'), 'nx-fleet');
}

function isSource(file: string): boolean {
  // Only TypeScript/JavaScript is resolved today; other analyzers get their resolvers with their issues.
  return analyzerFor(file)?.language === 'typescript';
}

function rawKey(file: string, hash: FileHash): string {
  // Extraction depends on the content and on the extension (JSX or not, declaration or not).
  return `${hash}:${path.posix.extname(file)}${file.includes('.d.') ? 'd' : ''}`;
}

/**
 * Builds the file-level import graph of a workspace, reusing the on-disk cache: extraction is
 * cached by content hash, resolution by (content hash, resolution context key); see
 * resolution-context.ts for when resolutions are reused. Never throws for bad files: they come
 * back as diagnostics.
 */
export async function buildFileGraph(options: BuildFileGraphOptions): Promise<FileGraph> {
  const root = path.resolve(options.workspaceRoot);
  const excluded = (options.exclude ?? []).map((g) => globToRegExp(g));
  const listed = options.files ?? (await discoverFilesAsync(root));
  const entries = listed.filter(
    ({ file }) => !isSkippedPath(file) && (excluded.length === 0 || !excluded.some((r) => r.test(file))),
  );
  const files = sortedPaths(entries.map((e) => e.file));
  const version = fleetVersion();
  const cache =
    options.cacheDir === false ? undefined : new FileGraphCache(options.cacheDir ?? defaultCacheDir(root), version);
  const hashes = knownHashes(root, entries, cache);
  const wanted = options.filesToProcess ? new Set(options.filesToProcess) : undefined;
  const processSet = wanted ? files.filter((f) => wanted.has(f) && isSource(f)) : files.filter(isSource);
  const configHashes = hashConfigFiles(root, files, hashes, cache);
  const key = resolutionContextKey(version, files, configHashes);
  const previous = cache?.context;
  const contextChanged = !previous || previous.key !== key || !outsideUnchanged(previous.outside);
  const ws = new WorkspaceFiles(root, new Set(files));
  let resolver: ModuleResolver | undefined;
  let context = previous as ResolutionContext;
  if (contextChanged) {
    const packages = findWorkspacePackages(ws);
    resolver = new ModuleResolver(ws, packages);
    context = newContext(ws, resolver, key, files, packages);
    cache?.setContext(context);
  }

  const { reused, jobs } = planWork(processSet, hashes, cache);
  const parsed = await parseFiles(
    root,
    jobs,
    options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD,
    options.parallelMinCores,
  );
  const raws = collectRaws(processSet, parsed.outputs, hashes, reused, cache);
  if (raws.size > 0) resolver ??= new ModuleResolver(ws, new Map(context.packages));
  const graphFiles: Record<WorkspacePath, AnalyzedFile> = {};
  const diagnostics: Diagnostic[] = [...context.diagnostics];
  for (const file of processSet) {
    const hash = hashes.get(file);
    if (hash === undefined) continue; // deleted since it was listed
    const hit = reused.get(file);
    const entry: CachedResolution =
      hit ?? resolveFileImports(resolver as ModuleResolver, file, hash, raws.get(file) as ExtractResult);
    if (!hit) cache?.setResolved(file, entry);
    const fileDiagnostics = entry.diagnostics.length === 0 ? [] : entry.diagnostics.map((d) => ({ file, ...d }));
    graphFiles[file] = { hash, imports: entry.imports, diagnostics: fileDiagnostics };
    if (fileDiagnostics.length > 0) diagnostics.push(...fileDiagnostics);
  }
  // Problems met while resolving (not while the context was built) are reported, not cached.
  diagnostics.push(...ws.diagnostics);
  if (cache) flushCache(cache, context, ws, hashes, diagnostics);
  return {
    files: graphFiles,
    diagnostics,
    stats: {
      files: files.length,
      processed: Object.keys(graphFiles).length,
      parsed: jobs.length,
      resolved: raws.size,
      parallel: parsed.parallel,
      contextChanged,
    },
  };
}

/** Hashes known without reading: given by the caller (Nx), or from the stat cache when mtime and size match. */
function knownHashes(
  root: string,
  entries: { file: string; hash?: string }[],
  cache: FileGraphCache | undefined,
): Map<string, FileHash> {
  const hashes = new Map<string, FileHash>();
  const stats = cache?.stats();
  for (const { file, hash } of entries) {
    if (hash) {
      hashes.set(file, hash);
      continue;
    }
    // Only sources and config files need a hash; the stat cache holds no other entries.
    const cached = stats?.entries[file];
    if (!cached) continue;
    // A file changed within a second of the cache write may have kept its mtime: re-hash it (git's "racy clean").
    if (cached[0] >= stats.writtenAt - 1000) continue;
    const st = fs.statSync(`${root}/${file}`, { throwIfNoEntry: false });
    if (st && st.mtimeMs === cached[0] && st.size === cached[1]) hashes.set(file, cached[2]);
  }
  return hashes;
}

/** Config files are few; their hashes go into the context key, so hash the unknown ones now. */
function hashConfigFiles(
  root: string,
  files: string[],
  hashes: Map<string, FileHash>,
  cache: FileGraphCache | undefined,
): Map<string, FileHash> {
  const out = new Map<string, FileHash>();
  for (const file of files) {
    if (!isConfigFile(file)) continue;
    let hash = hashes.get(file);
    if (hash === undefined) {
      try {
        const abs = path.join(root, file);
        const st = fs.statSync(abs);
        hash = hashContent(fs.readFileSync(abs));
        cache?.setStat(file, st.mtimeMs, st.size, hash);
        hashes.set(file, hash);
      } catch {
        continue;
      }
    }
    out.set(file, hash);
  }
  return out;
}

/** A new resolution context: every config file is parsed and every tsconfig's `extends` chain loaded, once. */
function newContext(
  ws: WorkspaceFiles,
  resolver: ModuleResolver,
  key: string,
  files: string[],
  packages: Map<string, WorkspacePackage>,
): ResolutionContext {
  validateConfigs(ws, files);
  for (const f of files)
    if (/(?:^|\/)(?:[tj]sconfig\.json|tsconfig\.base\.json)$/.test(f) && isConfigFile(f)) resolver.optionsFor(f);
  return { key, outside: [], diagnostics: ws.diagnostics.splice(0), packages: [...packages] };
}

/** Splits the files to process into cached resolutions and parse jobs. */
function planWork(processSet: string[], hashes: Map<string, FileHash>, cache: FileGraphCache | undefined) {
  const reused = new Map<string, CachedResolution>();
  const jobs: ParseJob[] = [];
  for (const file of processSet) {
    const hash = hashes.get(file);
    if (hash !== undefined && cache) {
      const hit = cache.getResolved(file);
      if (hit && hit.hash === hash) {
        reused.set(file, hit);
        continue;
      }
      if (cache.getRaw(rawKey(file, hash))) continue;
    }
    jobs.push({ file, hash, analyze: true });
  }
  return { reused, jobs };
}

/** The extraction of every file that needs resolving: fresh from parsing, else from the cache. */
function collectRaws(
  processSet: string[],
  outputs: Awaited<ReturnType<typeof parseFiles>>['outputs'],
  hashes: Map<string, FileHash>,
  reused: Map<string, CachedResolution>,
  cache: FileGraphCache | undefined,
): Map<string, ExtractResult> {
  const raws = new Map<string, ExtractResult>();
  for (const out of outputs) {
    if (out.missing || !out.hash || !out.raw) continue;
    if (!hashes.has(out.file)) {
      hashes.set(out.file, out.hash);
      if (out.mtimeMs !== undefined && out.size !== undefined)
        cache?.setStat(out.file, out.mtimeMs, out.size, out.hash);
    }
    cache?.setRaw(rawKey(out.file, out.hash), out.raw);
    raws.set(out.file, out.raw);
  }
  for (const file of processSet) {
    const hash = hashes.get(file);
    if (raws.has(file) || reused.has(file) || hash === undefined) continue;
    const raw = cache?.getRaw(rawKey(file, hash));
    if (raw) raws.set(file, raw);
  }
  return raws;
}

function flushCache(
  cache: FileGraphCache,
  context: ResolutionContext,
  ws: WorkspaceFiles,
  hashes: Map<string, FileHash>,
  diagnostics: Diagnostic[],
): void {
  const fresh = [...ws.externalInputs.values()].filter((o) => !context.outside.some((c) => c.path === o.path));
  if (fresh.length > 0) cache.addOutsideInputs(fresh);
  try {
    cache.flush({ files: ws, hashes: new Set(hashes.values()) });
  } catch (err) {
    diagnostics.push({
      file: path.relative(ws.root, cache.dir) || '.',
      code: 'CACHE_WRITE_FAILED',
      message: `cannot write the file-graph cache: ${(err as Error).message}`,
    });
  }
}
