import { describe, expect, it } from 'vitest';
import { canonicalRequirement, criticalPathLengths, RunState, type PlannedTask, type TaskResult } from '../../runner';

const task = (id: string, deps: string[] = []): PlannedTask => ({
  id,
  project: id.split(':')[0],
  target: id.split(':')[1],
  deps,
  requirement: canonicalRequirement(),
});
const policy = { retryFailed: 0, retryFlaky: 1, maxAttempts: 3 };

function result(
  taskId: string,
  attempt: number,
  agent: string,
  status: 'success' | 'failure',
  extra: Partial<TaskResult> = {},
): TaskResult {
  return {
    runId: 'r',
    taskId,
    agent,
    attempt,
    status,
    exitCode: status === 'success' ? 0 : 1,
    startedAt: 1000,
    endedAt: 2000,
    gpus: [],
    hash: 'h1',
    code: status === 'success' ? undefined : 'FLEET_TASK_EXIT',
    ...extra,
  };
}

function started(s: RunState, taskId: string, attempt: number, agent: string): void {
  s.apply({ type: 'started', taskId, agent, attempt, at: 1000, gpus: [] });
}

describe('RunState', () => {
  it('a task failure is final without --retry-failed, and cancels its dependents', () => {
    const s = new RunState([task('a:build'), task('b:build', ['a:build'])], policy);
    s.ready(500);
    started(s, 'a:build', 1, 'x');
    const applied = s.apply({ type: 'finished', result: result('a:build', 1, 'x', 'failure') });
    expect(applied.ended).toMatchObject({
      taskId: 'a:build',
      status: 'failure',
      retrying: false,
      agent: 'x',
      code: 'FLEET_TASK_EXIT',
    });
    expect(s.get('a:build')!.status).toBe('failure');
    expect(s.get('b:build')!.status).toBe('cancelled');
    expect(s.done()).toBe(true);
  });

  it('--retry-failed 1: one more attempt, avoiding the agent that failed; a pass with the same hash is flaky', () => {
    const s = new RunState([task('a:test')], { ...policy, retryFailed: 1 });
    s.ready(0);
    started(s, 'a:test', 1, 'x');
    expect(s.apply({ type: 'finished', result: result('a:test', 1, 'x', 'failure') }).ended?.retrying).toBe(true);
    const st = s.get('a:test')!;
    expect([st.status, st.attempt, st.avoid]).toEqual(['pending', 2, ['x']]);
    expect(s.ready().map((t) => t.taskId)).toEqual(['a:test']);
    // A late result of attempt 1 (a duplicate) changes nothing.
    expect(s.apply({ type: 'finished', result: result('a:test', 1, 'x', 'success') })).toEqual({});
    started(s, 'a:test', 2, 'y');
    s.apply({ type: 'finished', result: result('a:test', 2, 'y', 'success') });
    expect(s.summaries()[0]).toMatchObject({ status: 'success', attempts: 2, flaky: true, agent: 'y' });
    expect(s.summaries()[0].history!.map((h) => [h.agent, h.status])).toEqual([
      ['x', 'failure'],
      ['y', 'success'],
    ]);
  });

  it('a pass with a different hash is not flaky', () => {
    const s = new RunState([task('a:test')], { ...policy, retryFailed: 1 });
    s.ready(0);
    s.apply({ type: 'finished', result: result('a:test', 1, 'x', 'failure', { hash: 'h1' }) });
    s.apply({ type: 'finished', result: result('a:test', 2, 'y', 'success', { hash: 'h2' }) });
    expect(s.summaries()[0].flaky).toBeUndefined();
    expect(s.summaries()[0].status).toBe('success');
  });

  it('tasks known flaky get --retry-flaky attempts; infrastructure failures get up to maxAttempts; cancels are never retried', () => {
    const s = new RunState(
      [task('f:test'), task('t:test'), task('c:test')],
      { ...policy, retryFlaky: 1, maxAttempts: 2 },
      new Map(),
      new Set(['f:test']),
    );
    s.ready(0);
    expect(s.apply({ type: 'finished', result: result('f:test', 1, 'x', 'failure') }).ended?.retrying).toBe(true);
    expect(s.apply({ type: 'finished', result: result('f:test', 2, 'y', 'failure') }).ended?.retrying).toBe(false);
    expect(
      s.apply({ type: 'finished', result: result('t:test', 1, 'x', 'failure', { code: 'FLEET_TASK_TIMEOUT' }) }).ended
        ?.retrying,
    ).toBe(true);
    expect(
      s.apply({ type: 'finished', result: result('t:test', 2, 'y', 'failure', { code: 'FLEET_TASK_TIMEOUT' }) }).ended
        ?.retrying,
    ).toBe(false);
    expect(
      s.apply({ type: 'finished', result: result('c:test', 1, 'x', 'failure', { code: 'FLEET_RUN_CANCELLED' }) }).ended
        ?.retrying,
    ).toBe(false);
    expect(s.get('c:test')!.status).toBe('cancelled');
  });

  it('readyAt is when the last dependency ended; queuedAt the first time it was queued', () => {
    const s = new RunState([task('a:build'), task('b:build'), task('c:build', ['a:build', 'b:build'])], policy);
    expect(
      s
        .ready(100)
        .map((t) => t.taskId)
        .sort(),
    ).toEqual(['a:build', 'b:build']);
    s.apply({ type: 'finished', result: result('a:build', 1, 'x', 'success', { endedAt: 300 }) });
    s.apply({ type: 'finished', result: result('b:build', 1, 'y', 'success', { endedAt: 700 }) });
    const [c] = s.ready(900);
    expect(c.readyAt).toBe(700);
    s.queued('c:build', 'job', 750);
    s.queued('c:build', 'job2', 999);
    expect(s.get('c:build')!.queuedAt).toBe(750);
  });
});

