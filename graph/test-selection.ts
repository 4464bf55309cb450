import { isTestFile, type GraphIndex } from './query';

/**
 * Files the import graph cannot follow into the tests they change, so a change to one selects
 * every test of its project: runner configuration (vitest/vite/jest configs, the conftest chain,
 * pytest.ini, setup.cfg, tox.ini, pyproject.toml), setup files, package manifests, lockfiles,
 * tsconfigs, and `__init__.py` (Python runs it on import of any module of its package).
 */
const SELECTS_ALL =
  /(?:^|\/)(?:(?:vite|vitest|jest)\.config\.[cm]?[jt]s|conftest\.py|pytest\.ini|setup\.cfg|tox\.ini|pyproject\.toml|package\.json|package-lock\.json|yarn\.lock|pnpm-lock\.yaml|uv\.lock|poetry\.lock|requirements[^/]*\.txt|tsconfig[^/]*\.json|__init__\.py|[^/]*setup[^/]*\.(?:[cm]?[jt]sx?|py))$/i;
/**
 * A `.env` file: Nx loads the workspace's `.env*` files into every task and a project's into its
 * tasks, so a changed variable reaches tests through `process.env`/`os.environ`, which no import
 * shows. One outside every project selects all tests of all projects; one in a project, all of it.
 */
const ENV_FILE = /(?:^|\/)\.env(?:\.[^/]*)?$/;
/** Code the graph reads: a change to anything else (fixtures, data, snapshots) may be read by any test with fs/open. */
const CODE = /\.(?:[cm]?[jt]sx?|py)$/;

export type SelectionReason =
  | { kind: 'changed-test' }
  | { kind: 'imports'; changed: string }
  | { kind: 'unresolved-import'; file: string }
  | { kind: 'computed-import'; file: string; changed: string };

/**
 * A computed `import()` (its argument not a plain string literal), `require()` of a variable, or
 * Python's `importlib.import_module`/`__import__`: the graph records no edge for it, so the file
 * may load any module of its project. Found in the source text (found by mutation testing: the
 * TS graph leaves template-literal imports out entirely, they are not even `unresolved`).
 */
const COMPUTED_IMPORT =
  /\bimport\s*\(\s*(?!['"][^'"`$]*['"]\s*\))|\brequire\s*\(\s*(?!['"])|\bimportlib\.import_module\s*\(|\b__import__\s*\(/;

/** Whether a file's text has an import the graph cannot follow. */
export function hasComputedImport(text: string): boolean {
  return COMPUTED_IMPORT.test(text);
}

export interface ProjectSelection {
  project: string;
  /** Every test file of the project the graph knows. */
  testFiles: string[];
  /** True when a change the graph cannot see selected all of them. */
  all: boolean;
  /** Why all were selected (the first such file). */
  allBecause?: string;
  selected: Array<{ file: string; reason: SelectionReason | { kind: 'all' } }>;
}

export interface TestSelection {
  changed: string[];
  projects: ProjectSelection[];
  selectedFiles: number;
  totalFiles: number;
}

/**
 * Test files to run for a change, per project that has test files: those whose import closure
 * contains a changed file, the changed test files, those whose closure has an import the graph
 * could not resolve (a computed `import()` or `importlib` target may be the changed file), and all
 * of them when a changed file of the project (or one its tests reach) is one the graph cannot see
 * into: configuration, setup, manifests, data and fixtures (see docs/test-selection.md).
 */
export function selectTests(
  g: GraphIndex,
  changed: string[],
  readFile: (file: string) => string | undefined = () => undefined,
): TestSelection {
  const changedSet = new Set(changed);
  const byProject = new Map<string, string[]>();
  for (const f of g.files)
    if (isTestFile(f) && !/(?:^|\/)conftest\.py$/.test(f)) {
      const p = g.owner[g.fileId.get(f) as number];
      if (p !== undefined) byProject.set(p, [...(byProject.get(p) ?? []), f]);
    }
  const global =
    changed.find((f) => g.isGlobalFile(f)) ??
    changed.find((f) => ENV_FILE.test(f) && (!f.includes('/') || g.projectOfPath(f) === undefined));
  const projects: ProjectSelection[] = [];
  for (const [project, tests] of [...byProject.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const blind =
      global ??
      changed.find((f) => g.projectOfPath(f) === project && (SELECTS_ALL.test(f) || !CODE.test(f))) ??
      changed.find((f) => g.projectOfPath(f) === undefined && SELECTS_ALL.test(f));
    if (blind !== undefined) {
      projects.push({
        project,
        testFiles: tests,
        all: true,
        allBecause: blind,
        selected: tests.map((file) => ({ file, reason: { kind: 'all' } })),
      });
      continue;
    }
    const selected: ProjectSelection['selected'] = [];
    for (const t of tests) {
      const reason = closureReason(g, t, changedSet, readFile);
      if (reason) selected.push({ file: t, reason });
    }
    projects.push({ project, testFiles: tests, all: false, selected });
  }
  return {
    changed: [...changed].sort(),
    projects,
    selectedFiles: projects.reduce((n, p) => n + p.selected.length, 0),
    totalFiles: projects.reduce((n, p) => n + p.testFiles.length, 0),
  };
}

function closureReason(
  g: GraphIndex,
  test: string,
  changed: Set<string>,
  readFile: (file: string) => string | undefined,
): SelectionReason | undefined {
  if (changed.has(test)) return { kind: 'changed-test' };
  const start = g.fileId.get(test) as number;
  const seen = new Set([start]);
  const queue = [start];
  let unresolved: string | undefined;
  for (let i = 0; i < queue.length; i++) {
    const f = g.files[queue[i]];
    if (i > 0 && changed.has(f)) return { kind: 'imports', changed: f };
    if (unresolved === undefined && (g.data.files?.[f]?.unresolved.length ?? 0) > 0) unresolved = f;
    for (const j of g.out[queue[i]])
      if (!seen.has(j)) {
        seen.add(j);
        queue.push(j);
      }
  }
  if (unresolved !== undefined) return { kind: 'unresolved-import', file: unresolved };
  // A computed import in the closure may load any file of the projects the closure spans.
  const spanned = new Set(queue.map((i) => g.owner[i]).filter((p) => p !== undefined));
  for (const i of queue) {
    const f = g.files[i];
    if (!hasComputedImport(readFile(f) ?? '')) continue;
    const hit = [...changed].find((c) => {
      const p = g.projectOfPath(c);
      return p !== undefined && spanned.has(p);
    });
    if (hit !== undefined) return { kind: 'computed-import', file: f, changed: hit };
  }
  return undefined;
}
