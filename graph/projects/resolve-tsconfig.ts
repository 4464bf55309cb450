import * as posix from 'node:path/posix';
import type { Diagnostic, WorkspacePath } from '../types';
import { DiagnosticCodes, objectAt, readJson, stringsAt } from './read-json';
import type { WorkspaceReader } from './types';

/** What inference needs from a tsconfig after following its `extends` chain. */
export interface ResolvedTsconfig {
  file: WorkspacePath;
  /** The file and every workspace file it extends, nearest first. */
  chain: WorkspacePath[];
  /** npm packages it extends (`@tsconfig/node20`): external inputs of the targets that read it. */
  extendsPackages: string[];
  noEmit: boolean;
  /** Output folders, workspace-relative, resolved against the file that set them. */
  outDir?: WorkspacePath;
  declarationDir?: WorkspacePath;
  tsBuildInfoFile?: WorkspacePath;
  rootDir?: WorkspacePath;
  /** `composite` or `incremental`: tsc writes a .tsbuildinfo file. */
  incremental: boolean;
  /** A solution-style file (`"files": []`, no `include`): it only lists references. */
  solution: boolean;
  /** `exclude` of the nearest file in the chain that sets it (tsc inherits it the same way). */
  exclude?: string[];
  /** Workspace-relative paths of referenced tsconfig files. */
  references: WorkspacePath[];
  diagnostics: Diagnostic[];
}

const PATH_OPTIONS = ['outDir', 'declarationDir', 'tsBuildInfoFile', 'rootDir'] as const;

/** Reads a tsconfig and its `extends` chain; a bad file in the chain is a diagnostic, not a throw. */
export function resolveTsconfig(reader: WorkspaceReader, file: WorkspacePath): ResolvedTsconfig {
  const out: ResolvedTsconfig = {
    file,
    chain: [],
    extendsPackages: [],
    noEmit: false,
    incremental: false,
    solution: false,
    references: [],
    diagnostics: [],
  };
  const seen = new Set<string>();
  // Walk nearest first; an option is taken from the nearest file that sets it, as tsc does.
  const options: Record<string, unknown> = {};
  let files: unknown;
  let include: unknown;
  let exclude: unknown;
  const queue: Array<{ current: WorkspacePath; from?: WorkspacePath }> = [{ current: file }];
  for (let i = 0; i < queue.length; i++) {
    const { current, from } = queue[i];
    if (seen.has(current)) continue;
    seen.add(current);
    const read = readJson(reader, current, DiagnosticCodes.tsconfig, true);
    if (read.kind === 'invalid') out.diagnostics.push(read.diagnostic);
    if (read.kind !== 'ok') {
      if (read.kind === 'missing' && from) out.diagnostics.push(missingExtends(from, current));
      continue;
    }
    out.chain.push(current);
    const json = read.value;
    if (i === 0) out.references = referencesOf(json, current);
    files ??= json.files;
    include ??= json.include;
    exclude ??= json.exclude;
    const compilerOptions = objectAt(json, 'compilerOptions');
    for (const [k, v] of Object.entries(compilerOptions)) {
      if (k in options) continue;
      options[k] =
        PATH_OPTIONS.includes(k as (typeof PATH_OPTIONS)[number]) && typeof v === 'string'
          ? resolvePath(current, v)
          : v;
    }
    for (const ext of extendsOf(json)) {
      if (ext.startsWith('.') || ext.startsWith('/'))
        queue.push({ current: extendsFile(reader, current, ext), from: current });
      else out.extendsPackages.push(packageNameOf(ext));
    }
  }
  out.noEmit = options.noEmit === true;
  out.incremental = options.composite === true || options.incremental === true;
  for (const k of PATH_OPTIONS) if (typeof options[k] === 'string') out[k] = options[k] as string;
  if (Array.isArray(exclude)) out.exclude = exclude.filter((x): x is string => typeof x === 'string');
  out.solution = Array.isArray(files) && files.length === 0 && include === undefined;
  return out;
}

function extendsOf(json: Record<string, unknown>): string[] {
  if (typeof json.extends === 'string') return [json.extends];
  return stringsAt(json, 'extends') ?? [];
}

function referencesOf(json: Record<string, unknown>, from: WorkspacePath): WorkspacePath[] {
  const refs = Array.isArray(json.references) ? json.references : [];
  return refs
    .map((r) => (r && typeof r === 'object' ? (r as { path?: unknown }).path : undefined))
    .filter((p): p is string => typeof p === 'string')
    .map((p) => {
      const resolved = resolvePath(from, p);
      return resolved.endsWith('.json') ? resolved : posix.join(resolved, 'tsconfig.json');
    });
}

/** Resolves `p`, written in tsconfig `from`, to a workspace-relative path. */
function resolvePath(from: WorkspacePath, p: string): WorkspacePath {
  return posix.normalize(posix.join(posix.dirname(from), p)).replace(/\/$/, '');
}

function extendsFile(reader: WorkspaceReader, from: WorkspacePath, ext: string): WorkspacePath {
  const resolved = resolvePath(from, ext);
  if (resolved.endsWith('.json') || reader.readFile(resolved) !== undefined) return resolved;
  return `${resolved}.json`;
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function missingExtends(from: WorkspacePath, target: WorkspacePath): Diagnostic {
  return {
    file: from,
    code: DiagnosticCodes.tsconfigExtends,
    message: `${from}: "extends" names ${target}, which does not exist`,
  };
}
