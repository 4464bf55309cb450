/**
 * The shapes of run history: what the hook records, what the store returns, what crosses HTTP
 * to the central store. Versioned with {@link RECORD_FORMAT}; the JSON shapes are documented in
 * docs/json-output.md.
 */

/** Bumped when a {@link RunRecord} changes incompatibly (the central store refuses others). */
export const RECORD_FORMAT = 1;

/** Where a task's result came from. `miss` ran the task; `skipped` never ran (a dependency failed). */
export type CacheSource = 'local' | 'remote' | 'miss' | 'skipped';

/** Nx's task status as given to postTasksExecution. */
export type NxTaskStatus =
  'success' | 'failure' | 'local-cache' | 'local-cache-kept-existing' | 'remote-cache' | 'skipped' | 'stopped';

/** A task's inputs as Nx's hash plan expands them, with each file's Nx content hash. */
export interface InputManifest {
  /** `[workspace-relative path, Nx file hash]`, sorted by path. */
  files: Array<[string, string]>;
  environment: string[];
  runtime: string[];
  external: string[];
  depOutputs: string[];
  /**
   * What the task runs: the target's executor and options (and the configuration's), as
   * canonical JSON. Optional: runs recorded without a project graph lack it.
   */
  command?: string;
}

/** One task of one run. */
export interface TaskRunRecord {
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
  /** Bytes of terminal output Nx kept for the task. */
  outputBytes: number;
  /** Nx's `hashDetails` (command hash, node hashes, runtime), when Nx gave them. */
  hashDetails: HashDetails | null;
  /** Present when it was computed for this run (or is known from an earlier run of the hash). */
  manifest: InputManifest | null;
  /** The manifest's content address when it was computed by an earlier run (sent instead of it). */
  manifestId?: string | null;
  /** Distributed runs: the agent that ran it, the attempt number. */
  agent?: string | null;
  attempt?: number | null;
  /** Distributed runs: when this attempt was queued for an agent (epoch ms). */
  queuedTime?: number | null;
  /** Distributed runs: this attempt passed after an earlier one failed with the same hash. */
  flaky?: boolean;
  /** What the manifest depends on, from hashDetails (analytics/inputs-key.ts); local only. */
  inputsKey?: string | null;
}

export interface HashDetails {
  command: string;
  nodes: Record<string, string>;
  implicitDeps?: Record<string, string>;
  runtime?: Record<string, string>;
}

/** What recorded a run: the plugin's hook (one Nx command) or `fleet run` (a distributed run). */
export type RunKind = 'nx' | 'fleet-run';

/** One Nx command, or one distributed run (`kind: 'fleet-run'`, one task run per attempt). */
export interface RunRecord {
  format: typeof RECORD_FORMAT;
  runId: string;
  /** Absent: `nx`. */
  kind?: RunKind;
  /** The write namespace (central store); `local` in a local store. */
  namespace: string;
  command: string;
  argv: string[];
  branch: string | null;
  commit: string | null;
  machine: string;
  startTime: number;
  endTime: number;
  tasks: TaskRunRecord[];
  /**
   * The dependencies among the run's own tasks, when known (a distributed run: the coordinator's
   * task graph; an Nx command sent to the central store: added by the sender from the project
   * graph). Stored with the run, so its critical path needs no project graph later.
   */
  deps?: Record<string, string[]>;
}

/** A stored run as queries return it (without its tasks). */
export interface RunSummary {
  runId: string;
  namespace: string;
  kind: RunKind;
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

/** A stored task run as queries return it. */
export interface StoredTaskRun extends Omit<
  TaskRunRecord,
  'manifest' | 'hashDetails' | 'queuedTime' | 'flaky' | 'inputsKey'
> {
  runId: string;
  manifestId: string | null;
  queuedTime: number | null;
  flaky: boolean;
}
