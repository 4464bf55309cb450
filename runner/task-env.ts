import * as path from 'node:path';
import { returnOutputsEnv, withoutReturnOutputs } from './returned-outputs';
import { RUN_MARK_ENV } from './run-leftovers';
import { withoutSecrets } from './secrets';
import { taskResultsDirEnv } from './task-results';

/**
 * What every nx command fleet starts against the shared remote cache has, on an agent and in the
 * coordinator's replay: the caller's environment without fleet's secrets, the cache server, the
 * cache token (only the one given: a standing one of the environment is dropped when `token` is
 * `null`), and the folder nx-fleet's hook writes each task's hash and status into.
 */
export function remoteCacheEnv(o: {
  base?: NodeJS.ProcessEnv;
  cacheUrl: string;
  /** A token to use; `null`: none at all, even one the environment holds; undefined: the environment's. */
  token?: string | null;
  resultsDir: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...withoutSecrets(o.base ?? process.env),
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: o.cacheUrl,
    ...taskResultsDirEnv(o.resultsDir),
  };
  if (o.token === null) delete env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN;
  else if (o.token) env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN = o.token;
  return env;
}

/** An isolating agent's run: the task sees only the run's HOME, token and mark (docs/distributed.md). */
export interface IsolatedRunEnv {
  runHome: string;
  /** The run's cache token (undefined: none minted yet, e.g. for the resident-free housekeeping). */
  runToken?: string;
  taskUserName?: string;
  runMark?: string;
}

export interface AgentTaskEnvOptions {
  workdir: string;
  cacheUrl: string;
  /** The agent's standing token (trusted agents only). */
  cacheToken?: string;
  resultsDir: string;
  daemon: boolean;
  /** GPUs the task was given ([] for CPU tasks and housekeeping). */
  gpus: number[];
  isolated?: IsolatedRunEnv;
  base?: NodeJS.ProcessEnv;
  /** The job asks for the task's outputs back (JobPayload.returnOutputsLimit); otherwise none is asked. */
  returnOutputs?: { runId: string; taskId: string; limit: number };
}

/** The environment of a task (and of the agent's own nx housekeeping) on an agent. */
export function agentTaskEnv(o: AgentTaskEnvOptions): NodeJS.ProcessEnv {
  const iso = o.isolated;
  const env = remoteCacheEnv({
    base: o.base,
    cacheUrl: o.cacheUrl,
    // An isolating agent passes only the run's own token, nothing of the agent's.
    token: iso ? (iso.runToken ?? null) : o.cacheToken,
    resultsDir: o.resultsDir,
  });
  env.NX_TUI = 'false';
  withoutReturnOutputs(env);
  const back = o.returnOutputs;
  if (back) Object.assign(env, returnOutputsEnv(back.runId, back.limit, back.taskId));
  if (iso) {
    Object.assign(env, {
      HOME: iso.runHome,
      TMPDIR: path.join(iso.runHome, 'tmp'),
      NX_CACHE_DIRECTORY: path.join(o.workdir, '.nx', 'cache'),
      NX_WORKSPACE_DATA_DIRECTORY: path.join(o.workdir, '.nx', 'workspace-data'),
    });
    if (iso.taskUserName) Object.assign(env, { USER: iso.taskUserName, LOGNAME: iso.taskUserName });
    if (iso.runMark) env[RUN_MARK_ENV] = iso.runMark;
  }
  env.NX_DAEMON = o.daemon ? 'true' : 'false';
  // Without a daemon, isolated plugins cost every task a few plugin-worker processes (half of
  // nx's start-up CPU, measured in bench/dte); hashes are the same. The operator's choice wins.
  if (!o.daemon && env.NX_ISOLATE_PLUGINS === undefined) env.NX_ISOLATE_PLUGINS = 'false';
  // Nx 24 shares one local cache and task database per user between every clone of a
  // repository; agents on one machine would read each other's half-written state across
  // different commits. Each checkout keeps its own, as on separate machines (outputs travel
  // through the remote cache), unless the operator chose a location.
  if (!env.NX_CACHE_DIRECTORY && !env.NX_WORKSPACE_DATA_DIRECTORY && !env.NX_PROJECT_GRAPH_CACHE_DIRECTORY)
    env.NX_CACHE_DIRECTORY = path.join(o.workdir, '.nx', 'cache');
  // A CPU task on a GPU machine must not grab a GPU a GPU task was given.
  env.CUDA_VISIBLE_DEVICES = o.gpus.join(',');
  env.NVIDIA_VISIBLE_DEVICES = o.gpus.length ? o.gpus.join(',') : 'void';
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}
