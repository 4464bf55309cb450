import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspacePackage } from './typescript/workspace-packages';
import type { Diagnostic, ExtractResult, FileHash, FileProblem, ResolvedImport } from './types';
import { packResolution, unpackResolution, type PackedResolution } from './packed-resolution';
import { writeFileAtomic } from './write-file-atomic';

/** Bump when the cached shapes or the extraction/resolution rules change. */
export const CACHE_FORMAT_VERSION = 4;
const SHARDS = 64;

/** A file or folder outside the file set that resolution looked at; rechecked before reusing resolutions. */
export interface OutsideInput {
  path: string;
  mtimeMs?: number;
  size?: number;
  exists?: boolean;
}

/** The resolution context: everything resolution depends on besides the importing file itself. */
export interface ResolutionContext {
  key: string;
  outside: OutsideInput[];
  /** Config-file diagnostics (tsconfig.json, package.json) found when this context was built. */
  diagnostics: Diagnostic[];
  /** The workspace packages by name (a function of the context, so kept with it: reading 500 manifests per call is not free). */
  packages: [string, WorkspacePackage][];
}

/** One file's resolved imports, valid for the context key of its shard while its hash is unchanged. */
export interface CachedResolution {
  hash: FileHash;
  imports: ResolvedImport[];
  diagnostics: FileProblem[];
}

interface Meta {
  version: number;
  fleetVersion: string;
  context?: ResolutionContext;
}

interface StatFile {
  writtenAt: number;
  entries: Record<string, [number, number, FileHash]>;
}

type Shard<T> = { context?: string; entries: Record<string, T> };

function shardOf(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return String((h >>> 0) % SHARDS).padStart(2, '0');
}

function packShard(shard: Shard<CachedResolution>): Shard<PackedResolution> {
  const entries: Record<string, PackedResolution> = {};
  for (const [file, r] of Object.entries(shard.entries)) entries[file] = packResolution(r);
  return { context: shard.context, entries };
}

