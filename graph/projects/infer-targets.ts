import * as posix from 'node:path/posix';
import type { NormalizedOptions } from '../../config/options';
import type { Diagnostic, WorkspacePath } from '../types';
import { buildBuildTarget } from './build-build-target';
import { buildLintTarget } from './build-lint-target';
import { buildTestTarget } from './build-test-target';
import { buildTypecheckTarget } from './build-typecheck-target';
import { detectEslintConfig, detectTestRunner, rootRunnerFiles } from './detect-tools';
import { resolveTsconfig, type ResolvedTsconfig } from './resolve-tsconfig';
import type { ProjectFileFacts } from './scan-project-files';
import type { ToolInputs } from './tool-inputs';
import type { InferredTarget, WorkspaceReader } from './types';

export interface TargetFacts {
  root: WorkspacePath;
  files: ProjectFileFacts;
  packageJson: Record<string, unknown> | undefined;
  rootPackageJson: Record<string, unknown> | undefined;
  /** Names of target the user wrote: an inferred target by that name is left out. */
  userTargets: readonly string[];
  tools: ToolInputs;
}

export interface InferredTargets {
  targets: Record<string, InferredTarget>;
  /** Whether the project has any tsconfig (makes it a TypeScript project). */
  hasTsconfig: boolean;
  diagnostics: Diagnostic[];
}

/** The tsconfig files a project's typecheck and build use (documented in docs/inference.md). */
export function pickTsconfigs(
  reader: WorkspaceReader,
  root: WorkspacePath,
  names: ReadonlySet<string>,
  resolve: (f: string) => ResolvedTsconfig,
) {
  const at = (n: string) => (root === '.' ? n : `${root}/${n}`);
  const main = names.has('tsconfig.json') ? resolve(at('tsconfig.json')) : undefined;
  let typecheck: ResolvedTsconfig[];
  if (main && !main.solution) typecheck = [main];
  else if (main)
    typecheck = main.references
      .filter((r) => posix.dirname(r) === root && reader.readFile(r) !== undefined)
      .map(resolve);
  else
    typecheck = ['tsconfig.lib.json', 'tsconfig.app.json', 'tsconfig.spec.json']
      .filter((n) => names.has(n))
      .map((n) => resolve(at(n)));
  typecheck = typecheck.filter((t) => !t.solution);
  const buildName = ['tsconfig.lib.json', 'tsconfig.app.json', 'tsconfig.build.json'].find((n) => names.has(n));
  const build = buildName ? resolve(at(buildName)) : main && !main.solution ? main : undefined;
  return { typecheck, build };
}

/**
 * Builds the typecheck, test, lint and build targets a project gets, under the configured
 * names, leaving out disabled kinds and every name the user already defined.
 */
export function inferTargets(
  reader: WorkspaceReader,
  facts: TargetFacts,
  options: NormalizedOptions,
  resolve: (f: string) => ResolvedTsconfig,
): InferredTargets {
  const { root } = facts;
  const entries = reader
    .readDir(root)
    .filter((e) => !e.dir)
    .map((e) => e.name);
  const names = new Set(entries);
  const tsconfigs = pickTsconfigs(reader, root, names, resolve);
  const diagnostics = [...tsconfigs.typecheck, ...(tsconfigs.build ? [tsconfigs.build] : [])].flatMap(
    (t) => t.diagnostics,
  );
  const wanted = (kind: 'typecheck' | 'test' | 'lint' | 'build', name: string) =>
    !options.disabledTargets.includes(kind) && !facts.userTargets.includes(name);
  const targets: Record<string, InferredTarget> = {};
  if (!facts.files.hasSources) return { targets, hasTsconfig: tsconfigs.typecheck.length > 0, diagnostics };
  if (tsconfigs.typecheck.length && wanted('typecheck', options.typecheckTargetName)) {
    targets[options.typecheckTargetName] = buildTypecheckTarget({
      root,
      tsconfigs: tsconfigs.typecheck,
      tools: facts.tools,
      executors: options.executors,
    });
  }
  const rootNames =
    root === '.'
      ? entries
      : reader
          .readDir('.')
          .filter((e) => !e.dir)
          .map((e) => e.name);
  const runner = detectTestRunner(reader, {
    root,
    rootFileNames: entries,
    packageJson: facts.packageJson,
    rootPackageJson: facts.rootPackageJson,
    hasTestFiles: facts.files.hasTestFiles,
  });
  if (runner && wanted('test', options.testTargetName)) {
    const workspaceFiles = [
      ...tsconfigs.typecheck.flatMap((t) => t.chain),
      ...rootRunnerFiles(rootNames, runner.runner),
      ...(runner.runner === 'vitest' && !hasViteConfig(entries) ? ancestorViteConfigs(root) : []),
    ];
    targets[options.testTargetName] = buildTestTarget({
      root,
      ...runner,
      workspaceFiles,
      tools: facts.tools,
      testExecutor: options.testExecutor,
    });
  }
  const eslint = detectEslintConfig(entries, rootNames, root);
  if (eslint.length && wanted('lint', options.lintTargetName))
    targets[options.lintTargetName] = buildLintTarget({ root, configFiles: eslint, tools: facts.tools });
  // A build script the user wrote is theirs: we cannot know what it reads or writes, so we
  // add nothing to it (not even inputs/outputs) rather than risk a wrong cache restore.
  const hasBuildScript = Object.keys(Object(facts.packageJson?.scripts)).includes('build');
  if (tsconfigs.build && tsconfigs.build.chain.length && !hasBuildScript && wanted('build', options.buildTargetName)) {
    const build = buildBuildTarget({
      root,
      tsconfig: tsconfigs.build,
      targetName: options.buildTargetName,
      tools: facts.tools,
    });
    if (build) targets[options.buildTargetName] = build;
  }
  return { targets, hasTsconfig: tsconfigs.typecheck.length > 0, diagnostics };
}

const VITE_OR_VITEST_CONFIG = /^vite(?:st)?\.config\.[cm]?[jt]s$/;

function hasViteConfig(fileNames: readonly string[]): boolean {
  return fileNames.some((n) => VITE_OR_VITEST_CONFIG.test(n));
}

/**
 * Vitest started in a folder without a config of its own takes the nearest vitest/vite config
 * above it (it searches upward), so a package nested in another runs with the outer one's.
 * Globs for every folder above the project, listed whether or not a config exists there yet.
 */
export function ancestorViteConfigs(root: WorkspacePath): string[] {
  const out: string[] = [];
  if (root === '.') return out;
  for (let dir = posix.dirname(root); ; dir = posix.dirname(dir)) {
    const at = (name: string) => (dir === '.' ? name : `${dir}/${name}`);
    out.push(at('vitest.config.*'), at('vite.config.*'));
    if (dir === '.') return out;
  }
}
