import type { PythonTool } from './types';

/**
 * How a project's Python commands are run. Projects managed by uv, Poetry or PDM run through
 * the tool (`uv run python -m pytest`), which uses the project's own environment; the others
 * run the configured interpreter directly (`python3 -m pytest`).
 *
 * @example pythonRunner('uv', 'python/core', 'python3').module('pytest') === 'uv run python -m pytest'
 */
export interface PythonRunner {
  /** What runs the commands: `uv`, `poetry`, `pdm`, or the interpreter (`python3`). */
  readonly label: string;
  /** True when commands run the interpreter directly (no tool-managed environment). */
  readonly direct: boolean;
  /** The command that runs a Python module, e.g. `python3 -m pytest`. */
  module(name: string): string;
  /** The command that builds sdist and wheel into `dist/`. */
  readonly build: string;
  /**
   * Prints the interpreter version; run by Nx at the workspace root as a `runtime` input, so
   * it names the project folder where the tool needs it. Never machine-specific output.
   */
  readonly version: string;
}

const TOOL_RUNNERS: Partial<Record<PythonTool, (root: string) => Omit<PythonRunner, 'direct'>>> = {
  uv: (root) => ({
    label: 'uv',
    module: (m) => `uv run python -m ${m}`,
    build: 'uv build',
    version: `uv run --project ${dir(root)} --no-sync python --version`,
  }),
  poetry: (root) => ({
    label: 'poetry',
    module: (m) => `poetry run python -m ${m}`,
    build: 'poetry build',
    version: `poetry -C ${dir(root)} run python --version`,
  }),
  pdm: (root) => ({
    label: 'pdm',
    module: (m) => `pdm run python -m ${m}`,
    build: 'pdm build',
    version: `pdm run -p ${dir(root)} python --version`,
  }),
};

/** The runner of a project with `tool` at `root` (`''` for the workspace root); `interpreter` is the `python.interpreter` option. */
export function pythonRunner(tool: PythonTool, root: string, interpreter: string): PythonRunner {
  const viaTool = TOOL_RUNNERS[tool];
  if (viaTool) return { ...viaTool(root), direct: false };
  // `{workspaceRoot}/.venv/bin/python` works in commands (Nx replaces the token in options);
  // runtime inputs run at the workspace root without token replacement, hence the strip.
  const atRoot = interpreter.replace(/^\{workspaceRoot\}\//, '');
  return {
    label: interpreter,
    direct: true,
    module: (m) => `${interpreter} -m ${m}`,
    build: `${interpreter} -m build`,
    version: `${atRoot} --version`,
  };
}

function dir(root: string): string {
  return root === '' ? '.' : root;
}
