import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { endMarkedProcesses, newRunMark, RUN_MARK_ENV, waitDead } from '../../runner/run-leftovers';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A real process that sleeps, with `env`; detached (a session of its own, as a task's daemon would be). */
function sleeper(env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env: { PATH: process.env.PATH, ...env },
    detached: true,
    stdio: 'ignore',
  });
  started.push(c);
  return c;
}

const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));

describe('ending the processes an isolated run left behind', () => {
  it.skipIf(process.platform !== 'linux')(
    'ends exactly the processes carrying the run mark, and waits until they are dead',
    async () => {
      const mark = newRunMark();
      const other = newRunMark();
      expect(other).not.toBe(mark);
      const marked = [sleeper({ [RUN_MARK_ENV]: mark }), sleeper({ [RUN_MARK_ENV]: mark, X: '1' })];
      const unmarked = [sleeper({ [RUN_MARK_ENV]: other }), sleeper({ [`${RUN_MARK_ENV}_X`]: mark }), sleeper({})];
      await new Promise((r) => setTimeout(r, 300));
      const ended = endMarkedProcesses(mark);
      expect(ended.sort()).toEqual(marked.map((c) => c.pid!).sort());
      expect(await waitDead(ended)).toBe(true);
      await Promise.all(marked.map(exited));
      for (const c of marked) expect(c.signalCode).toBe('SIGKILL');
      for (const c of unmarked) expect(c.exitCode === null && c.signalCode === null).toBe(true);
      expect(endMarkedProcesses(mark)).toEqual([]);
    },
  );
});
