import { ALL_PROJECT_FILES, DEPENDENCY_TEST_SUPPORT_FILES, workspaceFileInputs } from './inputs';
import type { InferredTarget } from './types';
import type { ToolInputs } from './tool-inputs';

export type TestRunner = 'vitest' | 'jest';

export interface TestTargetInput {
  root: string;
  runner: TestRunner;
  /** Why this runner was chosen, e.g. `vitest.config.ts` or `devDependencies.vitest`. */
  detectedFrom: string;
  /** Workspace files outside the project the runner reads: tsconfig chain, root runner configs. */
  workspaceFiles: string[];
  tools: ToolInputs;
  /** `fleet`: vitest targets use the nx-fleet:vitest batch executor (docs/local-execution.md). */
  testExecutor?: 'commands' | 'fleet';
}

const COMMANDS: Record<TestRunner, { command: string; help: string; example: Record<string, unknown> }> = {
  vitest: { command: 'vitest run', help: 'npx vitest --help', example: { args: ['--bail=1', '--coverage'] } },
  jest: { command: 'jest', help: 'npx jest --help', example: { args: ['--bail', '--coverage'] } },
};

/**
 * Runs the project's tests. Hashes every file of the project (tests and their fixtures are
 * inputs here), the files of dependencies but their own tests (tests import their test helpers and fixtures too),
 * workspace files the runner reads, and the runner's installed version.
 */
export function buildTestTarget({
  root,
  runner,
  detectedFrom,
  workspaceFiles,
  tools,
  testExecutor = 'commands',
}: TestTargetInput): InferredTarget {
  const c = COMMANDS[runner];
  // The same run as `vitest run` in the folder: cwd is Vitest's root, its config is found there.
  const run =
    runner === 'vitest' && testExecutor === 'fleet'
      ? { executor: 'nx-fleet:vitest', options: { cwd: root } }
      : { command: c.command, options: { cwd: root } };
  return {
    ...run,
    cache: true,
    inputs: [
      ALL_PROJECT_FILES,
      DEPENDENCY_TEST_SUPPORT_FILES,
      ...workspaceFileInputs(workspaceFiles, root),
      ...tools([runner]),
    ],
    outputs: ['{projectRoot}/coverage'],
    metadata: {
      technologies: [runner],
      description: `Run the tests with ${runner} (detected from ${detectedFrom})`,
      help: { command: c.help, example: c.example },
    },
  };
}
