import type { Diagnostic, WorkspacePath } from '../types';
import { conftestChain } from './conftest-chain';
import { workspaceFolderOf, type PythonEnvironmentLookup } from './installed-distributions';
import { projectOfFile, type ModuleOwnership } from './ownership';
import { fileContext, resolveImport, type ImportResolution } from './resolve-import';
import type { PythonImport, PythonProjectInfo } from './types';

/**
 * A dependency between two Python projects, with the file that causes it (Nx requires a
 * `sourceFile` on static edges). `declared` edges come from path/workspace dependencies in a
 * config file; `import` and `conftest` edges from a source file.
 */
export interface PythonProjectEdge {
  /** Root of the dependent project. */
  source: WorkspacePath;
  /** Root of the project depended on. */
  target: WorkspacePath;
  sourceFile: WorkspacePath;
  reason: 'import' | 'conftest' | 'declared';
  /** True when every import behind the edge is in an `if TYPE_CHECKING:` block. */
  typeChecking?: boolean;
}

/** Everything one file depends on. */
export interface PythonFileDependencies {
  /** Each import with where it leads, in file order. */
  resolutions: Array<{ import: PythonImport; resolution: ImportResolution }>;
  /** First-party files reached by imports and the conftest chain (sorted, without the file itself). */
  files: WorkspacePath[];
  /** Edges to other projects, one per target project. */
  projectEdges: PythonProjectEdge[];
  /** Third-party distributions imported (normalised, sorted), declared or not. */
  external: string[];
  /** `PY_AMBIGUOUS_MODULE`, `PY_UNDECLARED_DEPENDENCY`, `PY_TRANSITIVE_DEPENDENCY` (info), `PY_UNRESOLVED_IMPORT`. */
  diagnostics: Diagnostic[];
}

/**
 * Resolves the imports of one file (from {@link extractImports}) and adds its conftest chain.
 * Weak imports (try/except ImportError, string imports) still give edges when they resolve,
 * but never an undeclared or unresolved diagnostic.
 */
export function resolveFileImports(
  ownership: ModuleOwnership,
  fromFile: WorkspacePath,
  imports: PythonImport[],
  options: FindingOptions = {},
): PythonFileDependencies {
  const context = fileContext(ownership, fromFile);
  const source = context.project?.root;
  // A project's setup.py runs at build time against its build requirements, not its dependencies.
  const isSetupPy = source !== undefined && fromFile === (source === '' ? 'setup.py' : `${source}/setup.py`);
  const out: PythonFileDependencies = { resolutions: [], files: [], projectEdges: [], external: [], diagnostics: [] };
  const files = new Set<WorkspacePath>();
  const edges = new Map<WorkspacePath, PythonProjectEdge>();
  const external = new Set<string>();
  const reported = new Set<string>();
  const addEdge = (target: WorkspacePath, reason: PythonProjectEdge['reason'], typeChecking: boolean) => {
    if (source === undefined || target === source) return;
    const edge = edges.get(target);
    if (!edge)
      edges.set(target, { source, target, sourceFile: fromFile, reason, ...(typeChecking ? { typeChecking } : {}) });
    else if (!typeChecking) delete edge.typeChecking;
  };
  for (const imp of imports) {
    const resolution = resolveImport(ownership, fromFile, imp, context);
    out.resolutions.push({ import: imp, resolution });
    if (resolution.kind === 'first-party') {
      for (const t of resolution.targets) {
        if (t.file !== fromFile) files.add(t.file);
        addEdge(t.project, 'import', imp.typeChecking === true);
      }
    } else if (resolution.kind === 'third-party') {
      external.add(resolution.distribution);
    }
    const diagnostic = diagnosticFor(fromFile, isSetupPy ? { ...imp, weak: true } : imp, resolution, (third) =>
      findingFor(ownership, fromFile, source, imp, third, options),
    );
    if (diagnostic && !reported.has(diagnostic.message)) {
      reported.add(diagnostic.message);
      out.diagnostics.push(diagnostic);
    }
  }
  for (const conftest of conftestChain(ownership, fromFile)) {
    files.add(conftest);
    const owner = projectOfFile(ownership, conftest);
    if (owner) addEdge(owner.root, 'conftest', false);
  }
  out.files = [...files].sort();
  out.projectEdges = [...edges.values()].sort((a, b) => (a.target < b.target ? -1 : 1));
  out.external = [...external].sort();
  return out;
}

/** What dependency findings may consult beyond tracked files: installed metadata, for diagnostics only. */
export interface FindingOptions {
  /** The environment of a project (a `.venv`, the interpreter's site-packages); never changes edges. */
  environment?: PythonEnvironmentLookup;
  /** Absolute workspace folder, to recognise editable installs of workspace projects. */
  workspaceRoot?: string;
}

