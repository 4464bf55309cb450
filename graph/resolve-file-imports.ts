import * as path from 'node:path';
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
export function resolveFileImports(
  resolver: ModuleResolver,
  file: WorkspacePath,
  hash: FileHash,
  raw: ExtractResult,
): CachedResolution {
  const dir = path.posix.dirname(file);
  const imports: ResolvedImport[] = new Array(raw.imports.length);
  for (let i = 0; i < raw.imports.length; i++) {
    const imp = raw.imports[i];
    const r =
      imp.kind === 'reference'
        ? resolveReference(resolver, file, imp)
        : resolver.resolveIn(dir, file, imp.specifier, imp.kind);
    const out: ResolvedImport = { specifier: imp.specifier, kind: imp.kind, line: imp.line };
    if ('target' in r) out.target = r.target;
    else if ('external' in r) out.external = r.external;
    imports[i] = out;
  }
  return { hash, imports, diagnostics: raw.diagnostics };
}
