// Types only: the shapes that cross the process boundary between coordinator, agents and
// dashboard (through Redis). Nothing here runs; changing a shape is a protocol change (bump `v`).
import type { Capabilities } from './hardware';
import type { CostFigures } from './cost';
import type { Requirement } from './requirement';

/**
 * One task to run, as the coordinator signs it. It never carries a command: an agent only ever
 * runs `nx run <project>:<target>[:<configuration>]` on `commit` of its own checkout's origin.
 * @example {"v":2,"trust":"trusted","runId":"r-1a2b","taskId":"@acme/lib:build","commit":"<40 hex>","project":"@acme/lib",
 *   "target":"build","requirement":{"labels":[],"gpus":0,"gpuMemoryGb":0,"memoryGb":0,"cpus":0},"attempt":1}
 */
export interface JobPayload {
  v: 2;
  /** The run's trust level: only agents of this level run it, and only its key signs it. */
  trust: string;
  runId: string;
  taskId: string;
  commit: string;
  /** Key of the coordinator's uncommitted changes (a git diff) stored in Redis, when there were any. */
  patchKey?: string;
  /** SHA-256 (hex) of the patch's bytes: the agent applies nothing else (FLEET_PATCH_TAMPERED). */
  patchSha256?: string;
  project: string;
  target: string;
  configuration?: string;
  requirement: Requirement;
  attempt: number;
  /** The agent stops the task after this long and reports FLEET_TASK_TIMEOUT (`--task-timeout`, `metadata.fleet.timeout`). */
  timeoutMs?: number;
  /**
   * The repository id (`fleet run --repo`): the agent runs it in its own checkout of the URL it maps
   * that id to (`fleet agent --repo id=url`); an id it does not map is refused (FLEET_UNKNOWN_REPO).
   * Absent: the agent's default checkout (`--workdir`).
   */
  repo?: string;
  /**
   * Bring the task's outputs back to the caller through the remote cache, at most this many bytes
   * (0: no limit): an offloaded `cache: false` task (runner/returned-outputs.ts). The agent's nx
   * packs and uploads them after the task succeeded, under a key of the run and the task.
   */
  returnOutputsLimit?: number;
}

/**
 * A payload with its Ed25519 signature (base64) over the canonical JSON, made with the private key
 * of the payload's trust level. `avoid` is outside the signature on
 * purpose: it is a routing hint (agents that already failed this task), not something to run.
 */
export interface SignedJob {
  payload: JobPayload;
  signature: string;
  /** Agent ids that should leave the job to another capable agent, if one is live. */
  avoid?: string[];
}

export type TaskStatus = 'pending' | 'queued' | 'running' | 'success' | 'failure' | 'unschedulable' | 'cancelled';

/** Why a task did not succeed. Infrastructure codes ({@link INFRASTRUCTURE_FAILURES}) are retried on another agent. */
export type TaskFailureCode =
  | 'FLEET_TASK_EXIT'
  | 'FLEET_TASK_TIMEOUT'
  | 'FLEET_CHECKOUT_FAILED'
  | 'FLEET_PATCH_FAILED'
  | 'FLEET_PATCH_TAMPERED'
  | 'FLEET_CACHE_TOKEN_FAILED'
  | 'FLEET_INSTALL_FAILED'
  | 'FLEET_SPAWN_FAILED'
  | 'FLEET_JOB_REFUSED'
  | 'FLEET_RUN_CANCELLED'
  | 'FLEET_RUN_ABANDONED';

/** Failures of the agent rather than of the task: retried on a different agent up to maxAttempts. */
export const INFRASTRUCTURE_FAILURES: ReadonlySet<string> = new Set([
  'FLEET_TASK_TIMEOUT',
  'FLEET_CHECKOUT_FAILED',
  'FLEET_SPAWN_FAILED',
  'FLEET_INSTALL_FAILED',
  'FLEET_CACHE_TOKEN_FAILED',
]);

