import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlite, openRunStore, RECORD_FORMAT, type RunRecord, type RunStore } from '../../analytics';
import { SCHEMA_VERSION } from '../../analytics/store-schema';
import { filterRuns, trendsPage } from '../../dashboard';
import { prng } from '../analytics/support/generated-workspace';

const NOW = Date.parse('2026-05-20T12:00:00Z');
const DAY = 86_400_000;
const BRANCHES = ['main', 'feat/a', 'feat/b'];
const COMMANDS = ['nx run-many -t build', 'nx affected -t test', 'nx run app:lint'];
const MACHINES = ['ci-1', 'ci-2', 'laptop'];
const TARGETS = ['build', 'test', 'lint'];

/** 120 generated runs over 12 days: random branch, command, machine, failures, hits, durations. */
function generate(): RunRecord[] {
  const rand = prng(33);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: 120 }, (_, r) => {
    const start = NOW - Math.floor(rand() * 12 * DAY);
    const tasks = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, i) => {
      const target = pick(TARGETS);
      const hit = rand() < 0.4;
      const failed = !hit && rand() < 0.1;
      const s = start + i * 1000;
      return {
        taskId: `p${i}:${target}`,
        project: `p${i}`,
        target,
        configuration: null,
        hash: `h${r}-${i}`,
        status: hit ? ('local-cache' as const) : failed ? ('failure' as const) : ('success' as const),
        cache: hit ? ('local' as const) : ('miss' as const),
        startTime: s,
        endTime: s + (hit ? 5 : 10 + Math.floor(rand() * 5000)),
        exitCode: failed ? 1 : 0,
        outputBytes: 0,
        hashDetails: null,
        manifest: null,
      };
    });
    return {
      format: RECORD_FORMAT,
      runId: `g${r}`,
      namespace: 'local',
      command: pick(COMMANDS),
      argv: [],
      branch: pick(BRANCHES),
      commit: null,
      machine: pick(MACHINES),
      startTime: start,
      endTime: start + 60_000,
      tasks,
    };
  });
}

const nearestRank = (xs: number[], p: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1];
};

let dir: string;
let store: RunStore;
const runs = generate();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dash-q-'));
  const file = path.join(dir, 'h.db');
  const sqlite = loadSqlite();
  if (!sqlite.ok) throw new Error(sqlite.message);
  const w = openRunStore({ Database: sqlite.Database, file });
  if (!w.ok) throw new Error(w.message);
  for (const r of runs) w.store.record(r);
  store = w.store;
});
afterAll(() => {
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard queries against brute force over the generated runs', () => {
  it('invariant: filterRuns == filtering every run in JS, for every combination of filters', () => {
    let cases = 0;
    const newestFirst = [...runs].sort((a, b) => b.startTime - a.startTime || (a.runId < b.runId ? 1 : -1));
    for (const branch of [undefined, ...BRANCHES])
      for (const command of [undefined, ...COMMANDS])
        for (const machine of [undefined, ...MACHINES])
          for (const status of [undefined, 'failed', 'passed'] as const) {
            const expected = newestFirst
              .filter((r) => (!branch || r.branch === branch) && (!command || r.command === command))
              .filter((r) => !machine || r.machine === machine)
              .filter((r) => {
                const failed = r.tasks.some((t) => t.status === 'failure');
                return !status || (status === 'failed' ? failed : !failed);
              })
              .map((r) => r.runId);
            const got = filterRuns(store, { branch, command, machine, status, limit: 1000 }).map((r) => r.runId);
            expect(got).toEqual(expected);
            cases++;
          }
    console.log(`run filters checked against brute force: ${cases} combinations`);
  });

  it('invariant: trends p50/p90 per target and day, and counts, equal brute force over every window', () => {
    let cases = 0;
    for (const days of [1, 3, 7, 12]) {
      const t = trendsPage(store, { days, now: NOW });
      const sinceDay = new Date(NOW - days * DAY).toISOString().slice(0, 10);
      for (const target of TARGETS) {
        const byDay = new Map<string, { executed: number[]; n: number; hits: number }>();
        for (const r of runs)
          for (const task of r.tasks) {
            const day = new Date(task.startTime!).toISOString().slice(0, 10);
            if (task.target !== target || day < sinceDay) continue;
            const d = byDay.get(day) ?? { executed: [], n: 0, hits: 0 };
            d.n++;
            if (task.cache === 'local') d.hits++;
            else d.executed.push(task.endTime! - task.startTime!);
            byDay.set(day, d);
          }
        const got = t.targets.find((x) => x.target === target)?.days ?? [];
        expect(got.map((d) => d.day).sort()).toEqual([...byDay.keys()].sort());
        for (const d of got) {
          const want = byDay.get(d.day)!;
          expect([d.day, d.taskRuns, d.hits, d.p50, d.p90]).toEqual([
            d.day,
            want.n,
            want.hits,
            nearestRank(want.executed, 0.5),
            nearestRank(want.executed, 0.9),
          ]);
          cases++;
        }
      }
    }
    console.log(`trends target-days checked against brute force: ${cases}`);
    expect(cases).toBeGreaterThan(50);
  });
});

