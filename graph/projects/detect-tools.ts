import type { TestRunner } from './build-test-target';
import { objectAt } from './read-json';
import type { WorkspaceReader } from './types';

export interface DetectedTestRunner {
  runner: TestRunner;
  detectedFrom: string;
}

export interface TestRunnerFacts {
  root: string;
  /** File names in the project folder (not recursive). */
  rootFileNames: readonly string[];
  packageJson: Record<string, unknown> | undefined;
  rootPackageJson: Record<string, unknown> | undefined;
  hasTestFiles: boolean;
}

const VITEST_CONFIG = /^vitest\.config\.[cm]?[jt]s$/;
const VITE_CONFIG = /^vite\.config\.[cm]?[jt]s$/;
const JEST_CONFIG = /^jest\.config\.([cm]?[jt]s|json)$/;
const ESLINT_CONFIG = /^(eslint\.config\.[cm]?[jt]s|\.eslintrc(\.(js|cjs|json|ya?ml))?)$/;

function declares(pkg: Record<string, unknown> | undefined, name: string): string | undefined {
  for (const field of ['devDependencies', 'dependencies']) if (name in objectAt(pkg, field)) return `${field}.${name}`;
  return undefined;
}

/**
 * Picks the test runner, most specific evidence first: a runner config file in the project,
 * a vite config with a `test` block, the project's package.json dependencies, and finally,
 * for a project with test files, the one runner the root package.json depends on.
 */
export function detectTestRunner(reader: WorkspaceReader, facts: TestRunnerFacts): DetectedTestRunner | undefined {
  const vitestConfig = facts.rootFileNames.find((n) => VITEST_CONFIG.test(n));
  if (vitestConfig) return { runner: 'vitest', detectedFrom: vitestConfig };
  const jestConfig = facts.rootFileNames.find((n) => JEST_CONFIG.test(n));
  if (jestConfig) return { runner: 'jest', detectedFrom: jestConfig };
  if (facts.packageJson?.jest !== undefined) return { runner: 'jest', detectedFrom: 'package.json "jest"' };
  const viteConfig = facts.rootFileNames.find((n) => VITE_CONFIG.test(n));
  if (viteConfig) {
    const text = reader.readFile(facts.root === '.' ? viteConfig : `${facts.root}/${viteConfig}`) ?? '';
    if (/\btest\s*:/.test(text)) return { runner: 'vitest', detectedFrom: `${viteConfig} (test block)` };
  }
  for (const runner of ['vitest', 'jest'] as const) {
    const field = declares(facts.packageJson, runner);
    if (field) return { runner, detectedFrom: `package.json ${field}` };
  }
  if (!facts.hasTestFiles) return undefined;
  const candidates = (['vitest', 'jest'] as const).filter((r) => declares(facts.rootPackageJson, r));
  if (candidates.length !== 1) return undefined;
  return {
    runner: candidates[0],
    detectedFrom: `test files and the root package.json ${declares(facts.rootPackageJson, candidates[0])}`,
  };
}

/**
 * ESLint config files that may apply to a project: its own and the workspace root's (a
 * project's flat config commonly imports the root one, so both are inputs). Empty: no lint.
 */
export function detectEslintConfig(
  projectFileNames: readonly string[],
  rootFileNames: readonly string[],
  root: string,
): string[] {
  const own = root === '.' ? [] : projectFileNames.filter((n) => ESLINT_CONFIG.test(n)).map((n) => `${root}/${n}`);
  return [...own, ...rootFileNames.filter((n) => ESLINT_CONFIG.test(n))];
}

/** Workspace-root runner configs that a project's test run may read (vitest workspace/projects files). */
export function rootRunnerFiles(rootFileNames: readonly string[], runner: TestRunner): string[] {
  const re = runner === 'vitest' ? /^vitest\.(config|workspace)\.[cm]?[jt]s$/ : JEST_CONFIG;
  return rootFileNames.filter((n) => re.test(n));
}
