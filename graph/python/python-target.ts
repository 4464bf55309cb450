import type { PythonRunner } from './python-runner';
import type { PythonTarget, PythonTargetInput } from './types';

/** What every Python target of one project shares. */
export interface PythonTargetContext {
  /** Nx project root (`.` for the workspace root). */
  root: string;
  runner: PythonRunner;
  /** Environment for the command (PYTHONPATH for direct interpreters, no bytecode files). */
  env: Record<string, string>;
  /** Workspace files outside the project every target reads: the lockfile above the project. */
  sharedInputs: string[];
}

/** The parts that differ between targets. */
export interface PythonTargetSpec {
  command: string;
  inputs: PythonTargetInput[];
  outputs?: string[];
  tool: string;
  description: string;
  help: { command: string; example: Record<string, unknown> };
}

/**
 * A cached `nx:run-commands` target run in the project folder. Every target also hashes the
 * shared inputs (lockfile) and the interpreter version (`runtime`): a different Python can
 * change the result of the same sources.
 */
export function pythonTarget(ctx: PythonTargetContext, spec: PythonTargetSpec): PythonTarget {
  const options: PythonTarget['options'] = { cwd: ctx.root };
  if (Object.keys(ctx.env).length > 0) options.env = { ...ctx.env };
  return {
    command: spec.command,
    options,
    cache: true,
    inputs: [...spec.inputs, ...ctx.sharedInputs, { runtime: ctx.runner.version }],
    outputs: spec.outputs ?? [],
    metadata: {
      technologies: ['python', spec.tool],
      description: spec.description,
      help: spec.help,
    },
  };
}
