import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flakyTasks, loadSqlite, openRunStore, RECORD_FORMAT, type FlakyTask, type RunRecord } from '../../analytics';
import { prng } from './support/generated-workspace';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-20T12:00:00Z');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-flaky-r-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Task = RunRecord['tasks'][number];

/** 200 runs over 10 days: hits, failures, retries with the same hash, runs without an end time. */
function generate(): RunRecord[] {
  const rand = prng(57);
  return Array.from({ length: 200 }, (_, r) => {
    const start = NOW - Math.floor(rand() * 10 * DAY);
    const tasks: Task[] = [];
    for (let i = 0; i < 6; i++) {
      const taskId = `p${i}:${i % 2 ? 'test' : 'e2e'}`;
      const hash = `h${i}-${Math.floor(rand() * 4)}`; // few hashes: the same one fails and passes
      const s = start + i * 1000;
      const base = { taskId, project: `p${i}`, target: taskId.split(':')[1], configuration: null, hash };
      const common = { outputBytes: 0, hashDetails: null, manifest: null };
      if (rand() < 0.3) {
        tasks.push({
          ...base,
          ...common,
          status: 'local-cache',
          cache: 'local',
          startTime: s,
          endTime: s + 5,
          exitCode: 0,
        });
        continue;
      }
      const end = rand() < 0.1 ? null : s + 100 + Math.floor(rand() * 5000);
      const failed = rand() < 0.3;
      tasks.push({
        ...base,
        ...common,
        status: failed ? 'failure' : 'success',
        cache: 'miss',
        startTime: s,
        endTime: end,
        exitCode: failed ? 1 : 0,
        attempt: 1,
      });
      if (failed && rand() < 0.5)
        tasks.push({
          ...base,
          ...common,
          status: 'success',
          cache: 'miss',
          startTime: s + 9000,
          endTime: s + 9500,
          exitCode: 0,
          attempt: 2,
        });
    }
    return {
      format: RECORD_FORMAT,
      runId: `f${r}`,
      namespace: r % 3 ? 'local' : 'ci',
      command: 'nx run-many -t test',
      argv: [],
      branch: 'main',
      commit: null,
      machine: 'm',
      startTime: start,
      endTime: start + 60_000,
      tasks,
    };
  });
}

/** fleet flaky's definition over the raw task runs, in JS. */
function bruteForce(runs: RunRecord[], since: number, now: number): FlakyTask[] {
  const inWindow = runs
    .flatMap((r) => r.tasks)
    .filter((t) => t.cache === 'miss' && t.startTime! >= since && t.startTime! <= now);
  const byTask = new Map<string, Task[]>();
  for (const t of inWindow) byTask.set(t.taskId, [...(byTask.get(t.taskId) ?? []), t]);
  const out: FlakyTask[] = [];
  for (const [taskId, ts] of byTask) {
    const hashes = [...new Set(ts.filter((t) => t.status === 'failure').map((t) => t.hash))].filter((h) =>
      ts.some((t) => t.hash === h && t.status === 'success'),
    );
    if (!hashes.length) continue;
    const ofHashes = ts.filter((t) => hashes.includes(t.hash));
    const executed = ts.filter((t) => t.status === 'success' || t.status === 'failure');
    const successes = executed.filter((t) => t.status === 'success').length;
    const flakySuccesses = ofHashes.filter((t) => t.status === 'success').length;
    const reruns = ofHashes.filter((t) => t.status === 'failure').length;
    const mean =
      executed.reduce((s, t) => s + (t.endTime === null ? 0 : t.endTime - t.startTime!), 0) / executed.length;
    out.push({
      taskId,
      project: ts[0].project,
      target: ts[0].target,
      runs: executed.length,
      successes,
      flakySuccesses,
      rate: successes ? flakySuccesses / successes : 0,
      flakyHashes: hashes.length,
      reruns,
      meanDurationMs: Math.round(mean),
      wastedMs: Math.round(reruns * mean),
      lastSeen: Math.max(...ofHashes.filter((t) => t.status === 'failure').map((t) => t.startTime!)),
      hashes: hashes.sort(),
    });
  }
  return out.sort((a, b) => b.rate - a.rate || b.wastedMs - a.wastedMs || (a.taskId < b.taskId ? -1 : 1));
}

describe('fleet flaky with per-day rollups', () => {
  it('invariant: flakyTasks equals the definition over raw task runs, for windows of whole and partial days', () => {
    const sqlite = loadSqlite();
    if (!sqlite.ok) throw new Error(sqlite.message);
    const w = openRunStore({ Database: sqlite.Database, file: path.join(dir, 'h.db') });
    if (!w.ok) throw new Error(w.message);
    const runs = generate();
    for (const r of runs) w.store.record(r);
    const rand = prng(8);
    let cases = 0;
    let tasks = 0;
    const nows = [NOW, Date.parse('2026-05-20T00:00:00Z'), Date.parse('2026-05-18T23:59:59.999Z')];
    for (let i = 0; i < 30; i++) nows.push(NOW - Math.floor(rand() * 8 * DAY));
    for (const now of nows)
      for (const days of [0.25, 1, 1.5, 3, 7, 11]) {
        const got = flakyTasks(w.store, { days, now });
        expect(got).toEqual(bruteForce(runs, now - days * DAY, now));
        cases++;
        tasks += got.length;
      }
    w.store.close();
    console.log(`fleet flaky checked against the raw definition: ${cases} windows, ${tasks} flaky tasks`);
    expect(tasks).toBeGreaterThan(cases);
  });
});
