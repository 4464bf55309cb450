import type { KeyObject } from 'node:crypto';
import { defineCommandSettings, setting, valueTypes as t, type ValueType } from '../../config';
import {
  parseLabelPrices,
  parseLabels,
  parseRepoSpecs,
  resolveTaskUser,
  type CpuWorkPolicy,
  type RepoSpec,
  type TaskUser,
} from '../../runner';
import {
  AGENT_LABELS,
  CACHE_MINT_TOKEN,
  CACHE_TOKEN,
  CACHE_URL,
  HMAC_GONE,
  MAX_ATTEMPTS,
  PUBLIC_KEY,
  REDIS_URL,
  TRUST,
} from './shared-settings';

/** `fleet agent`'s settings, validated; the CLI adds the detected hardware and the log. */
export interface AgentSettings {
  redisUrl: string;
  cacheUrl: string;
  cacheToken?: string;
  cacheMintToken?: string;
  trust: string;
  publicKey: KeyObject;
  taskUser?: TaskUser;
  isolateRuns?: boolean;
  labels: string[];
  slots: number;
  workdir: string;
  id?: string;
  cpuWorkOnGpuAgents: CpuWorkPolicy;
  sharedRedis: 'warn' | 'refuse';
  maxAttempts: number;
  lockSeconds: number;
  abandonAfterSeconds: number;
  installCommand: string;
  idleExitSeconds?: number;
  warmNx: boolean;
  daemon?: boolean;
  checkouts?: number;
  costPerHour?: number;
  labelPrices: Map<string, number>;
  cheaperWaitMs: number;
  repos: RepoSpec[];
}

const labelPricesType: ValueType<Map<string, number>> = {
  syntax: 'comma-separated `<label>=<price>` list',
  schema: { type: ['array', 'string'], items: { type: 'string' } },
  parse: (raw) => {
    const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
    if (!items || items.some((i) => typeof i !== 'string'))
      return { ok: false, message: 'expected a comma-separated list of <label>=<price>' };
    const r = parseLabelPrices((items as string[]).map((i) => i.trim()).filter(Boolean));
    return r.ok ? { ok: true, value: r.prices } : { ok: false, message: r.message };
  },
  show: (m) => [...m].map(([l, p]) => `${l}=${p}`),
};

const reposType: ValueType<RepoSpec[]> = {
  syntax: '`<id>=<origin URL>` (the flag repeated; in the variable, comma-separated)',
  schema: { type: ['array', 'string'], items: { type: 'string' } },
  parse: (raw) => {
    const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
    if (!items || items.some((i) => typeof i !== 'string'))
      return { ok: false, message: 'expected <id>=<origin URL> items' };
    const r = parseRepoSpecs((items as string[]).map((i) => i.trim()).filter(Boolean));
    return r.ok ? { ok: true, value: r.repos } : { ok: false, message: r.message };
  },
  show: (list) => list.map((r) => `${r.id}=${r.url}`),
};

const taskUserType: ValueType<TaskUser> = {
  syntax: 'a user name',
  schema: { type: 'string', minLength: 1 },
  parse: (raw) => {
    const u = resolveTaskUser(String(raw).trim());
    return u.ok ? { ok: true, value: u.user } : { ok: false, message: u.message, code: u.code };
  },
  show: (u) => `${u.name} (uid ${u.uid}, gid ${u.gid})`,
};