describe('criticalPathLengths', () => {
  it('counts tasks without history, weighs by earlier durations with it', () => {
    // a → b → c (a chain of three short tasks) and d (one long task)
    const tasks = [task('a:t'), task('b:t', ['a:t']), task('c:t', ['b:t']), task('d:t')];
    const counts = criticalPathLengths(tasks);
    expect(counts.get('a:t')).toBe(3);
    expect(counts.get('d:t')).toBe(1);
    const weighted = criticalPathLengths(
      tasks,
      new Map([
        ['a:t', 100],
        ['b:t', 100],
        ['c:t', 100],
        ['d:t', 5000],
      ]),
    );
    expect(weighted.get('a:t')).toBe(300);
    expect(weighted.get('d:t')).toBe(5000);
    // Unknown tasks count as the median known duration.
    const partial = criticalPathLengths(
      tasks,
      new Map([
        ['d:t', 5000],
        ['a:t', 100],
        ['b:t', 300],
      ]),
    );
    expect(partial.get('c:t')).toBe(300);
  });

  it('RunState releases the longest weighted path first', () => {
    const tasks = [task('a:t'), task('b:t', ['a:t']), task('d:t')];
    expect(new RunState(tasks, policy).ready().map((t) => t.taskId)[0]).toBe('a:t');
    expect(
      new RunState(
        tasks,
        policy,
        new Map([
          ['a:t', 10],
          ['b:t', 10],
          ['d:t', 900],
        ]),
      )
        .ready()
        .map((t) => t.taskId)[0],
    ).toBe('d:t');
  });

  it('owns the requeue, cancel and priority rules, and gives every ended task a code', () => {
    const tasks = [task('a:t'), task('b:t', ['a:t']), task('c:t'), task('d:t', ['c:t'])];
    const s = new RunState(tasks, policy);
    // Priority 1 is BullMQ's first: the longest path (a then b) before a task on no path.
    expect(s.priority('a:t')).toBe(1);
    expect(s.priority('b:t')).toBeGreaterThan(s.priority('a:t'));
    for (const r of s.ready(0)) s.queued(r.taskId, `j-${r.taskId}`, 0);
    started(s, 'a:t', 1, 'x');
    // Redis lost the run: what was queued or running is pending again, in one step.
    expect(s.requeueUnfinished()).toBe(2);
    expect(s.ready().map((t) => t.taskId)).toEqual(['a:t', 'c:t']);
    s.queued('a:t', 'j2', 1);
    s.queued('c:t', 'j3', 1);
    started(s, 'c:t', 1, 'x');
    s.apply({ type: 'finished', result: result('c:t', 1, 'x', 'failure', { code: 'FLEET_TASK_EXIT' }) });
    // Ctrl-C: the queued task and the pending ones end cancelled; the queued job is given back for removal.
    expect(s.cancelWaiting(5).map((t) => t.jobId)).toEqual(['j2']);
    const codes = Object.fromEntries(s.summaries().map((t) => [t.taskId, t.code]));
    expect(codes).toEqual({
      'a:t': 'FLEET_RUN_CANCELLED',
      'b:t': 'FLEET_DEPENDENCY_FAILED',
      'c:t': 'FLEET_TASK_EXIT',
      'd:t': 'FLEET_DEPENDENCY_FAILED',
    });
    // The code is data, not part of the message.
    for (const t of s.summaries()) expect(t.message ?? '').not.toMatch(/\[FLEET_/);
  });

  it('a refused job ends its task with the refusal code; success clears an earlier code', () => {
    const s = new RunState([task('a:t'), task('b:t')], { ...policy, retryFailed: 1 });
    s.ready(0);
    s.apply({ type: 'refused', taskId: 'a:t', agent: 'x', code: 'FLEET_JOB_BAD_SIGNATURE', message: 'bad' });
    started(s, 'b:t', 1, 'x');
    s.apply({ type: 'finished', result: result('b:t', 1, 'x', 'failure') });
    expect(s.get('b:t')!.code).toBe('FLEET_TASK_EXIT');
    started(s, 'b:t', 2, 'y');
    s.apply({ type: 'finished', result: result('b:t', 2, 'y', 'success') });
    const byId = Object.fromEntries(s.summaries().map((t) => [t.taskId, t]));
    expect(byId['a:t']).toMatchObject({ status: 'failure', code: 'FLEET_JOB_BAD_SIGNATURE' });
    expect(byId['b:t'].status).toBe('success');
    expect('code' in byId['b:t']).toBe(false);
  });
});
