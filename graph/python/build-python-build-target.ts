import { PYTHON_DEPENDENCY_PRODUCTION_FILES, PYTHON_PRODUCTION_FILES } from './python-inputs';
import { pythonTarget, type PythonTargetContext } from './python-target';
import type { PythonTarget } from './types';

/**
 * Builds sdist and wheel into `{projectRoot}/dist` with the project's tool (`uv build`,
 * `poetry build`, `pdm build`, else `python -m build`). Hashes production files only: tests
 * are not packaged, so a test-only change neither rebuilds this project nor its dependents.
 */
export function buildPythonBuildTarget(ctx: PythonTargetContext): PythonTarget {
  return pythonTarget(ctx, {
    command: ctx.runner.build,
    inputs: [...PYTHON_PRODUCTION_FILES, ...PYTHON_DEPENDENCY_PRODUCTION_FILES],
    outputs: ['{projectRoot}/dist'],
    tool: ctx.runner.direct ? 'build' : ctx.runner.label,
    description: `Build the sdist and wheel into dist/ with \`${ctx.runner.build}\``,
    help: { command: `${ctx.runner.build} --help`, example: { args: ['--wheel'] } },
  });
}
