/**
 * Which project, target and configuration names an agent accepts in a job: every name Nx accepts
 * (scoped `@scope/pkg`, spaces, `:`, non-ASCII; test/runner/task-names.test.ts checks this against
 * a real Nx workspace), except the few that `nx run <project>:<target>[:<configuration>]` cannot
 * address or that could change what nx does:
 * - a project name starting with `-`: the argument would be read as an nx flag;
 * - control characters (newlines, tabs, escapes): they would forge lines in logs and messages;
 * - a double quote: `nx run` reads `"` as quoting when it splits its argument at `:` (found by
 *   the property test: Nx's own split maps no such name back to its task);
 * - the targets `b`, `e`, `l`, `s`, `t`: `nx run` turns them into build, e2e, lint, serve, test.
 */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** nx run's target aliases (Nx 24, run-one.js `targetAliases`). */
export const NX_TARGET_ALIASES: ReadonlySet<string> = new Set(['b', 'e', 'l', 's', 't']);
const MAX_NAME = 512;

export type NameKind = 'project' | 'target' | 'configuration';

/** Why `name` cannot be part of an agent's `nx run` argument, or undefined. */
export function taskNameProblem(kind: NameKind, name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return `${kind} must be a non-empty string`;
  if (name.length > MAX_NAME) return `${kind} is longer than ${MAX_NAME} characters`;
  if (CONTROL.test(name)) return `${kind} ${JSON.stringify(name)} holds a control character`;
  if (name.includes('"')) return `${kind} ${JSON.stringify(name)} holds a double quote (nx run reads it as quoting)`;
  if (kind === 'project' && name.startsWith('-'))
    return `project ${JSON.stringify(name)} starts with "-" (nx would read it as a flag)`;
  if (kind === 'target' && NX_TARGET_ALIASES.has(name))
    return `target "${name}" is an alias of nx run (it would run another target)`;
  return undefined;
}

/** The task id Nx gives the task, and the one argument an agent passes to `nx run`. */
export function nxTaskArg(project: string, target: string, configuration?: string): string {
  return configuration === undefined ? `${project}:${target}` : `${project}:${target}:${configuration}`;
}

/** The argv after nx's bin: no shell, one argument for the whole task specifier. */
export function nxRunArgv(project: string, target: string, configuration?: string): string[] {
  const problem =
    taskNameProblem('project', project) ??
    taskNameProblem('target', target) ??
    (configuration === undefined ? undefined : taskNameProblem('configuration', configuration));
  if (problem) throw Object.assign(new Error(problem), { code: 'FLEET_JOB_MALFORMED' });
  return ['run', nxTaskArg(project, target, configuration)];
}
