import { PYTHON_ALL_FILES, PYTHON_DEPENDENCY_TEST_SUPPORT_FILES } from './python-inputs';
import { pythonTarget, type PythonTargetContext } from './python-target';
import type { PythonTarget } from './types';

export interface PythonTestTargetInput {
  /** Why pytest was chosen (`pyproject.toml [tool.pytest.ini_options]`, `dependency pytest`); absent: unittest. */
  pytestEvidence?: string;
  /** Top-level `tests`/`test` folder, where unittest discovery starts. */
  testDir?: string;
  /** Workspace files above the project pytest reads: `conftest.py` of every parent folder, the lockfile. */
  outsideFiles: string[];
}

/**
 * Runs the project's tests: pytest when the project declares or configures it, otherwise
 * `unittest` discovery. Hashes every project file (tests, fixtures, conftest.py), the files
 * of dependencies but their test modules (the tests import their test helpers too), the conftest.py files above the
 * project, the folders outside it that pytest's `pythonpath` setting adds, and (through the context) the lockfile and interpreter version.
 */
export function buildPythonTestTarget(ctx: PythonTargetContext, input: PythonTestTargetInput): PythonTarget {
  const inputs = [PYTHON_ALL_FILES, PYTHON_DEPENDENCY_TEST_SUPPORT_FILES, ...input.outsideFiles];
  if (input.pytestEvidence) {
    return pythonTarget(ctx, {
      command: ctx.runner.module('pytest'),
      inputs,
      tool: 'pytest',
      description: `Run the tests with pytest via ${ctx.runner.label} (detected from ${input.pytestEvidence})`,
      help: { command: `${ctx.runner.module('pytest')} --help`, example: { args: ['-x', '-k', 'name'] } },
    });
  }
  const start = input.testDir ? ` -s ${input.testDir}` : '';
  return pythonTarget(ctx, {
    command: `${ctx.runner.module('unittest')} discover${start}`,
    inputs,
    tool: 'unittest',
    description: `Run the tests with unittest discovery via ${ctx.runner.label} (pytest is neither declared nor configured)`,
    help: { command: `${ctx.runner.module('unittest')} --help`, example: { args: ['-v'] } },
  });
}
