/**
 * Types of the Python analysis layer. Types only: no code here.
 *
 * The layer is pure: it reads file contents handed to it (or reads files itself only where a
 * function's name says so) and returns data plus {@link Diagnostic}s; it never throws for bad
 * input. The Nx integration (createNodes / createDependencies) is built on top of it.
 */
import type { Diagnostic, WorkspacePath } from '../types';

/** How a Python import was written. */
export type PythonImportKind = 'import' | 'from' | 'string';

/**
 * One import as written in a `.py` / `.pyi` file: the item that `fleet imports file.py --json`
 * prints.
 *
 * @example `from ..pkg import a, b as c` on line 3 gives
 * `{ specifier: 'pkg', level: 2, kind: 'from', weak: false, line: 3, names: ['a', 'b'] }`
 * @example `importlib.import_module("x.y")` gives `{ specifier: 'x.y', level: 0, kind: 'string', weak: true, line }`
 */
export interface PythonImport {
  /** Dotted module as written, without leading dots; `''` for `from . import x`. */
  specifier: string;
  /** Number of leading dots: 0 for absolute imports. */
  level: number;
  kind: PythonImportKind;
  /**
   * True when a failure to resolve it is expected and must not be reported: inside a `try:`
   * body whose handlers catch `ImportError`/`ModuleNotFoundError`, or a string import.
   */
  weak: boolean;
  /**
   * 1-based line. For `import a, b` the line of each dotted name; for `from` imports the line
   * of the `from` keyword; for string imports the line of the string literal.
   */
  line: number;
  /** Present and true when the import sits in an `if TYPE_CHECKING:` block. */
  typeChecking?: boolean;
  /**
   * For `from` imports: the imported names (aliases dropped, `*` omitted). Each may be a
   * submodule (`from a import b` may import module `a.b`), so resolution tries
   * `specifier + '.' + name` before `specifier`.
   */
  names?: string[];
  /** Present and true when the statement carries `# fleet: ignore-undeclared`: edges as usual, never a dependency finding. */
  ignoreUndeclared?: boolean;
}

/** Result of scanning one Python file. */
export interface PythonExtraction {
  imports: PythonImport[];
  /** At most one `PY_SYNTAX_ERROR`; the imports before the error are kept. */
  diagnostics: Diagnostic[];
}

/** The packaging tool a project uses, which decides how its targets are run. */
export type PythonTool = 'uv' | 'poetry' | 'pdm' | 'hatch' | 'flit' | 'setuptools' | 'pip';

/** One declared dependency of a Python project. */
export interface PythonDependency {
  /** Distribution name as written, e.g. `PyYAML`. */
  name: string;
  /** PEP 503 normalised name, e.g. `pyyaml`. */
  normalized: string;
  /** Version specifier as written (`>=1.0`, `^2.1`, `==3.4`); `''` when none. */
  specifier: string;
  /** Workspace-relative folder for path dependencies (Poetry `path =`, uv `{path = ...}`). */
  path?: WorkspacePath;
  /** True for uv `{workspace = true}` sources: resolved by name to a workspace member. */
  workspace?: boolean;
  /** Extra or group it belongs to (`dev`, `test`, ...); absent for main dependencies. */
  group?: string;
  /** Extras requested (`psycopg[pool]` → `['pool']`), normalised; absent when none. */
  extras?: string[];
  /** The file that declares it (pyproject.toml, setup.cfg, requirements.txt, ...). */
  declaredIn: WorkspacePath;
}

/**
 * Everything read from one Python project folder.
 *
 * @example a src-layout uv project at `libs/core` with `[project] name = "acme-core"` gives
 * `{ root: 'libs/core', name: 'acme-core', normalizedName: 'acme-core', tool: 'uv',
 *    sourceRoots: ['libs/core/src'], importPackages: ['acme_core'], ... }`
 */
export interface PythonProjectInfo {
  /** Workspace-relative project folder (`''` for the workspace root). */
  root: WorkspacePath;
  /** Distribution name; the folder name when no config names it. Never empty. */
  name: string;
  /** PEP 503 normalised {@link name}. */
  normalizedName: string;
  tool: PythonTool;
  /** `requires-python` (or Poetry's `python` dependency); absent when not declared. */
  requiresPython?: string;
  dependencies: PythonDependency[];
  /** Workspace-relative folders whose children are top-level modules (`src`, the root, ...). */
  sourceRoots: WorkspacePath[];
  /** Top-level import packages/modules it owns, e.g. `['acme_core']`; dotted for namespace parts (`acme.core`). */
  importPackages: string[];
  /** Config files read, e.g. `['libs/core/pyproject.toml']`. */
  configFiles: WorkspacePath[];
  /** The lockfile that pins its dependencies (nearest `uv.lock`, `poetry.lock`, `pdm.lock` at or above the root). */
  lockfile?: WorkspacePath;
  /** Pinned versions (normalised distribution name → version) from the lockfile and `==` requirements. */
  lockedVersions: LockedVersions;
  /** Packages whose folder is not `<source root>/<package path>` (setuptools `package_dir`): dotted package → folder. */
  packageDirs?: Record<string, WorkspacePath>;
  /**
   * The lockfile's dependency graph (normalised name → what it depends on, per extra), shared by
   * every project of that lockfile; absent without a lockfile. Decides which imports are
   * transitive (`PY_TRANSITIVE_DEPENDENCY`) rather than undeclared.
   */
  lockGraph?: LockGraph;
  /**
   * Set when `dependencies` are dynamic (`[project] dynamic`, a setup.py computing
   * `install_requires`) and their source could not be read: no undeclared findings for the
   * project, one `PY_DYNAMIC_DEPENDENCIES` note at this place instead.
   */
  unreadableDependencies?: { file: WorkspacePath; line?: number; reason: string };
  /** uv workspace members (globs, relative to {@link root}) when this is a uv workspace root. */
  workspaceMembers?: string[];
  /** uv workspace exclude globs. */
  workspaceExclude?: string[];
}

/** One locked distribution's requirements: main ones and those of each extra (normalised names). */
export interface LockedPackage {
  dependencies: string[];
  extras: Record<string, string[]>;
}

/** A lockfile's packages by normalised name. */
export type LockGraph = Record<string, LockedPackage>;

/** Versions pinned by a lockfile or pinned requirements: normalised distribution name → version. */
export type LockedVersions = Record<string, string>;

/** One entry of a Python target's `inputs`, as Nx reads it. */
export type PythonTargetInput = string | { runtime: string };

/**
 * An inferred Python target in Nx's `TargetConfiguration` shape (an `nx:run-commands` command
 * run in the project folder). graph/ does not import Nx, so the `fleet` CLI can infer without it.
 */
export interface PythonTarget {
  command: string;
  options: { cwd: string; env?: Record<string, string> };
  cache: boolean;
  inputs: PythonTargetInput[];
  outputs: string[];
  /** Shown by `nx show project` and Nx Console. */
  metadata: {
    technologies: string[];
    description: string;
    help: { command: string; example: Record<string, unknown> };
  };
}
