import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspaceFiles } from '../workspace-files';

/** The compiler options that affect module resolution, with paths made workspace-relative. */
export interface ResolutionOptions {
  /** Workspace-relative tsconfig that applies (undefined: no tsconfig, TypeScript's defaults). */
  configFile?: string;
  baseUrl?: string;
  paths?: Record<string, string[]>;
  /** Where `paths` targets are relative to: baseUrl if set, else the directory of the tsconfig that declared `paths`. */
  pathsBase?: string;
  customConditions: string[];
  /** Identity of the options that matter to bare specifiers: configs extending one base share it. */
  key: string;
}

interface RawOptions {
  baseUrl?: string;
  paths?: Record<string, string[]>;
  pathsBase?: string;
  customConditions?: string[];
}

const EMPTY: ResolutionOptions = { customConditions: [], key: '{}' };

/**
 * Finds and loads the tsconfig that applies to a file: the nearest `tsconfig.json` (or
 * `jsconfig.json`) walking up to the workspace root, where `tsconfig.base.json` also counts
 * (the Nx convention). `extends` chains are followed, including package specifiers. A config
 * that cannot be parsed yields one diagnostic and the files under it resolve with defaults.
 */
export class TsconfigOptions {
  private readonly byDir = new Map<string, ResolutionOptions>();
  private readonly byConfig = new Map<string, RawOptions>();

  constructor(private readonly ws: WorkspaceFiles) {}

  forFile(file: string): ResolutionOptions {
    return this.forDir(path.posix.dirname(file));
  }

  private forDir(dir: string): ResolutionOptions {
    const cached = this.byDir.get(dir);
    if (cached) return cached;
    const prefix = dir === '.' ? '' : `${dir}/`;
    const candidates = ['tsconfig.json', 'jsconfig.json', ...(dir === '.' ? ['tsconfig.base.json'] : [])];
    const found = candidates.map((n) => prefix + n).find((f) => this.ws.has(f));
    let result: ResolutionOptions;
    if (found) {
      const raw = this.load(path.join(this.ws.root, found), new Set());
      const picked = pick(raw);
      const customConditions = raw.customConditions ?? [];
      result = { configFile: found, customConditions, ...picked, key: JSON.stringify([picked, customConditions]) };
    } else if (dir === '.' || dir === '' || dir.startsWith('..')) result = EMPTY;
    else result = this.forDir(path.posix.dirname(dir));
    this.byDir.set(dir, result);
    return result;
  }

  /** Loads one config file (absolute path) with its `extends` chain; paths come out workspace-relative. */
  private load(abs: string, seen: Set<string>): RawOptions {
    const cached = this.byConfig.get(abs);
    if (cached) return cached;
    if (seen.has(abs)) return {};
    seen.add(abs);
    const rel = path.relative(this.ws.root, abs).split(path.sep).join('/');
    const inside = !rel.startsWith('..') && !rel.split('/').includes('node_modules') && this.ws.has(rel);
    const json = (inside ? this.ws.readJson(rel) : this.ws.readExternalJson(abs)) as
      Record<string, unknown> | undefined;
    let merged: RawOptions = {};
    if (json && typeof json === 'object') {
      const ext = json.extends;
      for (const spec of Array.isArray(ext) ? ext : typeof ext === 'string' ? [ext] : []) {
        if (typeof spec !== 'string') continue;
        const base = resolveExtends(spec, path.dirname(abs));
        if (base) merged = { ...merged, ...definedOnly(this.load(base, seen)) };
        else {
          // Recorded as an input so that installing the package later is noticed by the cache.
          if (!spec.startsWith('.') && !path.isAbsolute(spec))
            this.ws.existsOutside(path.join(this.ws.root, 'node_modules', spec));
          this.ws.diagnostics.push({
            file: rel,
            code: 'TSCONFIG_EXTENDS_NOT_FOUND',
            message: `cannot find "${spec}" named in extends`,
          });
        }
      }
      merged = { ...merged, ...definedOnly(this.own(json.compilerOptions, path.dirname(abs))) };
    }
    this.byConfig.set(abs, merged);
    return merged;
  }

  private own(options: unknown, dirAbs: string): RawOptions {
    if (!options || typeof options !== 'object') return {};
    const o = options as Record<string, unknown>;
    const dir = path.relative(this.ws.root, dirAbs).split(path.sep).join('/') || '.';
    const out: RawOptions = {};
    if (typeof o.baseUrl === 'string') out.baseUrl = path.posix.normalize(path.posix.join(dir, o.baseUrl));
    if (o.paths && typeof o.paths === 'object') {
      out.paths = o.paths as Record<string, string[]>;
      out.pathsBase = dir;
    }
    if (Array.isArray(o.customConditions))
      out.customConditions = o.customConditions.filter((c) => typeof c === 'string');
    return out;
  }
}

function pick(raw: RawOptions): Omit<ResolutionOptions, 'customConditions' | 'key'> {
  // TypeScript resolves `paths` against baseUrl when one is set (wherever it was declared).
  const pathsBase = raw.paths ? (raw.baseUrl ?? raw.pathsBase) : undefined;
  return definedOnly({ baseUrl: raw.baseUrl, paths: raw.paths, pathsBase });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Resolves an `extends` value like TypeScript: a path, or a package (its `tsconfig` field or tsconfig.json). */
function resolveExtends(spec: string, fromDir: string): string | undefined {
  if (spec.startsWith('.') || path.isAbsolute(spec)) {
    const p = path.resolve(fromDir, spec);
    return [p, `${p}.json`].find(isFile);
  }
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const base = path.join(dir, 'node_modules', spec);
    const direct = [base, `${base}.json`].find(isFile);
    if (direct) return direct;
    const pkg = readJsonFile(path.join(base, 'package.json')) as { tsconfig?: unknown } | undefined;
    if (pkg && typeof pkg.tsconfig === 'string' && isFile(path.join(base, pkg.tsconfig)))
      return path.join(base, pkg.tsconfig);
    if (isFile(path.join(base, 'tsconfig.json'))) return path.join(base, 'tsconfig.json');
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readJsonFile(p: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
}