const S = {
  redisUrl: REDIS_URL,
  cacheUrl: CACHE_URL,
  cacheToken: CACHE_TOKEN,
  cacheMintToken: CACHE_MINT_TOKEN,
  trust: TRUST,
  publicKey: PUBLIC_KEY,
  taskUser: setting({
    key: 'taskUser',
    flag: '--task-user',
    valueName: '<name>',
    env: 'FLEET_TASK_USER',
    type: taskUserType,
    noNxJson: true,
    description: "run the repository's code (install, nx) as this user of its own (the agent runs as root)",
  }),
  isolateRuns: setting({
    key: 'isolateRuns',
    flag: '--isolate-runs',
    valueName: '<on|off>',
    env: 'FLEET_ISOLATE_RUNS',
    type: t.boolean(['on', 'off']),
    defaultText: 'on for every level but `trusted`',
    description: 'nothing survives from one run to the next: fresh checkout, HOME and per-run cache token',
  }),
  labels: AGENT_LABELS,
  slots: setting({
    key: 'slots',
    flag: '--slots',
    valueName: '<n>',
    env: 'FLEET_SLOTS',
    type: t.integer(1),
    default: (_v, ctx) => ctx.cpus,
    defaultText: 'CPU count',
    description: 'tasks at once',
  }),
  workdir: setting({
    key: 'workdir',
    flag: '--workdir',
    valueName: '<dir>',
    env: 'FLEET_WORKDIR',
    type: t.text('a folder'),
    default: (_v, ctx) => ctx.cwd,
    defaultText: 'current folder',
    noNxJson: true,
    description: "the git checkout tasks run in (its `origin` must have the run's commits)",
  }),
  id: setting({
    key: 'id',
    flag: '--id',
    valueName: '<id>',
    env: 'FLEET_AGENT_ID',
    type: t.text('an id'),
    defaultText: '`<hostname>-<pid>`',
    noNxJson: true,
    description: "the agent's name in summaries and messages",
  }),
  cpuWorkOnGpuAgents: setting({
    key: 'cpuWorkOnGpuAgents',
    flag: '--cpu-work-on-gpu-agents',
    valueName: '<policy>',
    env: 'FLEET_CPU_WORK_ON_GPU_AGENTS',
    type: t.oneOf(['never', 'when-idle', 'always'] as const),
    default: 'when-idle' as const,
    description: 'whether an agent with GPUs takes tasks that need none',
  }),
  sharedRedis: setting({
    key: 'sharedRedis',
    flag: '--shared-redis',
    valueName: '<warn|refuse>',
    env: 'FLEET_SHARED_REDIS',
    type: t.oneOf(['warn', 'refuse'] as const),
    default: 'warn' as const,
    description:
      'an isolating agent whose Redis holds another trust level’s agents or queues: log `FLEET_REDIS_SHARED`, or refuse to start (and stop when it appears later)',
  }),
  maxAttempts: MAX_ATTEMPTS,
  lockTimeout: setting({
    key: 'lockTimeout',
    flag: '--lock-timeout',
    valueName: '<duration>',
    env: 'FLEET_LOCK_TIMEOUT',
    type: t.seconds(),
    default: 30,
    description:
      'a job whose agent stops renewing its lock this long (the agent died) goes to another agent; stalled jobs are looked for every half of it',
  }),
  abandonAfter: setting({
    key: 'abandonAfter',
    flag: '--abandon-after',
    valueName: '<duration>',
    env: 'FLEET_ABANDON_AFTER',
    type: t.seconds(),
    default: 60,
    description: "stop a run's tasks when its coordinator's heartbeat has not changed this long",
  }),
  installCommand: setting({
    key: 'installCommand',
    flag: '--install-command',
    valueName: '<cmd>',
    env: 'FLEET_INSTALL_COMMAND',
    type: t.text('auto, none or a shell command'),
    default: 'auto',
    description: 'after a checkout whose lockfile changed: `auto` (from the lockfile), `none`, or a shell command',
  }),
  idleExit: setting({
    key: 'idleExit',
    flag: '--idle-exit',
    valueName: '<duration>',
    env: 'FLEET_IDLE_EXIT',
    type: t.seconds(),
    defaultText: 'never',
    description: 'exit after this long with no task (agents as CI jobs)',
  }),
  warm: setting({
    key: 'warm',
    flag: '--warm',
    negatable: true,
    env: 'FLEET_WARM',
    type: t.boolean(),
    default: true,
    description:
      'resident nx processes (Nx loaded once per checkout, reused task after task); `--no-warm`: a fresh `nx` per task',
  }),
  daemon: setting({
    key: 'daemon',
    flag: '--daemon',
    negatable: true,
    env: 'FLEET_DAEMON',
    type: t.boolean(),
    defaultText: '`NX_DAEMON` when set, else on only with `--no-warm`',
    description: 'an Nx daemon in the checkout for the tasks, restarted on each commit switch',
  }),
  checkouts: setting({
    key: 'checkouts',
    flag: '--checkouts',
    valueName: '<n>',
    env: 'FLEET_CHECKOUTS',
    type: t.integer(1),
    defaultText: '`--slots` + 1, at most 3 (always 1 on an agent that isolates runs)',
    description:
      "checkouts of the repository at most (the clone and git worktrees of it, one commit each, sharing the repository's local Nx cache): runs at different commits do not switch the commit under each other; the least recently used idle one is switched when all are taken",
  }),
  costPerHour: setting({
    key: 'costPerHour',
    flag: '--cost-per-hour',
    valueName: '<price>',
    env: 'FLEET_COST_PER_HOUR',
    type: t.decimal(0),
    defaultText: 'the highest `--label-prices` entry of its labels, else 0',
    noNxJson: true,
    description:
      "this agent's price per hour (any unit, the same on every agent): cheaper capable agents take jobs first; the run's cost figures use it",
  }),
  labelPrices: setting({
    key: 'labelPrices',
    flag: '--label-prices',
    valueName: '<label=price,...>',
    env: 'FLEET_LABEL_PRICES',
    type: labelPricesType,
    default: new Map<string, number>(),
    description:
      'default prices per hour by label (e.g. `gpu:h100=4.5,gpu:l4=0.8`) for agents without `--cost-per-hour`',
  }),
  cheaperWait: setting({
    key: 'cheaperWait',
    flag: '--cheaper-wait',
    valueName: '<duration>',
    env: 'FLEET_CHEAPER_WAIT',
    type: t.seconds({ allowZero: true }),
    default: 30,
    description:
      "a priced agent leaves a queue's jobs to cheaper live agents able to run them until its oldest job has waited this long",
  }),
  repos: setting({
    key: 'repos',
    flag: '--repo',
    valueName: '<id=url>',
    repeatable: true,
    env: 'FLEET_REPOS',
    type: reposType,
    default: [] as RepoSpec[],
    noNxJson: true,
    description:
      'serve the runs of these repositories (`fleet run --repo <id>`), each in its own checkout `<workdir>/<id>` of that origin; a job naming another id is refused (`FLEET_UNKNOWN_REPO`)',
  }),
};