describe('trends from the per-day duration rollups', () => {
  it('invariant: slowest tasks (executed, mean, p90) equal brute force over every window', () => {
    let cases = 0;
    for (const days of [1, 3, 7, 12]) {
      const sinceDay = new Date(NOW - days * DAY).toISOString().slice(0, 10);
      const perTask = new Map<string, number[]>();
      for (const r of runs)
        for (const task of r.tasks) {
          if (task.cache !== 'miss' || new Date(task.startTime!).toISOString().slice(0, 10) < sinceDay) continue;
          perTask.set(task.taskId, [...(perTask.get(task.taskId) ?? []), task.endTime! - task.startTime!]);
        }
      const want = [...perTask.entries()]
        .map(([taskId, ds]) => ({
          taskId,
          target: taskId.split(':')[1],
          executed: ds.length,
          meanMs: Math.round(ds.reduce((s, d) => s + d, 0) / ds.length),
          p90: nearestRank(ds, 0.9),
        }))
        .sort((a, b) => b.meanMs - a.meanMs || (a.taskId < b.taskId ? -1 : 1))
        .slice(0, 10);
      const got = trendsPage(store, { days, now: NOW }).slowest;
      expect(got).toEqual(want);
      cases += got.length;
    }
    console.log(`slowest tasks checked against brute force: ${cases}`);
    expect(cases).toBeGreaterThan(20);
  });

  it('a store of schema 2 (no duration rollups) is migrated: its rollups are rebuilt from its task runs', () => {
    const file = path.join(dir, 'v2.db');
    const sqlite = loadSqlite();
    if (!sqlite.ok) throw new Error(sqlite.message);
    const w = openRunStore({ Database: sqlite.Database, file });
    if (!w.ok) throw new Error(w.message);
    // Two namespaces: the rebuilt rollups are per namespace, the page sums them.
    runs.forEach((r, i) => w.store.record({ ...r, namespace: i % 2 ? 'local' : 'ci' }));
    // Back to schema 2's layout: what an nx-fleet before the duration rollups wrote (day_stats
    // without namespaces, runs without deps_id).
    w.store.db.exec(`DROP TABLE day_durations; DROP TABLE day_task_durations;
      CREATE TABLE old_stats (day TEXT NOT NULL, target TEXT NOT NULL, runs INTEGER NOT NULL,
        task_runs INTEGER NOT NULL, executed INTEGER NOT NULL, hits INTEGER NOT NULL, failures INTEGER NOT NULL,
        executed_ms INTEGER NOT NULL, PRIMARY KEY (day, target)) WITHOUT ROWID;
      INSERT INTO old_stats SELECT day, target, sum(runs), sum(task_runs), sum(executed), sum(hits), sum(failures),
        sum(executed_ms) FROM day_stats GROUP BY day, target;
      DROP TABLE day_stats; ALTER TABLE old_stats RENAME TO day_stats; ALTER TABLE runs DROP COLUMN deps_id;
      UPDATE meta SET value = '2' WHERE key = 'schema_version'`);
    w.store.close();
    const r = openRunStore({ Database: sqlite.Database, file, readonly: true });
    if (!r.ok) throw new Error(r.message);
    try {
      expect(r.store.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
        value: String(SCHEMA_VERSION),
      });
      for (const days of [1, 7, 12]) {
        const migrated = trendsPage(r.store, { days, now: NOW });
        expect(migrated.targets.flatMap((t) => t.days).some((d) => d.p50 !== null)).toBe(true);
        expect(migrated).toEqual(trendsPage(store, { days, now: NOW }));
        // Per namespace: the two namespaces' counts add up to the whole.
        const [ci, local] = ['ci', 'local'].map((ns) => trendsPage(r.store, { days, now: NOW, namespaces: [ns] }));
        const runsOf = (t: typeof ci): number => t.overall.reduce((n, d) => n + d.runs, 0);
        expect(runsOf(ci) + runsOf(local)).toBe(runsOf(migrated));
        expect(runsOf(ci)).toBeGreaterThan(0);
        expect(runsOf(local)).toBeGreaterThan(0);
      }
    } finally {
      r.store.close();
    }
  });
});

