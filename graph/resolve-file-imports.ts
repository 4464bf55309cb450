import type { CachedResolution } from './file-graph-cache';
import type { ExtractResult, FileHash, RawImport, ResolvedImport, WorkspacePath } from './types';
import type { ModuleResolver, Resolution } from './typescript/module-resolver';

const PATH_LIKE = /\.(?:d\.)?[cm]?[jt]sx?$/;

/**
 * A triple-slash reference: `path="x.d.ts"` is relative to the file even without `./`;
 * `types="node"` names a types package (TypeScript looks in `@types/`).
 */
function resolveReference(resolver: ModuleResolver, file: WorkspacePath, imp: RawImport): Resolution {
  const s = imp.specifier;
  if (PATH_LIKE.test(s) || s.startsWith('.') || s.startsWith('/')) {
    return resolver.resolve(file, s.startsWith('.') || s.startsWith('/') ? s : `./${s}`, imp.kind);
  }
  const r = resolver.resolve(file, s, imp.kind);
  if (!('external' in r) || r.builtin || r.external.startsWith('@types/')) return r;
  return { external: `@types/${r.external.startsWith('@') ? r.external.slice(1).replace('/', '__') : r.external}` };
}

/** Resolves one file's extracted imports. */
export function resolveFileImports(resolver: ModuleResolver, file: WorkspacePath, hash: FileHash, raw: ExtractResult): CachedResolution {
  const imports: ResolvedImport[] = raw.imports.map((imp) => {
    const r = imp.kind === 'reference' ? resolveReference(resolver, file, imp) : resolver.resolve(file, imp.specifier, imp.kind);
    if ('target' in r) return { ...imp, target: r.target };
    if ('external' in r) return { ...imp, external: r.external };
    return { ...imp };
  });
  return { hash, imports, diagnostics: raw.diagnostics };
}