/** `fleet agent`: flags > `FLEET_*` > nx.json `agent` > defaults. */
export const agentSettings = defineCommandSettings<AgentSettings>({
  command: 'agent',
  section: 'agent',
  settings: Object.values(S),
  check: (_v, at, input) => [
    ...(input.env.FLEET_SECRET ? [at(S.publicKey, 'FLEET_NO_PUBLIC_KEY', HMAC_GONE)] : []),
    ...(input.env.FLEET_SIGNING_KEY || input.env.FLEET_SIGNING_KEY_FILE
      ? [
          {
            code: 'FLEET_SIGNING_KEY_ON_AGENT',
            key: 'signingKey',
            label: 'FLEET_SIGNING_KEY',
            source: input.env.FLEET_SIGNING_KEY ? 'FLEET_SIGNING_KEY' : 'FLEET_SIGNING_KEY_FILE',
            message: 'an agent must not hold a signing key: with it, the code it runs could create jobs',
          },
        ]
      : []),
  ],
  build: (v) => ({
    redisUrl: v.redisUrl as string,
    cacheUrl: v.cacheUrl as string,
    cacheToken: v.cacheToken as string | undefined,
    cacheMintToken: v.cacheMintToken as string | undefined,
    trust: v.trust as string,
    publicKey: v.publicKey as KeyObject,
    taskUser: v.taskUser as TaskUser | undefined,
    isolateRuns: v.isolateRuns as boolean | undefined,
    labels: parseLabels((v.labels as string[]).join(',')),
    slots: v.slots as number,
    workdir: v.workdir as string,
    id: v.id as string | undefined,
    cpuWorkOnGpuAgents: v.cpuWorkOnGpuAgents as CpuWorkPolicy,
    sharedRedis: v.sharedRedis as 'warn' | 'refuse',
    maxAttempts: v.maxAttempts as number,
    lockSeconds: v.lockTimeout as number,
    abandonAfterSeconds: v.abandonAfter as number,
    installCommand: v.installCommand as string,
    idleExitSeconds: v.idleExit as number | undefined,
    warmNx: v.warm as boolean,
    daemon: v.daemon as boolean | undefined,
    checkouts: v.checkouts as number | undefined,
    costPerHour: v.costPerHour as number | undefined,
    labelPrices: v.labelPrices as Map<string, number>,
    cheaperWaitMs: Math.round((v.cheaperWait as number) * 1000),
    repos: v.repos as RepoSpec[],
  }),
});
