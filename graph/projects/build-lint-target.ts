import { ALL_PROJECT_FILES, DEPENDENCY_PRODUCTION_FILES, workspaceFileInputs } from './inputs';
import type { InferredTarget } from './types';
import type { ToolInputs } from './tool-inputs';

export interface LintTargetInput {
  root: string;
  /** The ESLint config files that apply (the project's own, else the workspace root's). */
  configFiles: string[];
  tools: ToolInputs;
}

/**
 * `eslint .` in the project folder. Hashes every project file (ESLint lints tests too),
 * dependency production files (type-aware rules read their types), the config files outside
 * the project, and the installed ESLint version.
 */
export function buildLintTarget({ root, configFiles, tools }: LintTargetInput): InferredTarget {
  return {
    command: 'eslint .',
    options: { cwd: root },
    cache: true,
    inputs: [
      ALL_PROJECT_FILES,
      DEPENDENCY_PRODUCTION_FILES,
      ...workspaceFileInputs(configFiles, root),
      ...tools(['eslint']),
    ],
    outputs: [],
    metadata: {
      technologies: ['eslint'],
      description: `Lint with ESLint (${configFiles.join(', ')})`,
      help: { command: 'npx eslint --help', example: { args: ['--fix'] } },
    },
  };
}
