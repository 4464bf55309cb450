/**
 * Types shared by the file-graph engine, the plugin and the CLI. Types only: no code here.
 * The JSON shapes printed by `fleet graph --json` and `fleet imports --json` are built from
 * these and documented in docs/json-output.md; they are the contract.
 */

/** A workspace-relative path with forward slashes, e.g. `libs/core/src/index.ts`. */
export type WorkspacePath = string & { readonly __brand?: 'WorkspacePath' };

/** Content hash of one file (Nx's file hash where Nx gave one, else our own). Not a task hash. */
export type FileHash = string & { readonly __brand?: 'FileHash' };

/** How an import was written. */
export type ImportKind = 'static' | 'dynamic' | 'require' | 'type' | 'reference';

/** One import as written in a source file, before resolution. */
export interface RawImport {
  specifier: string;
  kind: ImportKind;
  /** 1-based line of the specifier. */
  line: number;
}

/** One import after resolution: to a workspace file, an external package, or nothing. */
export interface ResolvedImport extends RawImport {
  /** The workspace file it resolves to, when it resolves inside the workspace. */
  target?: WorkspacePath;
  /** The npm package name (e.g. `react`, `@scope/pkg`), when it resolves outside the workspace or to a builtin-free bare name that cannot be found. */
  external?: string;
}

/** A problem found while reading the workspace: one per bad file, never fatal for the graph. */
export interface Diagnostic {
  file: WorkspacePath;
  /** 1-based line where known. */
  line?: number;
  /** Stable code, e.g. `TS_PARSE_ERROR`, `TSCONFIG_INVALID`, `PACKAGE_JSON_INVALID`. */
  code: string;
  message: string;
}

/** The file-graph entry of one source file: the `files[path]` value of `fleet graph --files --json`. */
export interface FileNode {
  /** Workspace files it imports (deduplicated, sorted). */
  imports: WorkspacePath[];
  /** External packages it imports (deduplicated, sorted). */
  external: string[];
  /** Specifiers that resolve nowhere (deduplicated, sorted). */
  unresolved: string[];
  /**
   * 1-based line of the first import that leads to each entry of `imports` and `external`
   * (`fleet graph --files --lines`, `fleet why`, the graph page). An entry with no line (a
   * conftest.py chain, a Dockerfile's context file reached by a glob of no single line) is absent.
   */
  lines?: Record<string, number>;
}

/** Everything known about one file after analysis (what the on-disk cache stores per file). */
export interface AnalyzedFile {
  hash: FileHash;
  imports: ResolvedImport[];
  diagnostics: Diagnostic[];
}

/** The file graph of a workspace. */
export interface FileGraph {
  files: Record<WorkspacePath, AnalyzedFile>;
  diagnostics: Diagnostic[];
  /** How the build went; not part of the JSON contract. */
  stats?: FileGraphStats;
}

/** A project-level dependency derived from the file graph, in Nx's terms. */
export interface ProjectDependency {
  source: string;
  target: string;
  type: 'static' | 'dynamic' | 'implicit';
  /** The file that causes the dependency (required by Nx for static and dynamic edges). */
  sourceFile?: WorkspacePath;
}

/** A problem in one file, before the file's path is attached (it becomes a {@link Diagnostic}). */
export interface FileProblem {
  line?: number;
  code: string;
  message: string;
}

/** What a language analyzer extracts from one file's text. Never throws: problems are data. */
export interface ExtractResult {
  imports: RawImport[];
  diagnostics: FileProblem[];
}

/**
 * One language's import extraction (`fleet imports` and the file graph use the same one).
 * Registered by file name in graph/analyzers.ts; Python and Dockerfile analyzers plug in there.
 */
export interface LanguageAnalyzer {
  /** Stable name, e.g. `typescript`. */
  readonly language: string;
  /** True when this analyzer handles the file (by extension or name, e.g. `Dockerfile`). */
  handles(file: string): boolean;
  extract(text: string, file: string): ExtractResult;
}

/** What one file-graph build did (for tests, benchmarks and `--verbose` output). */
export interface FileGraphStats {
  /** Files in the workspace file set. */
  files: number;
  /** Source files whose imports were returned. */
  processed: number;
  /** Files read and extracted this time (cache misses). */
  parsed: number;
  /** Files whose imports were resolved this time (the rest came resolved from the cache). */
  resolved: number;
  /** True when parsing ran on the piscina pool. */
  parallel: boolean;
  /** True when the resolution context (file list, tsconfig/package.json contents) changed since the cache was written. */
  contextChanged: boolean;
}
