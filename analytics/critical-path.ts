/** A task as the critical-path and idle-time analysis sees it. */
export interface TimedTask {
  taskId: string;
  startTime: number | null;
  endTime: number | null;
  /** Agent or worker that ran it, when known (distributed runs). */
  worker?: string | null;
}

export interface CriticalPath {
  tasks: string[];
  durationMs: number;
}

const duration = (t: TimedTask): number =>
  t.startTime !== null && t.endTime !== null ? Math.max(0, t.endTime - t.startTime) : 0;

/**
 * The longest chain of dependent tasks by summed duration (a task's attempts summed): no task on it could have started
 * earlier, so it bounds the run's duration whatever the parallelism. `deps` maps a task to the
 * tasks it waits for (ids outside `tasks` are ignored). A cycle cannot occur in an Nx task
 * graph; it is broken, not followed, if one is given.
 */
export function criticalPath(tasks: TimedTask[], deps: Record<string, string[]>): CriticalPath {
  // A retried task (distributed runs record one entry per attempt) holds its dependents back for
  // every attempt: its time on the path is the sum of its attempts' durations.
  const byId = new Map<string, number>();
  for (const t of tasks) byId.set(t.taskId, (byId.get(t.taskId) ?? 0) + duration(t));
  const best = new Map<string, { total: number; prev: string | null }>();
  const visiting = new Set<string>();
  const solve = (id: string): number => {
    const known = best.get(id);
    if (known) return known.total;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let prev: string | null = null;
    let longest = 0;
    for (const d of deps[id] ?? []) {
      if (!byId.has(d)) continue;
      const v = solve(d);
      if (prev === null || v > longest || (v === longest && d < prev)) {
        longest = v;
        prev = d;
      }
    }
    visiting.delete(id);
    const total = longest + byId.get(id)!;
    best.set(id, { total, prev });
    return total;
  };
  let end: string | null = null;
  let max = -1;
  for (const id of [...byId.keys()].sort()) {
    const v = solve(id);
    if (v > max) {
      max = v;
      end = id;
    }
  }
  const chain: string[] = [];
  for (let id = end; id; id = best.get(id)?.prev ?? null) chain.unshift(id);
  return { tasks: chain, durationMs: Math.max(0, max) };
}

export interface WorkerIdle {
  worker: string;
  busyMs: number;
  idleMs: number;
  tasks: number;
}

/**
 * Busy and idle time per worker over the run's span. Nx does not say which of its workers ran a
 * task, so local runs are laid onto the fewest lanes that hold them (interval partitioning,
 * earliest free lane first): `lane-1`… are inferred, agents are named.
 */
export function workerIdle(tasks: TimedTask[], span: { start: number; end: number }): WorkerIdle[] {
  const timed = tasks
    .filter((t) => t.startTime !== null && t.endTime !== null)
    .sort((a, b) => a.startTime! - b.startTime!);
  const lanes: Array<{ worker: string; freeAt: number; busy: number; n: number }> = [];
  const named = new Map<string, { worker: string; freeAt: number; busy: number; n: number }>();
  for (const t of timed) {
    let lane = t.worker
      ? named.get(t.worker)
      : lanes.filter((l) => l.freeAt <= t.startTime!).sort((a, b) => a.freeAt - b.freeAt)[0];
    if (!lane) {
      lane = { worker: t.worker ?? `lane-${lanes.length + 1}`, freeAt: 0, busy: 0, n: 0 };
      if (t.worker) named.set(t.worker, lane);
      else lanes.push(lane);
    }
    lane.freeAt = Math.max(lane.freeAt, t.endTime!);
    lane.busy += duration(t);
    lane.n++;
  }
  const total = Math.max(0, span.end - span.start);
  return [...lanes, ...named.values()].map((l) => ({
    worker: l.worker,
    busyMs: l.busy,
    idleMs: Math.max(0, total - l.busy),
    tasks: l.n,
  }));
}
