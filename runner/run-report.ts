import type { TaskSummary } from './job';

/** One agent's share of a run. */
export interface AgentReport {
  agent: string;
  /** Attempts it ran to a result (retries count on the agent that ran them). */
  tasks: number;
  /** Sum of its attempts' startedAt..endedAt. */
  busyMs: number;
  /** busyMs over the run's execution span (first queued to last result), 0..1 per slot. */
  busyShare: number;
}

/**
 * The figures of a run's final summary, computed once from the tasks' summaries: the terminal
 * prints these and `--summary-json` holds them as `report`, so the two always agree.
 */
export interface RunReport {
  tasks: number;
  succeeded: number;
  failed: number;
  /** From the first task queued to the last result received (the coordinator's clock). */
  execMs: number;
  agents: AgentReport[];
  /** The longest chain of dependent tasks by their run time on the agents, and its length. */
  criticalPath: { tasks: string[]; ms: number };
  /** How the agents' nx got each task's result: `ran`, or taken from a cache (by source). */
  cache: { hits: number; remote: number; local: number; ran: number; unknown: number };
  /** Attempts beyond each task's first. */
  retries: number;
  retried: Array<{ taskId: string; attempts: number; codes: string[] }>;
  flaky: string[];
  /** The longest tasks by their last attempt's run time, at most 5. */
  slowest: Array<{ taskId: string; agent?: string; ms: number }>;
}

const duration = (t: TaskSummary): number =>
  t.startedAt !== undefined && t.endedAt !== undefined ? Math.max(0, t.endedAt - t.startedAt) : 0;

/** The run's figures from its tasks (see {@link RunReport}). */
export function runReport(tasks: TaskSummary[]): RunReport {
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const queued = tasks.map((t) => t.queuedAt).filter((x): x is number => x !== undefined);
  const results = tasks.map((t) => t.resultAt ?? t.endedAt).filter((x): x is number => x !== undefined);
  const execMs = queued.length && results.length ? Math.max(0, Math.max(...results) - Math.min(...queued)) : 0;
  const agents = new Map<string, AgentReport>();
  for (const t of tasks)
    for (const h of t.history ?? []) {
      const a = agents.get(h.agent) ?? { agent: h.agent, tasks: 0, busyMs: 0, busyShare: 0 };
      a.tasks++;
      a.busyMs += Math.max(0, h.endedAt - h.startedAt);
      agents.set(h.agent, a);
    }
  for (const a of agents.values()) a.busyShare = execMs > 0 ? Math.min(1, a.busyMs / execMs) : 0;
  // Longest path over the run's dependencies, weighted by each task's run time.
  const memo = new Map<string, { ms: number; next?: string }>();
  const longest = (id: string, seen: Set<string>): { ms: number; next?: string } => {
    const hit = memo.get(id);
    if (hit) return hit;
    const t = byId.get(id);
    if (!t || seen.has(id)) return { ms: 0 };
    seen.add(id);
    let best: { ms: number; next?: string } = { ms: 0 };
    for (const d of t.deps ?? []) {
      const r = longest(d, seen);
      if (r.ms > best.ms) best = { ms: r.ms, next: d };
    }
    seen.delete(id);
    const r = { ms: best.ms + duration(t), next: best.next };
    memo.set(id, r);
    return r;
  };
  let end: string | undefined;
  let endMs = 0;
  for (const t of [...tasks].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
    const r = longest(t.taskId, new Set());
    if (r.ms > endMs) ((endMs = r.ms), (end = t.taskId));
  }
  const chain: string[] = [];
  for (let id = end; id !== undefined; id = memo.get(id)?.next) chain.unshift(id);
  const cache = { hits: 0, remote: 0, local: 0, ran: 0, unknown: 0 };
  for (const t of tasks) {
    if (t.status !== 'success') continue;
    const nx = t.history?.at(-1)?.nxStatus;
    if (nx === 'remote-cache') (cache.hits++, cache.remote++);
    else if (nx?.startsWith('local-cache')) (cache.hits++, cache.local++);
    else if (nx) cache.ran++;
    else cache.unknown++;
  }
  const retried = tasks
    .filter((t) => (t.history?.length ?? 0) > 1)
    .map((t) => ({
      taskId: t.taskId,
      attempts: t.history!.length,
      codes: t.history!.filter((h) => h.status === 'failure').map((h) => h.code ?? 'FLEET_TASK_EXIT'),
    }))
    .sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
  const slowest = tasks
    .filter((t) => t.startedAt !== undefined && t.endedAt !== undefined)
    .map((t) => ({ taskId: t.taskId, ...(t.agent ? { agent: t.agent } : {}), ms: duration(t) }))
    .sort((a, b) => b.ms - a.ms || (a.taskId < b.taskId ? -1 : 1))
    .slice(0, 5);
  return {
    tasks: tasks.length,
    succeeded: tasks.filter((t) => t.status === 'success').length,
    failed: tasks.filter((t) => t.status !== 'success').length,
    execMs,
    agents: [...agents.values()].sort((a, b) => (a.agent < b.agent ? -1 : 1)),
    criticalPath: { tasks: chain, ms: endMs },
    cache,
    retries: tasks.reduce((n, t) => n + Math.max(0, (t.history?.length ?? 0) - 1), 0),
    retried,
    flaky: tasks
      .filter((t) => t.flaky)
      .map((t) => t.taskId)
      .sort(),
    slowest,
  };
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The final summary's lines, from the report alone (what `--summary-json` holds as `report`). */
export function reportLines(r: RunReport): string[] {
  const lines: string[] = [];
  lines.push(
    `${r.succeeded}/${r.tasks} tasks succeeded${r.failed ? `, ${r.failed} did not` : ''} in ${secs(r.execMs)} on ${r.agents.length} agent(s)`,
  );
  for (const a of r.agents)
    lines.push(`  ${a.agent}: ${a.tasks} task(s), busy ${secs(a.busyMs)} (${Math.round(a.busyShare * 100)}%)`);
  if (r.criticalPath.tasks.length)
    lines.push(
      `critical path: ${secs(r.criticalPath.ms)} over ${r.criticalPath.tasks.length} task(s): ${r.criticalPath.tasks.join(' → ')}`,
    );
  lines.push(
    `cache: ${r.cache.hits} of ${r.tasks} from a cache (remote ${r.cache.remote}, local ${r.cache.local}), ${r.cache.ran} ran${r.cache.unknown ? `, ${r.cache.unknown} unknown (no nx-fleet plugin)` : ''}`,
  );
  lines.push(
    `retries: ${r.retries}${r.retried.length ? ` (${r.retried.map((t) => `${t.taskId} ×${t.attempts}: ${t.codes.join(', ')}`).join('; ')})` : ''}; flaky: ${r.flaky.length ? r.flaky.join(', ') : 'none'}`,
  );
  if (r.slowest.length)
    lines.push(
      `slowest: ${r.slowest.map((t) => `${t.taskId} ${secs(t.ms)}${t.agent ? ` (${t.agent})` : ''}`).join(', ')}`,
    );
  return lines;
}
