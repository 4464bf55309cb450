import * as path from 'node:path';
import type { WorkspacePath } from '../types';
import type { WorkspaceFiles } from '../workspace-files';

/** Extensions TypeScript appends to an extensionless candidate, in its order (bundler, allowJs). */
const APPENDED = ['.ts', '.tsx', '.d.ts', '.js', '.jsx'];

/** What TypeScript tries in place of a written extension (`./a.js` may be `a.ts`). */
const REPLACED: Record<string, string[]> = {
  '.mjs': ['.mts', '.d.mts', '.mjs'],
  '.mts': ['.mts', '.d.mts', '.mjs'],
  '.d.mts': ['.mts', '.d.mts', '.mjs'],
  '.cjs': ['.cts', '.d.cts', '.cjs'],
  '.cts': ['.cts', '.d.cts', '.cjs'],
  '.d.cts': ['.cts', '.d.cts', '.cjs'],
  '.json': ['.d.json.ts', '.json'],
  '.tsx': ['.tsx', '.ts', '.d.ts', '.jsx', '.js'],
  '.jsx': ['.tsx', '.ts', '.d.ts', '.jsx', '.js'],
  '.ts': APPENDED,
  '.d.ts': APPENDED,
  '.js': APPENDED,
};

const TS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.d.mts', '.d.cts'];

/** The written extension of a path's base name, treating `.d.ts`-style as one extension. */
function extensionOf(p: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const m = /\.d\.[mc]?ts$/.exec(base);
  if (m) return m[0];
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

/** TypeScript's file/directory probing, over the workspace file set. */
export class FileProbe {
  constructor(private readonly ws: WorkspaceFiles) {}

  /** A candidate path (workspace-relative, may hold `..`) as a file, else as a directory; pass it unnormalised. */
  fileOrDirectory(candidate: string): WorkspacePath | undefined {
    const p = path.posix.normalize(candidate).replace(/\/+$/, '') || '.';
    if (p.startsWith('../') || p === '..') return undefined;
    // `./dir/` (or `.`, `..`) names a directory; TypeScript does not try it as a file.
    if (p === '.' || /(^|\/)\.{0,2}$/.test(candidate)) return this.directory(p);
    return this.file(p) ?? this.directory(p);
  }

  file(p: string): WorkspacePath | undefined {
    const slash = p.lastIndexOf('/');
    if (!this.ws.hasDir(slash === -1 ? '.' : p.slice(0, slash))) return undefined;
    const ext = extensionOf(p);
    if (ext) {
      const stem = p.slice(0, p.length - ext.length);
      const replaced = REPLACED[ext] ?? [`.d${ext}.ts`];
      for (const e of replaced) if (this.ws.has(stem + e)) return stem + e;
    }
    for (const e of APPENDED) if (this.ws.has(p + e)) return p + e;
    // Not TypeScript: an existing asset (`./styles.css`, `./logo.svg`) is still a dependency.
    return ext && !REPLACED[ext] && this.ws.has(p) ? p : undefined;
  }

  /** A directory: its package.json `types`/`typings`/`main`, else its index file. */
  directory(dir: string): WorkspacePath | undefined {
    if (!this.ws.hasDir(dir)) return undefined;
    const prefix = dir === '.' || dir === '' ? '' : `${dir}/`;
    const manifestFile = `${prefix}package.json`;
    if (this.ws.has(manifestFile)) {
      const m = this.ws.readJson(manifestFile) as Record<string, unknown> | undefined;
      for (const field of ['types', 'typings', 'main']) {
        const value = m?.[field];
        if (typeof value !== 'string' || value === '') continue;
        const found = this.packageField(path.posix.join(dir, value));
        if (found) return found;
      }
    }
    for (const e of APPENDED) if (this.ws.has(`${prefix}index${e}`)) return `${prefix}index${e}`;
    return undefined;
  }

  /** A package.json field or `exports` target: exact for TypeScript files, else probed like a file, then a directory. */
  packageField(candidate: string): WorkspacePath | undefined {
    const p = path.posix.normalize(candidate);
    if (p.startsWith('../')) return undefined;
    if (TS_EXTENSIONS.includes(extensionOf(p))) return this.ws.has(p) ? p : undefined;
    return this.file(p) ?? (extensionOf(p) ? undefined : this.directory(p));
  }
}
