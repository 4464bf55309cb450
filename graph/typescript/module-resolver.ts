import { builtinModules } from 'node:module';
import * as path from 'node:path';
import type { ImportKind, WorkspacePath } from '../types';
import type { WorkspaceFiles } from '../workspace-files';
import { FileProbe } from './file-probe';
import { exportsTargets } from './package-exports';
import { TsconfigOptions, type ResolutionOptions } from './tsconfig-options';
import type { WorkspacePackage } from './workspace-packages';

/** Where one specifier leads. */
export type Resolution = { target: WorkspacePath } | { external: string; builtin?: true } | { unresolved: true };

const UNRESOLVED: Resolution = { unresolved: true };

/**
 * Resolves specifiers the way TypeScript's `bundler` resolution does for the importing file
 * (nearest tsconfig's `paths`/`baseUrl`, extension and index probing, `.js` written for `.ts`),
 * with workspace packages found by name instead of through node_modules. Probes the workspace
 * file set, never the disk, except to tell an installed package from a typo'd path alias.
 */
export class ModuleResolver {
  private readonly tsconfigs: TsconfigOptions;
  private readonly probe: FileProbe;
  private readonly builtins: ReadonlySet<string>;
  private readonly installed = new Map<string, boolean>();
  /**
   * Results by directory, then specifier (import and require conditions apart): every input of a
   * resolution but the file name. Nested maps keep lookups on the specifier strings themselves
   * (V8 caches their hash), which matters at 100k imports.
   */
  private readonly memo = new Map<string, { import: Map<string, Resolution>; require: Map<string, Resolution> }>();
  /** Bare specifiers do not depend on the directory, only on the options: memoised by options key. */
  private readonly bareMemo = new Map<string, { import: Map<string, Resolution>; require: Map<string, Resolution> }>();
  private readonly conditionSets = new Map<string, Set<string>>();

  constructor(
    private readonly ws: WorkspaceFiles,
    private readonly packages: ReadonlyMap<string, WorkspacePackage>,
  ) {
    this.tsconfigs = new TsconfigOptions(ws);
    this.probe = new FileProbe(ws);
    this.builtins = new Set(builtinModules);
  }

  /** The tsconfig options in force for a file (exposed for tests and `fleet` diagnostics). */
  optionsFor(file: string): ResolutionOptions {
    return this.tsconfigs.forFile(file);
  }

  resolve(from: WorkspacePath, specifier: string, kind: ImportKind): Resolution {
    return this.resolveIn(path.posix.dirname(from), from, specifier, kind);
  }

  /** {@link resolve} with the importing file's directory already computed (`dir` must be `dirname(from)`). */
  resolveIn(dir: string, from: WorkspacePath, specifier: string, kind: ImportKind): Resolution {
    let byDir = this.memo.get(dir);
    if (!byDir) {
      byDir = { import: new Map(), require: new Map() };
      this.memo.set(dir, byDir);
    }
    const memo = kind === 'require' ? byDir.require : byDir.import;
    let r = memo.get(specifier);
    if (r === undefined) {
      r = this.resolveUncached(from, specifier, kind);
      memo.set(specifier, r);
    }
    return r;
  }

