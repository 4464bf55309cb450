import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { semanticDiagnosticsWithReuse } from './reuse';
import { resolutionCacheFor, type SharedState } from './shared-state';

/** One diagnostic, in the fields `tsc` prints. */
export interface TscDiagnostic {
  /** Path relative to the project folder (tsc's cwd), as tsc prints it; empty for global ones. */
  file: string;
  line: number;
  column: number;
  code: number;
  category: 'error' | 'warning' | 'suggestion' | 'message';
  message: string;
}

export interface CheckResult {
  tsconfig: string;
  /** Exactly what `tsc --noEmit -p <tsconfig>` prints without a TTY (empty when clean). */
  output: string;
  diagnostics: TscDiagnostic[];
  errorCount: number;
  /** Source files of the program whose semantic diagnostics were reused (reuse.ts) or computed. */
  files?: { reused: number; checked: number };
}

export interface CheckRequest {
  /** Absolute path of the tsconfig. */
  tsconfig: string;
  /** The folder tsc would run in (the project root): paths in the output are relative to it. */
  cwd: string;
  /** One Nx command: resolution caches are shared within it and dropped after it. */
  batchId: string;
  /**
   * Requests with the same affinity go to the same server thread (the batch executor gives a
   * project the affinity of its largest dependency, so that thread holds the files it needs).
   */
  affinity?: string;
}

/**
 * Type-checks one tsconfig as `tsc --noEmit -p` does (same diagnostics, same order, same text),
 * reusing parsed source files and resolutions from `state` where that is safe.
 */
export function checkProject(state: SharedState, req: CheckRequest): CheckResult {
  const { ts } = state;
  const cwd = req.cwd;
  const configDiagnostics: TS.Diagnostic[] = [];
  const parseHost: TS.ParseConfigFileHost = {
    ...ts.sys,
    getCurrentDirectory: () => cwd,
    onUnRecoverableConfigFileDiagnostic: (d) => configDiagnostics.push(d),
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(req.tsconfig, { noEmit: true }, parseHost);
  if (!parsed) return toResult(ts, req, configDiagnostics);
  // Content hash of every file the program reads, by path: the versions the reuse keys use.
  const versions = new Map<string, string>();
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    host: createHost(state, req, parsed.options, versions),
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
  state.checked++;
  const before = { ...state.reuse };
  const result = toResult(
    ts,
    req,
    collectLikeTsc(ts, program, () => semanticDiagnosticsWithReuse(state, program, versions)),
  );
  result.files = {
    reused: state.reuse.reusedFiles - before.reusedFiles,
    checked: state.reuse.checkedFiles - before.checkedFiles,
  };
  return result;
}

/** The order and the early exits of tsc's `emitFilesAndReportErrors`. */
function collectLikeTsc(
  ts: typeof TS,
  program: TS.Program,
  semanticDiagnostics: () => readonly TS.Diagnostic[],
): TS.Diagnostic[] {
  const options = program.getCompilerOptions();
  const all = program.getConfigFileParsingDiagnostics().slice();
  const configCount = all.length;
  all.push(...program.getSyntacticDiagnostics());
  if (all.length === configCount) {
    all.push(...program.getOptionsDiagnostics());
    all.push(...program.getGlobalDiagnostics());
    if (all.length === configCount) all.push(...semanticDiagnostics());
    if (options.noEmit && (options.declaration || options.composite) && all.length === configCount)
      all.push(...program.getDeclarationDiagnostics());
  }
  all.push(...program.emit().diagnostics);
  return [...ts.sortAndDeduplicateDiagnostics(all)];
}

function createHost(
  state: SharedState,
  req: CheckRequest,
  options: TS.CompilerOptions,
  versions: Map<string, string>,
): TS.CompilerHost {
  const { ts } = state;
  const host = ts.createCompilerHost(options, true);
  host.getCurrentDirectory = () => req.cwd;
  // The bucket is needed: TypeScript's registry adds only the module format to the key it is
  // given, and otherwise returns the file parsed and bound under the first project's options
  // (moduleDetection, target, jsx, noFallthroughCasesInSwitch...). The corpus fails without it.
  const bucket = state.registry.getKeyForCompilationSettings(options);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError) => {
    let text: string | undefined;
    try {
      text = ts.sys.readFile(fileName);
    } catch (e) {
      onError?.((e as Error).message);
    }
    if (text === undefined) return undefined;
    // The content hash is the version: an edited file is re-parsed, an unchanged one reused.
    const version = createHash('sha1').update(text).digest('base64');
    const filePath = host.getCanonicalFileName(path.resolve(req.cwd, fileName)) as TS.Path;
    versions.set(filePath, version);
    return state.registry.acquireDocumentWithKey(
      fileName,
      filePath,
      options,
      bucket,
      ts.ScriptSnapshot.fromString(text),
      version,
      undefined,
      languageVersionOrOptions,
    );
  };
  const cache = resolutionCacheFor(state, req.batchId, options, req.cwd);
  // createProgram resolves through this cache (modules and type references alike).
  host.getModuleResolutionCache = () => cache;
  return host;
}

function toResult(ts: typeof TS, req: CheckRequest, diagnostics: readonly TS.Diagnostic[]): CheckResult {
  const formatHost: TS.FormatDiagnosticsHost = {
    getCurrentDirectory: () => req.cwd,
    getCanonicalFileName: (f) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase()),
    getNewLine: () => ts.sys.newLine,
  };
  return {
    tsconfig: req.tsconfig,
    output: diagnostics.length ? ts.formatDiagnostics(diagnostics, formatHost) : '',
    diagnostics: diagnostics.map((d) => describe(ts, req.cwd, d)),
    errorCount: diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length,
  };
}

function describe(ts: typeof TS, cwd: string, d: TS.Diagnostic): TscDiagnostic {
  const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
  const category = (['warning', 'error', 'suggestion', 'message'] as const)[d.category];
  return {
    file: d.file ? path.relative(cwd, d.file.fileName) : '',
    line: pos ? pos.line + 1 : 0,
    column: pos ? pos.character + 1 : 0,
    code: d.code,
    category,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  };
}
