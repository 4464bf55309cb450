import type { KeyObject } from 'node:crypto';
import { defineCommandSettings, setting, valueTypes as t } from '../../config';
import { REPO_ID } from '../../runner';
import {
  CACHE_MINT_TOKEN,
  CACHE_TOKEN,
  CACHE_URL,
  HMAC_GONE,
  MAX_ATTEMPTS,
  REDIS_URL,
  SIGNING_KEY,
  TRUST,
} from './shared-settings';

/** `fleet run`'s settings, validated; the CLI adds the nx arguments, routing and callbacks. */
export interface RunSettings {
  redisUrl: string;
  cacheUrl: string;
  cacheToken?: string;
  cacheMintToken?: string;
  trust: string;
  signingKey: KeyObject;
  agentWaitSeconds: number;
  summaryJson?: string;
  pushRef: boolean;
  retryFailed: number;
  retryFlaky: number;
  maxAttempts: number;
  taskTimeoutSeconds?: number;
  outputStyle?: 'stream' | 'static' | 'compact';
  stream: boolean;
  taskOutput: 'all' | 'failed' | 'none';
  redisTimeoutSeconds: number;
  repo?: string;
  priority: number;
  budget?: number;
  returnOutputsLimit: number;
}

const S = {
  redisUrl: REDIS_URL,
  cacheUrl: CACHE_URL,
  cacheToken: CACHE_TOKEN,
  cacheMintToken: CACHE_MINT_TOKEN,
  trust: TRUST,
  signingKey: SIGNING_KEY,
  agentWait: setting({
    key: 'agentWait',
    flag: '--agent-wait',
    valueName: '<duration>',
    env: 'FLEET_AGENT_WAIT',
    type: t.seconds({ allowZero: true }),
    default: 300,
    description: 'how long a queued task may wait for a live agent able to run it before `FLEET_NO_CAPABLE_AGENT`',
  }),
  summaryJson: setting({
    key: 'summaryJson',
    flag: '--summary-json',
    valueName: '<file>',
    env: 'FLEET_SUMMARY_JSON',
    type: t.text('a file path'),
    description: 'write a per-task summary there (shape in docs/distributed.md)',
  }),
  pushRef: setting({
    key: 'pushRef',
    flag: '--push-ref',
    env: 'FLEET_PUSH_REF',
    type: t.boolean(),
    default: false,
    description:
      'when no origin branch contains HEAD, push it to `refs/fleet/runs/<id>` instead of refusing (`FLEET_COMMIT_NOT_PUSHED`)',
  }),
  retryFailed: setting({
    key: 'retryFailed',
    flag: '--retry-failed',
    valueName: '<n>',
    env: 'FLEET_RETRY_FAILED',
    type: t.integer(0),
    default: 0,
    description: "extra attempts, on another agent, after a task's own failure",
  }),
  retryFlaky: setting({
    key: 'retryFlaky',
    flag: '--retry-flaky',
    valueName: '<n>',
    env: 'FLEET_RETRY_FLAKY',
    type: t.integer(0),
    default: 1,
    description: 'extra attempts for tasks seen flaky in earlier runs (in Redis, or in the run history store)',
  }),
  maxAttempts: MAX_ATTEMPTS,
  taskTimeout: setting({
    key: 'taskTimeout',
    flag: '--task-timeout',
    valueName: '<duration>',
    env: 'FLEET_TASK_TIMEOUT',
    type: t.seconds(),
    description: 'stop a task (its process group) after this long; target `metadata.fleet.timeout` (seconds) wins',
  }),
  outputStyle: setting({
    key: 'outputStyle',
    flag: '--output-style',
    valueName: '<style>',
    env: 'FLEET_OUTPUT_STYLE',
    type: t.oneOf(['stream', 'static', 'compact'] as const),
    description:
      'task output: `static` (the default) each task’s own output when it ends, under a one-line header (agent, time, cache status); `stream` every line as it comes, as `<task> | <line>`; `compact` only failed tasks’ output; wins over `--stream` and `--task-output`',
  }),
  stream: setting({
    key: 'stream',
    flag: '--stream',
    env: 'FLEET_STREAM',
    type: t.boolean(),
    default: false,
    description: 'alias of `--output-style stream` (kept for one release)',
  }),
  taskOutput: setting({
    key: 'taskOutput',
    flag: '--task-output',
    valueName: '<which>',
    env: 'FLEET_TASK_OUTPUT',
    type: t.oneOf(['all', 'failed', 'none'] as const),
    default: 'all' as const,
    description:
      'alias: `all` = `--output-style static`, `failed` = `compact`, `none` prints only each task’s header line (kept for one release)',
  }),
  redisTimeout: setting({
    key: 'redisTimeout',
    flag: '--redis-timeout',
    valueName: '<duration>',
    env: 'FLEET_REDIS_TIMEOUT',
    type: t.seconds(),
    default: 60,
    description: 'fail the run with `FLEET_REDIS_UNAVAILABLE` when Redis is unreachable this long',
  }),
  repo: setting({
    key: 'repo',
    flag: '--repo',
    valueName: '<id>',
    env: 'FLEET_REPO',
    type: t.text('a repository id', (v) => (REPO_ID.test(v) ? undefined : `must match ${REPO_ID.source}`)),
    defaultText: "none: the agents' default checkout",
    description: 'the id agents map to this repository (`fleet agent --repo <id>=<url>`); signed into every job',
  }),
  priority: setting({
    key: 'priority',
    flag: '--priority',
    valueName: '<n>',
    env: 'FLEET_PRIORITY',
    type: t.integer(0, 1000),
    default: 0,
    description: 'agents serve runs of a higher priority first (release runs), and take turns between runs of one',
  }),
  budget: setting({
    key: 'budget',
    flag: '--budget',
    valueName: '<amount>',
    env: 'FLEET_BUDGET',
    type: t.decimal(0, { allowMin: false }),
    defaultText: 'none',
    description:
      'stop queueing new tasks when the run would cost more (agents’ prices × agent-seconds); the run fails with `FLEET_BUDGET_EXCEEDED`',
  }),
  returnOutputsLimit: setting({
    key: 'returnOutputsLimit',
    flag: '--return-outputs-limit',
    valueName: '<size>',
    env: 'FLEET_RETURN_OUTPUTS_LIMIT',
    type: t.size(),
    default: 1024 ** 3,
    description:
      'in the offload of an `nx-fleet:run` task (FLEET_OFFLOADED=1), the most a `cache: false` task’s outputs may weigh to come back from the agent, checked on the agent before the upload and here before unpacking; above it the task fails with `FLEET_OFFLOAD_OUTPUTS_TOO_LARGE`',
  }),
};

