import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import type { TypecheckExecutorOptions } from './options';
import { runTypecheckTasks, type TaskReport, type TypecheckTask } from './run-tasks';

/** `nx-fleet:typecheck` for one task (Nx without batch mode): the same server, one project. */
export default async function typecheckExecutor(
  options: TypecheckExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const id = `${context.projectName}:${context.targetName}`;
  const { reports } = await runTypecheckTasks(context.root, [{ id, options }]);
  process.stdout.write(reports[id].terminalOutput);
  return { success: reports[id].success };
}

/** Batch mode: every typecheck task of the Nx command, in dependency order, on the server's pool. */
export async function typecheckBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, TypecheckExecutorOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): Promise<Record<string, TaskReport>> {
  const project = (id: string) => taskGraph.tasks[id].target.project;
  const order = dependencyOrder(Object.keys(taskGraph.tasks), project, context);
  const affinity = affinities(order.map(project), context);
  const tasks: TypecheckTask[] = order.map((id) => ({ id, options: inputs[id], affinity: affinity.get(project(id)) }));
  const { reports } = await runTypecheckTasks(context.root, tasks);
  // Nx shows a batch's own stdout, not the terminalOutput it returns (that one is cached).
  for (const t of tasks)
    if (reports[t.id].terminalOutput) process.stdout.write(`> ${t.id}\n${reports[t.id].terminalOutput}`);
  return reports;
}

/**
 * Dependencies first, by the project graph (typecheck tasks rarely depend on each other in the
 * task graph): a dependency's files are then parsed before its dependents need them.
 */
function dependencyOrder(ids: string[], project: (id: string) => string, context: ExecutorContext): string[] {
  const byProject = new Map(ids.map((id) => [project(id), id]));
  const deps = context.projectGraph?.dependencies ?? {};
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (p: string, path: Set<string>) => {
    if (seen.has(p) || path.has(p)) return;
    path.add(p);
    for (const d of deps[p] ?? []) if (byProject.has(d.target)) visit(d.target, path);
    seen.add(p);
    out.push(byProject.get(p)!);
  };
  for (const id of ids) visit(project(id), new Set());
  return out;
}

/**
 * A thread group per project (CheckRequest.affinity), given in dependency order: a project with
 * no dependency in the batch starts a group; any other joins the group of its dependency with
 * the most transitive dependencies, whose files and diagnostics its program mostly repeats.
 */
export function affinities(projects: string[], context: ExecutorContext): Map<string, string> {
  const inBatch = new Set(projects);
  const deps = context.projectGraph?.dependencies ?? {};
  const closure = new Map<string, Set<string>>();
  const group = new Map<string, string>();
  for (const p of projects) {
    const direct = (deps[p] ?? []).map((d) => d.target).filter((d) => inBatch.has(d) && closure.has(d));
    const all = new Set<string>(direct);
    for (const d of direct) for (const t of closure.get(d)!) all.add(t);
    closure.set(p, all);
    const largest = direct.sort((a, b) => closure.get(b)!.size - closure.get(a)!.size)[0];
    group.set(p, largest === undefined ? p : group.get(largest)!);
  }
  return group;
}
