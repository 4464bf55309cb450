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
}: TestTargetInput): InferredTarget {
  const c = COMMANDS[runner];
  return {
    command: c.command,
    options: { cwd: root },
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