/** `fleet run`: flags > `FLEET_*` > nx.json `run` > defaults. */
export const runSettings = defineCommandSettings<RunSettings>({
  command: 'run',
  section: 'run',
  settings: Object.values(S),
  check: (_v, at, input) => (input.env.FLEET_SECRET ? [at(S.signingKey, 'FLEET_NO_SIGNING_KEY', HMAC_GONE)] : []),
  build: (v) => ({
    redisUrl: v.redisUrl as string,
    cacheUrl: v.cacheUrl as string,
    cacheToken: v.cacheToken as string | undefined,
    cacheMintToken: v.cacheMintToken as string | undefined,
    trust: v.trust as string,
    signingKey: v.signingKey as KeyObject,
    agentWaitSeconds: v.agentWait as number,
    summaryJson: v.summaryJson as string | undefined,
    pushRef: v.pushRef as boolean,
    retryFailed: v.retryFailed as number,
    retryFlaky: v.retryFlaky as number,
    maxAttempts: v.maxAttempts as number,
    taskTimeoutSeconds: v.taskTimeout as number | undefined,
    outputStyle: v.outputStyle as RunSettings['outputStyle'],
    stream: v.stream as boolean,
    taskOutput: v.taskOutput as RunSettings['taskOutput'],
    redisTimeoutSeconds: v.redisTimeout as number,
    repo: v.repo as string | undefined,
    priority: v.priority as number,
    budget: v.budget as number | undefined,
    returnOutputsLimit: v.returnOutputsLimit as number,
  }),
});
