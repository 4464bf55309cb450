/**
 * The dashboard's JSON API shapes (docs/dashboard.md). Where a page shows what a CLI command
 * prints with --json, the API answers that command's shape (RunStats, FlakyTask, DayTrend,
 * ManifestDiff); the rest is what only the dashboard needs (lanes, per-target percentiles).
 *
 * Self-contained: the web app imports this file, and analytics/ modules pull in Node's types,
 * which the browser build does not have. The copies of analytics/ shapes below are checked
 * against the originals both ways by types-check.ts, so they cannot drift.
 */
export type CacheSource = 'local' | 'remote' | 'miss' | 'skipped';
export type NxTaskStatus =
  'success' | 'failure' | 'local-cache' | 'local-cache-kept-existing' | 'remote-cache' | 'skipped' | 'stopped';

/** What recorded a run: the plugin's hook (one Nx command) or `fleet run` (a distributed run). */
export type RunKind = 'nx' | 'fleet-run';

export interface RunSummary {
  runId: string;
  kind: RunKind;
  namespace: string;
  command: string;
  branch: string | null;
  commit: string | null;
  machine: string;
  startTime: number;
  endTime: number;
  tasks: number;
  failed: number;
  cacheHits: number;
}

export interface StoredTaskRun {
  runId: string;
  taskId: string;
  project: string;
  target: string;
  configuration: string | null;
  hash: string;
  status: NxTaskStatus;
  cache: CacheSource;
  startTime: number | null;
  endTime: number | null;
  exitCode: number | null;
  outputBytes: number;
  manifestId: string | null;
  agent?: string | null;
  attempt?: number | null;
  /** Distributed runs: when this attempt was queued for an agent (epoch ms). */
  queuedTime: number | null;
  /** Distributed runs: this attempt passed after an earlier one failed with the same hash. */
  flaky: boolean;
}

export interface RunStats {
  run: RunSummary;
  durationMs: number;
  tasks: { total: number; executed: number; local: number; remote: number; failed: number; skipped: number };
  cacheSavedMs: number;
  cacheHitsWithoutProducer: number;
  criticalPath: { tasks: string[]; durationMs: number } | null;
  workers: Array<{ worker: string; busyMs: number; idleMs: number; tasks: number }>;
  notes: string[];
}

export interface DayTrend {
  day: string;
  runs: number;
  taskRuns: number;
  executed: number;
  cacheHits: number;
  hitRate: number;
  failures: number;
  executedMs: number;
}

export interface FlakyTask {
  taskId: string;
  project: string;
  target: string;
  runs: number;
  successes: number;
  flakySuccesses: number;
  rate: number;
  flakyHashes: number;
  reruns: number;
  meanDurationMs: number;
  wastedMs: number;
  lastSeen: number;
  /** The hashes that both failed and passed. */
  hashes: string[];
}

export interface ManifestDiff {
  added: string[];
  removed: string[];
  changed: Array<{ file: string; linesAdded: number | null; linesRemoved: number | null }>;
  environment: Array<{ name: string; change: 'added' | 'removed' | 'changed' }>;
  runtime: Array<{ command: string; change: 'added' | 'removed' | 'changed' }>;
  external: Array<{ name: string; change: 'added' | 'removed' }>;
  command: { before: string; after: string } | null;
}

/** `GET /api/runs`: the `fleet runs --json` shape, plus the values the filters offer. */
export interface RunsPage {
  runs: RunSummary[];
  filters: { branches: string[]; commands: string[]; machines: string[] };
}

/** One bar of a run's timeline. */
export interface TimelineTask extends StoredTaskRun {
  /** The worker lane: the agent's name, or an inferred `lane-N` (see analytics/critical-path.ts). */
  lane: string;
  critical: boolean;
}

/** `GET /api/runs/{id}`: `fleet runs RUN --json` and `fleet stats --run RUN --json` in one. */
export interface RunPage {
  run: RunSummary;
  stats: RunStats;
  lanes: string[];
  tasks: TimelineTask[];
}

/** A task run with its run's branch, commit and machine (the task page's history rows). */
export interface TaskHistoryRow extends StoredTaskRun {
  branch: string | null;
  commit: string | null;
  machine: string;
  runStartTime: number;
}

/** `GET /api/tasks/{taskId}`. */
export interface TaskPage {
  taskId: string;
  history: TaskHistoryRow[];
  /** Executed runs in the history: median and 90th percentile of their durations. */
  durations: { p50: number | null; p90: number | null; executed: number };
  /** The `fleet flaky --json` row of this task over the window, or null when it never flaked. */
  flaky: FlakyTask | null;
  /** flaky.rate, or 0 when the task has executed runs and none flaked (null: nothing executed). */
  flakeRate: number | null;
}

/** A run an explanation names (the RunRef of `fleet explain --json`, without the namespace). */
export interface ExplainSide {
  runId: string;
  hash: string;
  cache: string;
  status: string;
  branch: string | null;
  commit: string | null;
  machine: string;
  agent: string | null;
  startTime: number | null;
}

/** `GET /api/tasks/{taskId}/explain?from=RUN&to=RUN`: what differs between two recorded runs. */
export interface RunsExplanation {
  task: string;
  from: ExplainSide;
  to: ExplainSide;
  sameHash: boolean;
  identical: boolean;
  diff: ManifestDiff | null;
  notes: string[];
}

/** One target's day in the trends. */
export interface TargetDay {
  day: string;
  executed: number;
  hits: number;
  taskRuns: number;
  hitRate: number;
  p50: number | null;
  p90: number | null;
}

/** `GET /api/trends?days=N`. */
export interface TrendsPage {
  days: number;
  /** The `fleet stats --json` days (all targets), newest first. */
  overall: DayTrend[];
  targets: Array<{ target: string; days: TargetDay[] }>;
  /** Tasks by mean executed duration over the window, slowest first (10). */
  slowest: Array<{ taskId: string; target: string; executed: number; meanMs: number; p90: number }>;
  /** `fleet flaky --json` rows, flakiest first (10). */
  flakiest: FlakyTask[];
  /** Estimated: each day's cache hits of a target × its mean executed duration that day (else over the window). */
  savedMs: { total: number; days: Array<{ day: string; ms: number }> };
}

/** `GET /api/live` (with --redis). */
export interface LivePage {
  agents: Array<{
    id: string;
    labels: Record<string, string>;
    gpus: number;
    price: number | null;
    trust: string | null;
    running: string[];
  }>;
  queues: Array<{ requirement: string; trust: string; depth: number }>;
  runs: Array<{
    runId: string;
    command: string;
    status: string;
    createdAt: number | null;
    alive: boolean;
    tasks: Array<{
      taskId: string;
      state: string;
      agent: string | null;
      startTime: number | null;
      endTime: number | null;
    }>;
  }>;
}

/** `GET /api/cache` (with --cache-url): numbers read from the cache server's /metrics. */
export interface CachePage {
  url: string;
  hits: number;
  misses: number;
  hitRate: number | null;
  bytesIn: number;
  bytesOut: number;
  storeBytes: number;
  storeEntries: number;
  evictions: number;
  evictedBytes: number;
}

/** Every error the API answers: a status with a stable code. */
export interface ApiError {
  code: string;
  message: string;
}
