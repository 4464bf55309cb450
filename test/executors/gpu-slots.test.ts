import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpuSlots, processStartTime } from '../../executors/run/gpu-slots';

/** The lock files' rules, one process; two real Nx processes are in nx-run-gpu.test.ts. */
describe('GPU lock files', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-gpu-slots-'));
    dirs.push(d);
    return path.join(d, 'locks');
  };
  const lock = (d: string, index: number, owner: Record<string, unknown>) =>
    fs.writeFileSync(path.join(d, `gpu-${index}.lock`), JSON.stringify({ task: 'x', token: 't', since: 0, ...owner }));
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a held GPU is not given twice; release frees it; the folder is shared by every user (1777)', () => {
    const d = dir();
    const a = new GpuSlots(d);
    const b = new GpuSlots(d);
    expect(a.tryAcquire([0, 1], 2, 'p:a')).toEqual([0, 1]);
    expect(b.tryAcquire([0, 1], 1, 'p:b')).toBeUndefined();
    a.release([1]);
    expect(b.tryAcquire([0, 1], 1, 'p:b')).toEqual([1]);
    // all or nothing: asking for 2 with one free takes none
    a.release([0]);
    expect(a.tryAcquire([1, 0], 2, 'p:c')).toBeUndefined();
    expect(fs.existsSync(path.join(d, 'gpu-0.lock'))).toBe(false);
    expect(fs.statSync(d).mode & 0o7777).toBe(0o1777);
  });

  it('stale locks are taken over: a dead owner, a reused pid; a live owner is respected', () => {
    const d = dir();
    const slots = new GpuSlots(d);
    const dead = spawnSync('true').pid!;
    lock(d, 0, { pid: dead, started: '1' });
    // the parent is alive, but this start time is not its: the pid was reused
    lock(d, 1, { pid: process.ppid, started: 'not-its-start-time' });
    lock(d, 2, { pid: process.ppid, started: processStartTime(process.ppid) });
    expect(slots.tryAcquire([2, 1, 0], 3, 'p:a')).toBeUndefined();
    expect(slots.tryAcquire([2, 1, 0], 2, 'p:a')).toEqual([0, 1]);
    expect(slots.describe([2])).toContain(`pid ${process.ppid} (x)`);
    // a release never removes a lock that is not this owner's
    lock(d, 0, { pid: process.ppid, started: processStartTime(process.ppid), token: 'someone else' });
    slots.releaseAll();
    expect(fs.existsSync(path.join(d, 'gpu-0.lock'))).toBe(true);
    expect(fs.existsSync(path.join(d, 'gpu-1.lock'))).toBe(false);
  });
});