/** What an agent reports when a task ends. `code` says why when it did not run to an exit code. */
export interface TaskResult {
  runId: string;
  taskId: string;
  agent: string;
  attempt: number;
  status: 'success' | 'failure';
  exitCode: number | null;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  gpus: number[];
  hash?: string;
  /** Nx's own status of the task in the agent's `nx run` (`remote-cache`, `success`, ...): the cache source. */
  nxStatus?: string;
  code?: TaskFailureCode;
  message?: string;
  /** The agent's price per hour (`--cost-per-hour`), for the run's cost figures. */
  costPerHour?: number;
}

/** An agent's heartbeat value (`fleet:agent:<id>`, with a TTL). */
export interface AgentInfo {
  id: string;
  capabilities: Capabilities;
  slots: number;
  /** Queues it takes jobs from. */
  queues: string[];
  /** Its `--cpu-work-on-gpu-agents` policy (a `never` GPU agent takes no CPU-only job). */
  cpuWorkOnGpuAgents?: 'never' | 'when-idle' | 'always';
  startedAt: number;
  /** The trust level it serves (`fleet agent --trust`); absent from agents before trust levels: `trusted`. */
  trust?: string;
  /** Its price per hour (`--cost-per-hour`, `--label-prices`); cheaper capable agents take jobs first. */
  costPerHour?: number;
  /** The repository id it serves (`--repo id=url`); absent: its default checkout. */
  repo?: string;
}

/** One line of a task's output, as streamed to `fleet:run:<runId>:log`. */
export interface LogLine {
  taskId: string;
  agent: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** One attempt of a task, as `--summary-json` lists them. */
export interface AttemptSummary {
  attempt: number;
  agent: string;
  status: 'success' | 'failure';
  exitCode: number | null;
  startedAt: number;
  endedAt: number;
  /** When the coordinator received the result, on its own clock (startedAt/endedAt are the agent's). */
  resultAt?: number;
  hash?: string;
  code?: string;
  /** When this attempt was queued for an agent. */
  queuedAt?: number;
  /** Nx's own status in the agent's `nx run` (`remote-cache`, `local-cache`, `success`, ...). */
  nxStatus?: string;
  /** The agent's price per hour when it ran the attempt. */
  costPerHour?: number;
  /** The GPUs it had. */
  gpus?: number[];
}

/** Per task in `fleet run --summary-json`: the stable contract (docs/distributed.md). */
export interface TaskSummary {
  taskId: string;
  status: TaskStatus;
  agent?: string;
  attempts: number;
  /** When its last dependency ended (its queuedAt when it has none): dispatch latency is startedAt - readyAt. */
  readyAt?: number;
  queuedAt?: number;
  startedAt?: number;
  endedAt?: number;
  /**
   * When the coordinator received the last attempt's result, on its clock (like `queuedAt`):
   * `resultAt - queuedAt` is the task's whole cost as the coordinator sees it, agent clocks aside.
   */
  resultAt?: number;
  exitCode?: number | null;
  hash?: string;
  gpus?: number[];
  requirement: Requirement;
  message?: string;
  /**
   * Why it did not succeed, as a stable code (the message says it in words): a
   * {@link TaskFailureCode} from its agent, or the coordinator's own (`FLEET_NO_CAPABLE_AGENT`,
   * `FLEET_AGENT_LOST`, `FLEET_JOB_MALFORMED`, `FLEET_DEPENDENCY_FAILED`, a refusal's `FLEET_JOB_*`).
   */
  code?: string;
  /** Failed, then passed with the same hash in this run. */
  flaky?: boolean;
  /** Every attempt that ran to a result, in order. */
  history?: AttemptSummary[];
  /** The tasks of this run it depends on (Nx's task graph): the run history's critical path. */
  deps?: string[];
  /** Agent-seconds, cost, GPU-seconds, and the cost on the most expensive capable agents (runner/cost.ts). */
  cost?: CostFigures;
}

/** What agents append to a run's event stream (`fleet:run:<runId>:events`, field `e`). */
export type RunEvent =
  | { type: 'started'; taskId: string; agent: string; attempt: number; at: number; gpus: number[] }
  | { type: 'finished'; result: TaskResult }
  | { type: 'refused'; taskId?: string; agent: string; code: string; message: string };
