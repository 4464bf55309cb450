import { visitNotIgnoredFiles, type Tree } from '@nx/devkit';
import { parse as parseYaml } from 'yaml';
import type { InitDiagnostic } from './init-plan';

/** The Python tools nx-fleet runs targets through (the others run through `python.interpreter`). */
export type DetectedPythonTool = 'uv' | 'poetry' | 'pdm' | 'pip';

/** A Dockerfile and, when a compose file builds it, the build context that file gives. */
export interface DetectedDockerfile {
  file: string;
  /** Workspace-relative context from a compose file's `build:`; absent: nx-fleet infers it. */
  context?: string;
  /** The compose file the context comes from. */
  contextFrom?: string;
}

/** What `nx g nx-fleet:init` found in the workspace: the facts its options are derived from. */
export interface WorkspaceFacts {
  /** TS/JS source files and tsconfig files (outside ignored folders). */
  tsJsFiles: number;
  /** Python project folders (pyproject.toml, setup.py, setup.cfg) with the tool that manages each. */
  pythonProjects: Array<{ root: string; tool: DetectedPythonTool }>;
  /** `{workspaceRoot}/.venv/bin/python` (or `venv/`) when the workspace root has a virtualenv. */
  interpreter?: string;
  dockerfiles: DetectedDockerfile[];
  diagnostics: InitDiagnostic[];
}

/** Folders never looked into, ignored or not: installed packages, virtualenvs, build and tool caches. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', '.nx', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache']);
const TS_JS = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const TSCONFIG = /(?:^|\/)tsconfig(?:\.[^/]*)?\.json$/;
const PYTHON_CONFIG = /(?:^|\/)(?:pyproject\.toml|setup\.py|setup\.cfg)$/;
const DOCKERFILE =
  /^(?:Dockerfile|Containerfile)$|^.+\.(?:Dockerfile|Containerfile)$|^(?:Dockerfile|Containerfile)\..+$/;
const COMPOSE = /(?:^|\/)(?:docker-)?compose(?:\.[^/]+)?\.ya?ml$/;
const TOOL_LOCKFILES: Array<[string, DetectedPythonTool]> = [
  ['uv.lock', 'uv'],
  ['poetry.lock', 'poetry'],
  ['pdm.lock', 'pdm'],
];

const dirOf = (file: string) => (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');
const baseOf = (file: string) => file.slice(file.lastIndexOf('/') + 1);

/** Reads the workspace through the generator's tree; never throws for a bad file. */
export function detectWorkspace(tree: Tree): WorkspaceFacts {
  const facts: WorkspaceFacts = { tsJsFiles: 0, pythonProjects: [], dockerfiles: [], diagnostics: [] };
  const pythonRoots = new Set<string>();
  const composeFiles: string[] = [];
  visitNotIgnoredFiles(tree, '', (file) => {
    if (file.split('/').some((part) => SKIPPED.has(part))) return;
    const name = baseOf(file);
    if (TS_JS.test(name) || TSCONFIG.test(file)) facts.tsJsFiles++;
    else if (PYTHON_CONFIG.test(file)) pythonRoots.add(dirOf(file));
    else if (COMPOSE.test(file)) composeFiles.push(file);
    if (DOCKERFILE.test(name) && !/\.(?:docker|container)ignore$/.test(name)) facts.dockerfiles.push({ file });
  });
  for (const root of [...pythonRoots].sort())
    if (root !== '' || !isVirtualWorkspaceRoot(tree)) facts.pythonProjects.push({ root, tool: pythonTool(tree, root) });
  for (const venv of ['.venv', 'venv'])
    if (facts.pythonProjects.some((p) => p.tool === 'pip') && tree.exists(`${venv}/bin/python`)) {
      facts.interpreter = `{workspaceRoot}/${venv}/bin/python`;
      break;
    }
  for (const compose of composeFiles.sort()) applyComposeContexts(tree, compose, facts);
  facts.dockerfiles.sort((a, b) => a.file.localeCompare(b.file));
  return facts;
}

/** A root pyproject.toml that only declares a uv workspace is not a project of its own. */
function isVirtualWorkspaceRoot(tree: Tree): boolean {
  const text = tree.read('pyproject.toml', 'utf-8');
  return (
    text !== null &&
    !/^\s*\[\s*(?:project|tool\.poetry)\s*\]/m.test(text) &&
    /^\s*\[\s*tool\.uv\.workspace\s*\]/m.test(text)
  );
}

/** The tool that manages a Python project: its lockfile (in the folder or above), else its tables. */
function pythonTool(tree: Tree, root: string): DetectedPythonTool {
  for (let dir = root; ; dir = dirOf(dir)) {
    for (const [lockfile, tool] of TOOL_LOCKFILES) if (tree.exists(dir ? `${dir}/${lockfile}` : lockfile)) return tool;
    if (dir === '') break;
  }
  const pyproject = tree.read(root ? `${root}/pyproject.toml` : 'pyproject.toml', 'utf-8') ?? '';
  const table = /^\s*\[\s*tool\.(uv|poetry|pdm)[\].]/m.exec(pyproject);
  return (table?.[1] as DetectedPythonTool | undefined) ?? 'pip';
}

/** Gives each Dockerfile a compose file builds the context that file names. */
function applyComposeContexts(tree: Tree, compose: string, facts: WorkspaceFacts): void {
  let doc: unknown;
  try {
    doc = parseYaml(tree.read(compose, 'utf-8') ?? '');
  } catch (e) {
    facts.diagnostics.push({
      code: 'FLEET_INIT_BAD_COMPOSE_FILE',
      file: compose,
      message: `not valid YAML, its build contexts are ignored: ${(e as Error).message.split('\n')[0]}`,
    });
    return;
  }
  const services = (doc as { services?: Record<string, unknown> } | null)?.services;
  if (!services || typeof services !== 'object') return;
  for (const service of Object.values(services)) {
    const build = (service as { build?: unknown } | null)?.build;
    const spec =
      typeof build === 'string' ? { context: build } : (build as { context?: unknown; dockerfile?: unknown });
    if (!spec || typeof spec.context !== 'string') continue;
    const context = joinPath(dirOf(compose), spec.context);
    const dockerfile = joinPath(context ?? '', typeof spec.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile');
    const found = facts.dockerfiles.find((d) => d.file === dockerfile);
    if (context === undefined || !found || found.context !== undefined) continue;
    found.context = context;
    found.contextFrom = compose;
  }
}

/** Workspace-relative join of `rel` onto folder `dir`; undefined when it leaves the workspace or is absolute. */
function joinPath(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || /^[a-z]+:\/\//.test(rel)) return undefined;
  const parts = dir && dir !== '.' ? dir.split('/') : [];
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length ? parts.join('/') : '.';
}
