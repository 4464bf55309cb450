import {
  PYTHON_ALL_FILES,
  PYTHON_DEPENDENCY_PRODUCTION_FILES,
  PYTHON_PRODUCTION_FILES,
  PYTHON_TEST_DIRS,
} from './python-inputs';
import { pythonTarget, type PythonTargetContext } from './python-target';
import type { PythonTarget } from './types';

export interface PythonTypecheckTargetInput {
  checker: 'mypy' | 'pyright';
  evidence: string;
  /** Production source paths relative to the project folder (`src`, `pkg`, `module.py`). */
  paths: string[];
  outsideFiles: string[];
}

/** mypy's `--exclude` (a regex over paths) for the files the production inputs leave out. */
const MYPY_TEST_EXCLUDE = `(^|/)(${PYTHON_TEST_DIRS.join('|')})/|(^|/)(test_[^/]*|[^/]*_test|conftest)\\.py$`;

/**
 * Type-checks the production sources. mypy gets the production paths with tests excluded, so
 * the target hashes production files only (a test-only change does not re-run it); pyright
 * has no command-line exclude, so it hashes every project file. Both hash the production
 * files of dependencies (the checker reads their code through imports).
 */
export function buildPythonTypecheckTarget(ctx: PythonTargetContext, input: PythonTypecheckTargetInput): PythonTarget {
  const paths = input.paths.length > 0 ? input.paths.join(' ') : '.';
  const own = input.checker === 'mypy' ? PYTHON_PRODUCTION_FILES : [PYTHON_ALL_FILES];
  const command =
    input.checker === 'mypy'
      ? `${ctx.runner.module('mypy')} ${paths} --exclude '${MYPY_TEST_EXCLUDE}'`
      : `${ctx.runner.module('pyright')} ${paths}`;
  return pythonTarget(ctx, {
    command,
    inputs: [...own, ...PYTHON_DEPENDENCY_PRODUCTION_FILES, ...input.outsideFiles],
    tool: input.checker,
    description: `Type-check ${paths} with ${input.checker} via ${ctx.runner.label} (configured in ${input.evidence})`,
    help: {
      command: `${ctx.runner.module(input.checker)} --help`,
      example: { args: input.checker === 'mypy' ? ['--strict'] : ['--verbose'] },
    },
  });
}