describe('trends percentiles of busy days (bucketed sketches)', () => {
  it('invariant: target-days of more than 256 executed runs are within 1 % (+ 0.5 ms) of brute force', () => {
    const file = path.join(dir, 'big.db');
    const sqlite = loadSqlite();
    if (!sqlite.ok) throw new Error(sqlite.message);
    const w = openRunStore({ Database: sqlite.Database, file });
    if (!w.ok) throw new Error(w.message);
    const rand = prng(91);
    const all = new Map<string, number[]>();
    for (let r = 0; r < 60; r++) {
      const start = NOW - Math.floor(rand() * 3 * DAY);
      const target = TARGETS[r % 3];
      const tasks = Array.from({ length: 100 }, (_, i) => {
        const ms = target === 'lint' ? Math.floor(Math.exp(rand() * 12)) : 1000 + Math.floor(rand() * 9000);
        const day = `${target}\u0000${new Date(start + i).toISOString().slice(0, 10)}`;
        all.set(day, [...(all.get(day) ?? []), ms]);
        return {
          taskId: `p${i}:${target}`,
          project: `p${i}`,
          target,
          configuration: null,
          hash: `b${r}-${i}`,
          status: 'success' as const,
          cache: 'miss' as const,
          startTime: start + i,
          endTime: start + i + ms,
          exitCode: 0,
          outputBytes: 0,
          hashDetails: null,
          manifest: null,
        };
      });
      // Half the runs under another namespace: the page sums them.
      w.store.record({ ...runs[0], runId: `big-${r}`, namespace: r % 2 ? 'local' : 'ci', startTime: start, tasks });
    }
    let cases = 0;
    let bucketed = 0;
    const t = trendsPage(w.store, { days: 4, now: NOW });
    for (const { target, days } of t.targets)
      for (const d of days) {
        const ds = all.get(`${target}\u0000${d.day}`)!;
        if (ds.length > 256) bucketed++;
        for (const [got, p] of [
          [d.p50, 0.5],
          [d.p90, 0.9],
        ] as const) {
          const exact = nearestRank(ds, p)!;
          expect(Math.abs(got! - exact)).toBeLessThanOrEqual(0.01 * exact + 0.5);
          if (ds.length <= 256) expect(got).toBe(exact);
          cases++;
        }
      }
    w.store.close();
    console.log(`bucketed trends percentiles checked against brute force: ${cases} (${bucketed} target-days > 256)`);
    expect(bucketed).toBeGreaterThan(3);
  });
});