function unpackShard<T>(shard: Shard<T>): Shard<T> {
  const entries: Record<string, CachedResolution> = {};
  for (const [file, p] of Object.entries(shard.entries as Record<string, unknown>))
    entries[file] = unpackResolution(p as PackedResolution);
  return { context: shard.context, entries: entries as Record<string, T> };
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The on-disk cache of the file graph, in `dir`:
 * - `raw/NN.json`: extraction results by `<content hash>:<extension>` (extraction depends on nothing else);
 * - `resolved/NN.json`: per path, the resolved imports under one resolution context key;
 * - `stat.json`: path → [mtime, size, hash], to skip hashing unchanged files when no hashes are given;
 * - `meta.json`: format version, nx-fleet version (a mismatch discards everything) and the context.
 * Shards are loaded on demand and written atomically (temp file + rename) only when changed.
 */
export class FileGraphCache {
  private readonly raw = new Map<string, Shard<ExtractResult>>();
  private readonly resolved = new Map<string, Shard<CachedResolution>>();
  private readonly dirty = new Set<string>();
  private meta: Meta;
  private statFile: StatFile | undefined;
  private statDirty = false;

  constructor(
    readonly dir: string,
    private readonly fleetVersion: string,
  ) {
    const meta = readJson<Meta>(path.join(dir, 'meta.json'));
    if (meta && meta.version === CACHE_FORMAT_VERSION && meta.fleetVersion === fleetVersion) this.meta = meta;
    else {
      // Another format or version: nothing in it can be trusted.
      for (const sub of ['raw', 'resolved', 'stat.json', 'meta.json'])
        fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
      this.meta = { version: CACHE_FORMAT_VERSION, fleetVersion };
      this.dirty.add('meta');
    }
  }

  get context(): ResolutionContext | undefined {
    return this.meta.context;
  }

  setContext(context: ResolutionContext): void {
    this.meta = { ...this.meta, context };
    this.resolved.clear(); // shards of another context read as empty from now on
    this.dirty.add('meta');
  }

  /** Records more outside inputs of the current context (found by later, partial builds). */
  addOutsideInputs(inputs: OutsideInput[]): void {
    const context = this.meta.context;
    if (!context) return;
    this.meta = { ...this.meta, context: { ...context, outside: [...context.outside, ...inputs] } };
    this.dirty.add('meta');
  }

  stats(): StatFile {
    this.statFile ??= readJson<StatFile>(path.join(this.dir, 'stat.json')) ?? { writtenAt: 0, entries: {} };
    return this.statFile;
  }

  setStat(file: string, mtimeMs: number, size: number, hash: FileHash): void {
    this.stats().entries[file] = [mtimeMs, size, hash];
    this.statDirty = true;
  }

  getRaw(key: string): ExtractResult | undefined {
    return this.shard(this.raw, 'raw', shardOf(key)).entries[key];
  }

  setRaw(key: string, value: ExtractResult): void {
    const id = shardOf(key);
    this.shard(this.raw, 'raw', id).entries[key] = value;
    this.dirty.add(`raw/${id}`);
  }

  getResolved(file: string): CachedResolution | undefined {
    const shard = this.shard(this.resolved, 'resolved', shardOf(file));
    return shard.context === this.meta.context?.key ? shard.entries[file] : undefined;
  }

  setResolved(file: string, value: CachedResolution): void {
    const id = shardOf(file);
    const shard = this.shard(this.resolved, 'resolved', id);
    if (shard.context !== this.meta.context?.key) {
      shard.context = this.meta.context?.key;
      shard.entries = {};
    }
    shard.entries[file] = value;
    this.dirty.add(`resolved/${id}`);
  }

  private shard<T>(map: Map<string, Shard<T>>, kind: string, id: string): Shard<T> {
    let shard = map.get(id);
    if (!shard) {
      shard = readJson<Shard<T>>(path.join(this.dir, kind, `${id}.json`)) ?? { entries: {} };
      if (kind === 'resolved')
        shard =
          shard.context === this.meta.context?.key
            ? unpackShard(shard)
            : { context: this.meta.context?.key, entries: {} };
      map.set(id, shard);
    }
    return shard;
  }

  /**
   * Writes what changed. `live`, when given, prunes entries of files (and content hashes) that are
   * gone, from the shards being written anyway (so the cache does not grow without bound).
   */
  flush(live?: { files: { has(file: string): boolean }; hashes: ReadonlySet<string> }): void {
    fs.mkdirSync(this.dir, { recursive: true });
    for (const name of this.dirty) {
      if (name === 'meta') continue;
      const [kind, id] = name.split('/');
      const shard = (kind === 'raw' ? this.raw : this.resolved).get(id) as Shard<unknown>;
      if (live) {
        for (const k of Object.keys(shard.entries)) {
          // Raw keys are `<hash>:<extension>`.
          const alive = kind === 'raw' ? live.hashes.has(k.slice(0, k.lastIndexOf(':'))) : live.files.has(k);
          if (!alive) delete shard.entries[k];
        }
      }
      writeFileAtomic(
        path.join(this.dir, kind, `${id}.json`),
        JSON.stringify(kind === 'resolved' ? packShard(shard as Shard<CachedResolution>) : shard),
      );
    }
    if (this.statDirty && this.statFile) {
      if (live)
        for (const k of Object.keys(this.statFile.entries)) if (!live.files.has(k)) delete this.statFile.entries[k];
      this.statFile.writtenAt = Date.now();
      writeFileAtomic(path.join(this.dir, 'stat.json'), JSON.stringify(this.statFile));
    }
    if (this.dirty.has('meta')) writeFileAtomic(path.join(this.dir, 'meta.json'), JSON.stringify(this.meta));
    this.dirty.clear();
    this.statDirty = false;
  }
}
