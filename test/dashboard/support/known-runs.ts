import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadSqlite,
  openRunStore,
  RECORD_FORMAT,
  type RunRecord,
  type RunStore,
  type TaskRunRecord,
} from '../../../analytics';

/** The fixed "now" of the known runs (trends and flake windows are relative to it). */
export const NOW = Date.parse('2026-03-10T12:00:00Z');
const H = 3_600_000;
const DAY = 24 * H;

/** The task DAG of the known runs: c1 and c2 wait for c0, c3 for both; critical path c0 -> c2 -> c3. */
export const DAG: Record<string, string[]> = {
  'c0:build': [],
  'c1:build': ['c0:build'],
  'c2:build': ['c0:build'],
  'c3:build': ['c1:build', 'c2:build'],
  // The distributed run's tests: c1:test waits for c0:test.
  'c0:test': [],
  'c1:test': ['c0:test'],
  'c2:test': [],
};

type TaskOpts = Partial<TaskRunRecord> & { taskId: string; from: number; to: number };

function task(runStart: number, o: TaskOpts): TaskRunRecord {
  const [project, target] = o.taskId.split(':');
  const { from, to, ...rest } = o;
  return {
    project,
    target,
    configuration: null,
    hash: `${o.taskId}-h`,
    status: 'success',
    cache: 'miss',
    startTime: runStart + from,
    endTime: runStart + to,
    exitCode: 0,
    outputBytes: 10,
    hashDetails: null,
    manifest: null,
    ...rest,
  };
}

function run(runId: string, start: number, tasks: TaskOpts[], o: Partial<RunRecord> = {}): RunRecord {
  const ts = tasks.map((t) => task(start, t));
  return {
    format: RECORD_FORMAT,
    runId,
    namespace: 'local',
    command: 'nx run-many -t build',
    argv: ['run-many', '-t', 'build'],
    branch: 'main',
    commit: 'a'.repeat(40),
    machine: 'ci-1',
    startTime: start,
    endTime: Math.max(start, ...ts.map((t) => t.endTime ?? start)),
    tasks: ts,
    ...o,
  };
}

const manifest = (files: Array<[string, string]>) => ({
  files,
  environment: ['NODE_ENV'],
  runtime: [],
  external: [],
  depOutputs: [],
  command: '{"executor":"nx:run-commands"}',
});

/** Every known run, oldest first. Tests assert on these numbers. */
export function knownRuns(): RunRecord[] {
  const lint = (day: number, durations: Array<number | 'hit'>): RunRecord =>
    run(
      `run-lint-${day}`,
      NOW - day * DAY - 6 * H,
      durations.map((d, i) =>
        d === 'hit'
          ? { taskId: `l${i}:lint`, from: 0, to: 3, cache: 'local', status: 'local-cache', hash: `l${i}-h${day}` }
          : { taskId: `l${i}:lint`, from: 0, to: d, hash: `l${i}-h${day}` },
      ),
      { command: 'nx run-many -t lint', argv: ['run-many', '-t', 'lint'] },
    );
  return [
    // Trends for `lint`: day -2 all executed (p50 500, p90 900); day -1 half (p50 600, p90 1000, 50% hits); today all hits.
    lint(2, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]),
    lint(1, [200, 400, 600, 800, 1000, 'hit', 'hit', 'hit', 'hit', 'hit']),
    lint(0, Array(10).fill('hit')),
    // flaky:test fails then passes with one hash, and passes with another: 1 of 2 successes flaky.
    run(
      'run-flaky-1',
      NOW - 5 * H,
      [{ taskId: 'flaky:test', from: 0, to: 100, status: 'failure', exitCode: 1, hash: 'fh1' }],
      {
        command: 'nx run flaky:test',
      },
    ),
    run('run-flaky-2', NOW - 4.5 * H, [{ taskId: 'flaky:test', from: 0, to: 120, hash: 'fh1' }], {
      command: 'nx run flaky:test',
    }),
    run('run-flaky-3', NOW - 4.2 * H, [{ taskId: 'flaky:test', from: 0, to: 110, hash: 'fh2' }], {
      command: 'nx run flaky:test',
    }),
    // The DAG: lanes lane-1 (c0, c1, c3) and lane-2 (c2); critical path c0 -> c2 -> c3 (1200 ms).
    run('run-dag', NOW - 3 * H, [
      { taskId: 'c0:build', from: 0, to: 300 },
      { taskId: 'c1:build', from: 300, to: 350 },
      {
        taskId: 'c2:build',
        from: 300,
        to: 1000,
        hash: 'c2-h1',
        manifest: manifest([
          ['libs/c0/src/index.ts', 'f0'],
          ['libs/c2/src/index.ts', 'f2'],
        ]),
        hashDetails: { command: 'x', nodes: { 'env:NODE_ENV': 'e1' } },
      },
      { taskId: 'c3:build', from: 1000, to: 1200 },
    ]),
    // Again: c2 changed (one file changed, one added, NODE_ENV changed); the others from the cache.
    run('run-dag-2', NOW - 2 * H, [
      { taskId: 'c0:build', from: 0, to: 5, cache: 'local', status: 'local-cache' },
      { taskId: 'c1:build', from: 5, to: 10, cache: 'local', status: 'local-cache' },
      {
        taskId: 'c2:build',
        from: 10,
        to: 810,
        hash: 'c2-h2',
        manifest: manifest([
          ['libs/c0/src/index.ts', 'f0'],
          ['libs/c2/src/index.ts', 'f2-changed'],
          ['libs/c2/src/new.ts', 'n1'],
        ]),
        hashDetails: { command: 'x', nodes: { 'env:NODE_ENV': 'e2' } },
      },
      { taskId: 'c3:build', from: 810, to: 1010, hash: 'c3:build-h2' },
    ]),
    // Distributed, on a feature branch: two agents, a retry after a failure, a remote cache hit.
    run(
      'run-dist',
      NOW - 1 * H,
      [
        { taskId: 'c0:test', from: 0, to: 400, agent: 'agent-a', attempt: 1 },
        { taskId: 'c1:test', from: 400, to: 600, agent: 'agent-a', attempt: 1, status: 'failure', exitCode: 1 },
        { taskId: 'c1:test', from: 600, to: 900, agent: 'agent-b', attempt: 2 },
        { taskId: 'c2:test', from: 0, to: 40, agent: 'agent-b', attempt: 1, cache: 'remote', status: 'remote-cache' },
      ],
      {
        branch: 'feature/x',
        machine: 'laptop',
        command: 'fleet run affected -t test',
        argv: ['affected', '-t', 'test'],
      },
    ),
  ];
}

/** A new store file holding the known runs, recorded through RunStore.record(). */
export function knownStore(): { file: string; dir: string; open(): RunStore } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-dash-'));
  const file = path.join(dir, 'history.db');
  const sqlite = loadSqlite();
  if (!sqlite.ok) throw new Error(sqlite.message);
  const w = openRunStore({ Database: sqlite.Database, file });
  if (!w.ok) throw new Error(w.message);
  for (const r of knownRuns()) w.store.record(r);
  w.store.close();
  return {
    file,
    dir,
    open: () => {
      const r = openRunStore({ Database: sqlite.Database, file, readonly: true });
      if (!r.ok) throw new Error(r.message);
      return r.store;
    },
  };
}
