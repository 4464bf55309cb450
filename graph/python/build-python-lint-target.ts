import { PYTHON_ALL_FILES } from './python-inputs';
import { pythonTarget, type PythonTargetContext } from './python-target';
import type { PythonTarget } from './types';

/**
 * `ruff check .` in the project folder. Hashes every project file (ruff lints tests too) and
 * the ruff configs above the project (ruff looks upward for its config). No dependency
 * inputs: ruff checks files one by one, it does not read imported code.
 */
export function buildPythonLintTarget(
  ctx: PythonTargetContext,
  evidence: string,
  outsideFiles: string[],
): PythonTarget {
  return pythonTarget(ctx, {
    command: `${ctx.runner.module('ruff')} check .`,
    inputs: [PYTHON_ALL_FILES, ...outsideFiles],
    tool: 'ruff',
    description: `Lint with ruff via ${ctx.runner.label} (configured in ${evidence})`,
    help: { command: `${ctx.runner.module('ruff')} check --help`, example: { args: ['--fix'] } },
  });
}