  private resolveUncached(from: WorkspacePath, specifier: string, kind: ImportKind): Resolution {
    if (isRelative(specifier)) {
      // Joined by hand, not path.join: `..` and `./dir/` must stay visible as directory-only specifiers.
      const target = this.probe.fileOrDirectory(`${path.posix.dirname(from)}/${specifier}`);
      return target ? { target } : UNRESOLVED;
    }
    if (specifier.startsWith('/')) {
      const rel = path.relative(this.ws.root, specifier).split(path.sep).join('/');
      const target = rel.startsWith('..') ? undefined : this.probe.fileOrDirectory(rel);
      return target ? { target } : UNRESOLVED;
    }
    if (specifier.startsWith('node:')) return { external: specifier, builtin: true };
    if (this.builtins.has(specifier)) return { external: `node:${specifier}`, builtin: true };
    if (specifier.startsWith('#')) return this.viaImportsField(from, specifier, kind);
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier) || specifier === '') return UNRESOLVED;
    return this.resolveBare(from, specifier, kind);
  }

  private resolveBare(from: WorkspacePath, specifier: string, kind: ImportKind): Resolution {
    const options = this.tsconfigs.forFile(from);
    let byOptions = this.bareMemo.get(options.key);
    if (!byOptions) {
      byOptions = { import: new Map(), require: new Map() };
      this.bareMemo.set(options.key, byOptions);
    }
    const memo = kind === 'require' ? byOptions.require : byOptions.import;
    const known = memo.get(specifier);
    if (known) return known;
    const { resolution, dependsOnDirectory } = this.resolveBareUncached(from, specifier, kind, options);
    if (!dependsOnDirectory) memo.set(specifier, resolution);
    return resolution;
  }

  private resolveBareUncached(
    from: WorkspacePath,
    specifier: string,
    kind: ImportKind,
    options: ResolutionOptions,
  ): { resolution: Resolution; dependsOnDirectory?: true } {
    const aliased = options.paths ? this.viaPaths(options, specifier) : undefined;
    if (aliased?.target) return { resolution: { target: aliased.target } };
    if (options.baseUrl) {
      const target = this.probe.fileOrDirectory(path.posix.join(options.baseUrl, specifier));
      if (target) return { resolution: { target } };
    }
    const name = packageName(specifier);
    const pkg = this.packages.get(name);
    if (pkg) return { resolution: { target: this.inPackage(pkg, specifier.slice(name.length), kind, options) } };
    // A `paths` alias that matched but found no file is a broken alias, unless such a package is
    // installed (looked up from the importing file's folder, hence not memoised across folders).
    if (aliased?.matched)
      return { resolution: this.isInstalled(from, name) ? { external: name } : UNRESOLVED, dependsOnDirectory: true };
    return { resolution: { external: name } };
  }

  /** `#x` subpath imports: the `imports` field of the nearest package.json above the file. */
  private viaImportsField(from: WorkspacePath, specifier: string, kind: ImportKind): Resolution {
    for (let dir = path.posix.dirname(from); ; dir = path.posix.dirname(dir)) {
      const manifestFile = dir === '.' ? 'package.json' : `${dir}/package.json`;
      if (this.ws.has(manifestFile)) {
        const manifest = this.ws.readJson(manifestFile) as Record<string, unknown> | undefined;
        const imports = manifest?.imports;
        if (!imports || typeof imports !== 'object') return UNRESOLVED;
        const conditions = this.conditions(kind, this.tsconfigs.forFile(from));
        for (const t of exportsTargets({ ...imports }, specifier, conditions)) {
          if (!t.startsWith('./')) return { external: packageName(t) };
          const target = this.probe.packageField(path.posix.join(dir, t));
          if (target) return { target };
        }
        return UNRESOLVED;
      }
      if (dir === '.') return UNRESOLVED;
    }
  }

  private conditions(kind: ImportKind, options: ResolutionOptions): Set<string> {
    const key = `${kind === 'require' ? 'require' : 'import'}\0${options.key}`;
    let set = this.conditionSets.get(key);
    if (!set) {
      set = new Set(['types', kind === 'require' ? 'require' : 'import', ...options.customConditions]);
      this.conditionSets.set(key, set);
    }
    return set;
  }

  /** Tries the `paths` pattern that matches best (exact, else longest prefix), each substitution in order. */
  private viaPaths(options: ResolutionOptions, specifier: string): { matched: boolean; target?: string } {
    const paths = options.paths ?? {};
    let best: string | undefined;
    let star = '';
    if (Object.prototype.hasOwnProperty.call(paths, specifier) && !specifier.includes('*')) best = specifier;
    else {
      for (const key of Object.keys(paths)) {
        const i = key.indexOf('*');
        if (i === -1 || key.indexOf('*', i + 1) !== -1) continue;
        const prefix = key.slice(0, i);
        const suffix = key.slice(i + 1);
        if (
          specifier.length < prefix.length + suffix.length ||
          !specifier.startsWith(prefix) ||
          !specifier.endsWith(suffix)
        )
          continue;
        if (best === undefined || prefix.length > best.indexOf('*')) {
          best = key;
          star = specifier.slice(prefix.length, specifier.length - suffix.length);
        }
      }
    }
    if (best === undefined) return { matched: false };
    const base = options.pathsBase ?? '.';
    for (const sub of Array.isArray(paths[best]) ? paths[best] : []) {
      if (typeof sub !== 'string') continue;
      const target = this.probe.fileOrDirectory(path.posix.join(base, sub.split('*').join(star)));
      if (target) return { matched: true, target };
    }
    // A catch-all `*` alias matches every bare name: not finding a file through it says nothing.
    return { matched: best !== '*' };
  }

  /**
   * A workspace package's file for `subpath` (`''` or `/x`): `exports` under the import's
   * conditions, else `types`/`main`/index. When its entry is not on disk (an unbuilt `dist/`),
   * the package's package.json stands in, so the project edge is still there.
   */
  private inPackage(
    pkg: WorkspacePackage,
    subpath: string,
    kind: ImportKind,
    options: ResolutionOptions,
  ): WorkspacePath {
    const manifestFile = pkg.dir === '.' ? 'package.json' : `${pkg.dir}/package.json`;
    if (pkg.manifest.exports !== undefined) {
      for (const t of exportsTargets(pkg.manifest.exports, `.${subpath}`, this.conditions(kind, options))) {
        const found = this.probe.packageField(path.posix.join(pkg.dir, t));
        if (found) return found;
      }
      return manifestFile;
    }
    const rel = path.posix.join(pkg.dir, subpath);
    return (subpath ? this.probe.fileOrDirectory(rel) : this.probe.directory(rel)) ?? manifestFile;
  }

  private isInstalled(from: string, name: string): boolean {
    const key = `${path.posix.dirname(from)}\0${name}`;
    let found = this.installed.get(key);
    if (found === undefined) {
      found = false;
      for (let dir = path.join(this.ws.root, path.dirname(from)); ; dir = path.dirname(dir)) {
        if (this.ws.existsOutside(path.join(dir, 'node_modules', name))) {
          found = true;
          break;
        }
        if (path.dirname(dir) === dir) break;
      }
      this.installed.set(key, found);
    }
    return found;
  }
}

function isRelative(s: string): boolean {
  return s === '.' || s === '..' || s.startsWith('./') || s.startsWith('../');
}

/** `@scope/pkg/sub` → `@scope/pkg`; `pkg/sub` → `pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0];
}
