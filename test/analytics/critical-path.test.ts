import { describe, expect, it } from 'vitest';
import { criticalPath, workerIdle, type TimedTask } from '../../analytics';
import { prng } from './support/generated-workspace';

/** Every path of a DAG, by brute force: the oracle for the longest one. */
function longestByEnumeration(tasks: TimedTask[], deps: Record<string, string[]>): number {
  const dur = new Map(tasks.map((t) => [t.taskId, t.endTime! - t.startTime!]));
  const walk = (id: string): number => dur.get(id)! + Math.max(0, ...(deps[id] ?? []).map(walk));
  return Math.max(...tasks.map((t) => walk(t.taskId)));
}

describe('critical path', () => {
  it('a fixture DAG with known durations gives the known path', () => {
    const t = (taskId: string, ms: number): TimedTask => ({ taskId, startTime: 0, endTime: ms });
    const tasks = [t('a', 300), t('b', 100), t('c', 600), t('d', 200), t('e', 50)];
    const deps = { b: ['a'], c: ['a'], d: ['b', 'c'], e: ['b'] };
    expect(criticalPath(tasks, deps)).toEqual({ tasks: ['a', 'c', 'd'], durationMs: 1100 });
  });

  it('a retried task counts every attempt: its dependents waited for the failed one too', () => {
    const tasks: TimedTask[] = [
      { taskId: 'a', startTime: 0, endTime: 400 },
      { taskId: 'b', startTime: 400, endTime: 600 },
      { taskId: 'b', startTime: 600, endTime: 900 },
      { taskId: 'c', startTime: 0, endTime: 800 },
    ];
    expect(criticalPath(tasks, { b: ['a'] })).toEqual({ tasks: ['a', 'b'], durationMs: 900 });
  });

  it('invariant: equals the longest path found by enumerating every path (random DAGs)', () => {
    const rand = prng(5);
    let n = 0;
    for (let g = 0; g < 200; g++) {
      const size = 1 + Math.floor(rand() * 9);
      const tasks: TimedTask[] = [];
      const deps: Record<string, string[]> = {};
      for (let i = 0; i < size; i++) {
        tasks.push({ taskId: `t${i}`, startTime: 1000, endTime: 1000 + Math.floor(rand() * 500) });
        deps[`t${i}`] = tasks
          .slice(0, i)
          .filter(() => rand() < 0.4)
          .map((x) => x.taskId);
      }
      const cp = criticalPath(tasks, deps);
      expect(cp.durationMs).toBe(longestByEnumeration(tasks, deps));
      // The chain is a real path: each task depends on the one before it, durations add up.
      for (let i = 1; i < cp.tasks.length; i++) expect(deps[cp.tasks[i]]).toContain(cp.tasks[i - 1]);
      const dur = new Map(tasks.map((t) => [t.taskId, t.endTime! - t.startTime!]));
      expect(cp.tasks.reduce((s, id) => s + dur.get(id)!, 0)).toBe(cp.durationMs);
      n++;
    }
    console.log(`critical path == enumerated longest path: ${n} random DAGs`);
  });

  it('idle time: overlapping tasks go to separate lanes, agents are their own worker, busy + idle = the span', () => {
    const tasks: TimedTask[] = [
      { taskId: 'a', startTime: 0, endTime: 100 },
      { taskId: 'b', startTime: 10, endTime: 60 },
      { taskId: 'c', startTime: 100, endTime: 150 },
      { taskId: 'd', startTime: 0, endTime: 30, worker: 'agent-1' },
    ];
    const w = workerIdle(tasks, { start: 0, end: 200 });
    expect(w).toEqual([
      { worker: 'lane-1', busyMs: 100, idleMs: 100, tasks: 1 },
      { worker: 'lane-2', busyMs: 100, idleMs: 100, tasks: 2 },
      { worker: 'agent-1', busyMs: 30, idleMs: 170, tasks: 1 },
    ]);
  });
});
