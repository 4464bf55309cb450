import { spawn, spawnSync } from 'node:child_process';
import { resolveNxBin, withInProcessPlugins } from './nx-task';
import type { Requirement } from './requirement';
import { resolveRequirement, type RoutingOptions } from './requirements';

/** A task of the run, with what it waits for and what it needs. */
export interface PlannedTask {
  id: string;
  project: string;
  target: string;
  configuration?: string;
  deps: string[];
  requirement: Requirement;
  /** From the target's `metadata.fleet.timeout` (seconds), when given. */
  timeoutMs?: number;
  /** False when Nx caches no result of it (`cache: false`): the replay runs it again. */
  cache?: boolean;
}

export type TaskGraphResult =
  | { ok: true; tasks: PlannedTask[] }
  | {
      ok: false;
      code: 'FLEET_TASK_GRAPH_FAILED' | 'FLEET_INVALID_REQUIREMENT' | 'FLEET_INVALID_TIMEOUT';
      message: string;
    };

interface NxGraphOutput {
  graph?: {
    nodes?: Record<
      string,
      { data?: { tags?: string[]; targets?: Record<string, { metadata?: Record<string, unknown> }> } }
    >;
  };
  tasks?: {
    tasks?: Record<
      string,
      { id: string; cache?: boolean; target: { project: string; target: string; configuration?: string } }
    >;
    dependencies?: Record<string, Array<string | { id: string }>>;
  };
}

/** Parses `nx <command> --graph=stdout` (Nx 24: `{graph, tasks: {tasks, dependencies}}`) and routes every task. */
export function planTasks(json: string, routing: RoutingOptions): TaskGraphResult {
  let out: NxGraphOutput;
  try {
    out = JSON.parse(json.slice(json.indexOf('{'))) as NxGraphOutput;
  } catch (e) {
    return {
      ok: false,
      code: 'FLEET_TASK_GRAPH_FAILED',
      message: `nx --graph=stdout did not print JSON: ${(e as Error).message}`,
    };
  }
  const tasks: PlannedTask[] = [];
  for (const t of Object.values(out.tasks?.tasks ?? {})) {
    const node = out.graph?.nodes?.[t.target.project]?.data;
    const resolved = resolveRequirement(
      {
        project: t.target.project,
        target: t.target.target,
        configuration: t.target.configuration,
        tags: node?.tags ?? [],
        metadata: node?.targets?.[t.target.target]?.metadata,
      },
      routing,
    );
    if (!resolved.ok) return resolved;
    const timeout = (node?.targets?.[t.target.target]?.metadata?.fleet as { timeout?: unknown } | undefined)?.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
      return {
        ok: false,
        code: 'FLEET_INVALID_TIMEOUT',
        message: `${t.target.project}:${t.target.target} metadata.fleet.timeout: expected seconds > 0, got ${JSON.stringify(timeout)}`,
      };
    }
    const deps = (out.tasks?.dependencies?.[t.id] ?? []).map((d) => (typeof d === 'string' ? d : d.id));
    const task: PlannedTask = {
      id: t.id,
      project: t.target.project,
      target: t.target.target,
      configuration: t.target.configuration,
      deps,
      requirement: resolved.requirement,
    };
    if (typeof timeout === 'number') task.timeoutMs = Math.round(timeout * 1000);
    if (t.cache === false) task.cache = false;
    tasks.push(task);
  }
  return { ok: true, tasks };
}

/** Asks the workspace's nx for the task graph of `nxArgs` without running anything. */
/**
 * {@link readTaskGraph} without blocking: the coordinator starts Nx on the task graph first and
 * does its own start-up (git state, the run's record, the agents' prepare message) meanwhile.
 */
export function readTaskGraphAsync(
  cwd: string,
  nxArgs: string[],
  routing: RoutingOptions,
  env: NodeJS.ProcessEnv = process.env,
): { result: Promise<TaskGraphResult>; cancel(): void } {
  const child = spawn(process.execPath, [resolveNxBin(cwd), ...nxArgs, '--graph=stdout'], {
    cwd,
    env: { ...withInProcessPlugins(env), NX_TUI: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const result = new Promise<TaskGraphResult>((resolve) => {
    child.once('error', (e) =>
      resolve({ ok: false, code: 'FLEET_TASK_GRAPH_FAILED', message: `cannot start nx: ${e.message}` }),
    );
    child.once('close', (status) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (status !== 0)
        return resolve({
          ok: false,
          code: 'FLEET_TASK_GRAPH_FAILED',
          message: `nx ${nxArgs.join(' ')} --graph=stdout exited ${status}: ${(Buffer.concat(err).toString('utf8') || stdout).trim().slice(0, 2000)}`,
        });
      resolve(planTasks(stdout, routing));
    });
  });
  return { result, cancel: () => void child.kill('SIGTERM') };
}

export function readTaskGraph(
  cwd: string,
  nxArgs: string[],
  routing: RoutingOptions,
  env: NodeJS.ProcessEnv = process.env,
): TaskGraphResult {
  const r = spawnSync(process.execPath, [resolveNxBin(cwd), ...nxArgs, '--graph=stdout'], {
    cwd,
    env: { ...withInProcessPlugins(env), NX_TUI: 'false' },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.status !== 0)
    return {
      ok: false,
      code: 'FLEET_TASK_GRAPH_FAILED',
      message: `nx ${nxArgs.join(' ')} --graph=stdout exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`,
    };
  return planTasks(r.stdout, routing);
}

/**
 * Longest remaining path from each task to the end of the graph, weighted by each task's typical
 * duration from earlier runs (`durations`, ms); a task never seen counts as the median known
 * duration, so with no history this is the path length in tasks. Released first, so the longest
 * chain starts earliest.
 */
export function criticalPathLengths(
  tasks: PlannedTask[],
  durations: ReadonlyMap<string, number> = new Map(),
): Map<string, number> {
  const known = tasks
    .map((t) => durations.get(t.id))
    .filter((d): d is number => d !== undefined && d > 0)
    .sort((a, b) => a - b);
  const typical = known.length ? known[Math.floor(known.length / 2)] : 1;
  const weight = (id: string): number => {
    const d = durations.get(id);
    return d !== undefined && d > 0 ? d : typical;
  };
  const dependents = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const d of t.deps) dependents.get(d)?.push(t.id);
  const memo = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // Nx refuses cycles before us; this only guards the recursion.
    seen.add(id);
    const len = weight(id) + Math.max(0, ...(dependents.get(id) ?? []).map((c) => visit(c, seen)));
    memo.set(id, len);
    return len;
  };
  for (const t of tasks) visit(t.id, new Set());
  return memo;
}
