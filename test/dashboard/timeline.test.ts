import { describe, expect, it } from 'vitest';
import { workerIdle, type StoredTaskRun } from '../../analytics';
import { assignLanes } from '../../dashboard';
import { prng } from '../analytics/support/generated-workspace';

function generated(rand: () => number, n: number): StoredTaskRun[] {
  return Array.from({ length: n }, (_, i) => {
    const start = Math.floor(rand() * 1000);
    const untimed = rand() < 0.05;
    return {
      runId: 'r',
      taskId: `t${i}`,
      project: `t${i}`,
      target: 'build',
      configuration: null,
      hash: `h${i}`,
      status: untimed ? 'skipped' : 'success',
      cache: untimed ? 'skipped' : 'miss',
      startTime: untimed ? null : start,
      endTime: untimed ? null : start + Math.floor(rand() * 300),
      exitCode: 0,
      outputBytes: 0,
      manifestId: null,
      agent: rand() < 0.3 ? `agent-${Math.floor(rand() * 3)}` : null,
      attempt: 1,
      queuedTime: null,
      flaky: false,
    };
  });
}

describe('timeline lanes', () => {
  it('invariant: the lanes drawn are the lanes `fleet stats` counts, and no local lane holds two tasks at once', () => {
    const rand = prng(21);
    let cases = 0;
    for (let g = 0; g < 300; g++) {
      const tasks = generated(rand, 1 + Math.floor(rand() * 40));
      const lanes = assignLanes(tasks);
      const counts = new Map<string, number>();
      for (const [t, lane] of lanes) if (t.startTime !== null) counts.set(lane, (counts.get(lane) ?? 0) + 1);
      const stats = workerIdle(
        tasks.map((t) => ({ ...t, worker: t.agent })),
        { start: 0, end: 2000 },
      );
      expect(new Map(stats.map((w) => [w.worker, w.tasks]))).toEqual(counts);
      for (const lane of counts.keys()) {
        if (!lane.startsWith('lane-')) continue;
        const on = [...lanes]
          .filter(([, l]) => l === lane)
          .map(([t]) => t)
          .sort((a, b) => a.startTime! - b.startTime!);
        for (let i = 1; i < on.length; i++) expect(on[i].startTime!).toBeGreaterThanOrEqual(on[i - 1].endTime!);
      }
      for (const t of tasks) if (t.startTime === null) expect(lanes.get(t)).toBe('not run');
      cases++;
    }
    console.log(`timeline lanes == workerIdle lanes, no overlap: ${cases} generated runs`);
  });
});
