import { ALL_PROJECT_FILES, DEPENDENCY_TEST_SUPPORT_FILES, workspaceToken } from './inputs';
import type { TargetInput } from './types';

/** A test file by name, as vitest's and jest's default include patterns have it. */
const TEST_FILE = /\.(?:test|spec)\.[cm]?[jt]sx?$/;
/** Files of a project that are code: the import graph sees them, so only their closure is hashed. */
const CODE_FILE = /\.[cm]?[jt]sx?$/;
/**
 * Code files every test of the project runs with although no test imports them: the runner's
 * config and the setup files it names (found by name: `setup`, `global-setup`, `vitest.setup.ts`).
 * Their own closures are inputs of every per-file target.
 */
const RUN_WITH_EVERY_TEST = /(?:^|\/)(?:(?:vite|vitest|jest)\.config\.[cm]?[jt]s|[^/]*setup[^/]*\.[cm]?[jt]sx?)$/i;

export interface PerFileTestTargetsInput {
  root: string;
  testTargetName: string;
  /** The project's plain test target (a `nx:run-commands` target: command, options.cwd, inputs). */
  testTarget: { command?: string; options?: { cwd?: string }; inputs?: TargetInput[]; metadata?: object };
  /** The project's files, workspace-relative. */
  projectFiles: string[];
  /** The workspace's file graph: file -> workspace files it imports. */
  imports: (file: string) => readonly string[] | undefined;
  /** Whether a file has an import the graph could not resolve (a computed `import()`, a missing file). */
  unresolved: (file: string) => boolean;
}

export interface PerFileTestTargets {
  /** `<test>--<file relative to the project>` -> target, and `<test>-ci`. */
  targets: Record<string, object>;
  /** Test files, project-relative, in target order. */
  files: string[];
}

/** Every file reachable from `roots` by imports (the roots included), sorted. */
export function importClosure(roots: string[], imports: (f: string) => readonly string[] | undefined): string[] {
  const seen = new Set(roots);
  const queue = [...roots];
  for (let i = 0; i < queue.length; i++)
    for (const t of imports(queue[i]) ?? [])
      if (!seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
  return [...seen].sort();
}

/**
 * Nx's atomizer convention for one project: `<test>--<file>` per test file, running only that
 * file, hashing only what that file can load (its import closure, and the closures of the
 * runner's config and setup files), the project's non-code files (fixtures, data, snapshots:
 * the graph cannot tell which test reads them), and the workspace files and tool versions of the
 * plain target; and `<test>-ci`, a no-op that depends on all of them. The plain target is left
 * as it is.
 */
export function perFileTestTargets(o: PerFileTestTargetsInput): PerFileTestTargets {
  const prefix = o.root === '.' ? '' : `${o.root}/`;
  const tests = o.projectFiles.filter((f) => TEST_FILE.test(f)).sort();
  const always = o.projectFiles.filter((f) => RUN_WITH_EVERY_TEST.test(f) && !TEST_FILE.test(f));
  // The project's non-code files (fixtures, data, snapshots, configs), listed one by one: an
  // extglob negation such as `**/!(*.ts)` next to file inputs makes Nx drop the .ts files of
  // every other input of the target (checked with `nx show target inputs` on Nx 24.0.6).
  const nonCode = o.projectFiles.filter((f) => !CODE_FILE.test(f)).map((f) => workspaceToken(f, o.root));
  const shared = (o.testTarget.inputs ?? []).filter(
    (i) => i !== ALL_PROJECT_FILES && i !== DEPENDENCY_TEST_SUPPORT_FILES,
  );
  const targets: Record<string, object> = {};
  const files: string[] = [];
  const names: string[] = [];
  for (const test of tests) {
    const rel = test.slice(prefix.length);
    const name = `${o.testTargetName}--${rel}`;
    const closure = importClosure([test, ...always], o.imports).filter((f) => CODE_FILE.test(f));
    // An import the graph cannot follow may load any file: such a test hashes what the plain target does.
    const blind = closure.some((f) => o.unresolved(f));
    targets[name] = {
      command: `${o.testTarget.command} ${rel}`,
      options: { cwd: o.testTarget.options?.cwd ?? o.root },
      cache: true,
      inputs: blind
        ? (o.testTarget.inputs ?? [])
        : [...closure.map((f) => workspaceToken(f, o.root)), ...nonCode, ...shared],
      outputs: [],
      metadata: {
        technologies: (o.testTarget.metadata as { technologies?: string[] } | undefined)?.technologies ?? [],
        description: blind
          ? `Run ${rel} alone (per-file target of ${o.testTargetName}; an import the graph cannot follow: the inputs of ${o.testTargetName})`
          : `Run ${rel} alone (per-file target of ${o.testTargetName}; inputs: its ${closure.length}-file import closure)`,
      },
    };
    files.push(rel);
    names.push(name);
  }
  if (names.length > 0)
    targets[`${o.testTargetName}-ci`] = {
      executor: 'nx:noop',
      cache: true,
      inputs: [],
      outputs: [],
      dependsOn: names.map((target) => ({ target, params: 'forward' })),
      metadata: {
        description: `Run every test file of the project as its own task (${names.length} ${o.testTargetName}--<file> targets), for distribution`,
      },
    };
  return { targets, files };
}
