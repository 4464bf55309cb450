import * as posix from 'node:path/posix';
import {
  ALL_PROJECT_FILES,
  DEPENDENCY_TEST_SUPPORT_FILES,
  DEPENDENCY_PRODUCTION_FILES,
  PRODUCTION_FILES,
  excludesTests,
  workspaceFileInputs,
} from './inputs';
import type { ResolvedTsconfig } from './resolve-tsconfig';
import type { InferredTarget } from './types';
import type { ToolInputs } from './tool-inputs';

export interface TypecheckTargetInput {
  root: string;
  /** The tsconfig files to check, usually one (see docs/inference.md for the choice). */
  tsconfigs: ResolvedTsconfig[];
  tools: ToolInputs;
  /** `fleet`: the nx-fleet:typecheck executor (docs/local-execution.md) instead of the tsc command. */
  executors?: 'commands' | 'fleet';
}

/**
 * `tsc --noEmit -p <tsconfig>` in the project folder. Hashes the files the program can read:
 * the project's files (only production ones when every checked tsconfig excludes tests),
 * the production files of dependencies (all but their own tests when the program compiles
 * the tests, which import dependencies' test helpers too), the tsconfig
 * chain outside the project, and the installed TypeScript version.
 */
export function buildTypecheckTarget({
  root,
  tsconfigs,
  tools,
  executors = 'commands',
}: TypecheckTargetInput): InferredTarget {
  const relative = (f: string) => posix.relative(root === '.' ? '' : root, f);
  const command = tsconfigs.map((t) => `tsc --noEmit -p ${relative(t.file)}`).join(' && ');
  const productionOnly = tsconfigs.every((t) => excludesTests(t.exclude));
  const external = new Set(['typescript', ...tsconfigs.flatMap((t) => t.extendsPackages)]);
  const run =
    executors === 'fleet'
      ? { executor: 'nx-fleet:typecheck', options: { cwd: root, tsConfigs: tsconfigs.map((t) => relative(t.file)) } }
      : { command, options: { cwd: root } };
  return {
    ...run,
    cache: true,
    inputs: [
      productionOnly ? PRODUCTION_FILES : ALL_PROJECT_FILES,
      // a program that compiles the tests reads what they import of dependencies' test-only files
      productionOnly ? DEPENDENCY_PRODUCTION_FILES : DEPENDENCY_TEST_SUPPORT_FILES,
      ...workspaceFileInputs(
        tsconfigs.flatMap((t) => t.chain),
        root,
      ),
      ...tools([...external]),
    ],
    outputs: [],
    metadata: {
      technologies: ['typescript'],
      description: `Type-check with ${tsconfigs.map((t) => relative(t.file)).join(' and ')}`,
      help: { command: 'npx tsc --help', example: { args: ['--pretty'] } },
    },
  };
}