type ThirdParty = Extract<ImportResolution, { kind: 'third-party' }>;

/** Names type checkers supply: imported under TYPE_CHECKING they need no installed distribution. */
const TYPING_ONLY = new Set(['typing_extensions', 'typing', 'mypy_extensions', 'types']);

function diagnosticFor(
  file: WorkspacePath,
  imp: PythonImport,
  r: ImportResolution,
  finding: (r: ThirdParty) => Diagnostic | undefined,
): Diagnostic | undefined {
  const line = imp.line;
  if (r.kind === 'ambiguous') {
    return {
      file,
      line,
      code: 'PY_AMBIGUOUS_MODULE',
      message: `module ${r.module} is owned by several projects (${r.candidates.join(', ')}); no dependency inferred`,
    };
  }
  if (imp.weak) return undefined;
  if (r.kind === 'third-party' && !r.declared) return finding(r);
  if (r.kind === 'unresolved' && imp.level > 0) {
    return { file, line, code: 'PY_UNRESOLVED_IMPORT', message: `cannot resolve ${r.module}: ${r.reason}` };
  }
  return undefined;
}

/**
 * The finding for a third-party import the project does not declare: none when the line says
 * `# fleet: ignore-undeclared`, for typing-only names under TYPE_CHECKING, for a project whose
 * dependencies are dynamic and unreadable, or when the installed distribution that provides
 * the module is declared or is a workspace project; `PY_TRANSITIVE_DEPENDENCY` (info) when a
 * declared distribution brings it (lockfile, first-party requirements); else
 * `PY_UNDECLARED_DEPENDENCY`, naming the installed provider where known.
 */
function findingFor(
  ownership: ModuleOwnership,
  file: WorkspacePath,
  source: WorkspacePath | undefined,
  imp: PythonImport,
  r: ThirdParty,
  options: FindingOptions,
): Diagnostic | undefined {
  const top = r.module.split('.')[0];
  if (imp.ignoreUndeclared || (imp.typeChecking && TYPING_ONLY.has(top)) || source === undefined) return undefined;
  const facts = ownership.facts.get(source);
  if (facts?.dynamic) return undefined;
  let transitive = r.transitive === true;
  let distribution = r.distribution;
  const installed = options.environment?.(source);
  const spelled = [...(imp.names ?? []).map((n) => `${r.module}.${n}`), r.module];
  const providers = [...new Set(spelled.flatMap((m) => installed?.providers(m) ?? []))];
  for (const p of providers) {
    if (facts?.declared.has(p)) return undefined;
    const folder = installed?.editable.get(p);
    if (
      folder !== undefined &&
      options.workspaceRoot !== undefined &&
      workspaceFolderOf(options.workspaceRoot, folder) !== undefined
    )
      return undefined;
    if (facts?.transitive.has(p)) transitive = true;
  }
  if (providers.length > 0 && !providers.includes(distribution)) distribution = providers[0];
  const line = imp.line;
  if (transitive) {
    return {
      file,
      line,
      code: 'PY_TRANSITIVE_DEPENDENCY',
      message: `imports ${r.module}, which comes only through another dependency (distribution ${distribution}); declare it to depend on it directly`,
    };
  }
  const where = providers.length > 0 ? ', installed' : '';
  return {
    file,
    line,
    code: 'PY_UNDECLARED_DEPENDENCY',
    message: `imports ${top} but does not declare it (distribution ${distribution}${where})`,
  };
}

/**
 * Edges from path and workspace dependencies declared in config (`[tool.uv.sources]
 * x = { workspace = true }`, Poetry `x = { path = "../x" }`), with the declaring file as
 * `sourceFile`. Dependencies that name no workspace project give no edge.
 */
export function declaredDependencyEdges(projects: PythonProjectInfo[]): PythonProjectEdge[] {
  const byRoot = new Map(projects.map((p) => [p.root, p]));
  const byName = new Map(projects.map((p) => [p.normalizedName, p]));
  const edges: PythonProjectEdge[] = [];
  for (const p of projects) {
    const seen = new Set<string>();
    for (const d of p.dependencies) {
      const target =
        (d.path !== undefined ? byRoot.get(d.path) : undefined) ?? (d.workspace ? byName.get(d.normalized) : undefined);
      if (!target || target.root === p.root || seen.has(target.root)) continue;
      seen.add(target.root);
      edges.push({ source: p.root, target: target.root, sourceFile: d.declaredIn, reason: 'declared' });
    }
  }
  return edges;
}
