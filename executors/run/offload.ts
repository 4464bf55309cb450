import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { ExecutorContext, Task } from '@nx/devkit';
import { parseBoolean, readPluginOptions } from '../../config';
import {
  receiveOutputs,
  returnOutputsFromEnv,
  sendOutputs,
  type ReturnedOutputsResult,
} from '../../runner/returned-outputs';
import type { CommandResult } from './run-command';

/**
 * Set for the `fleet run` an offload starts: its final replay runs the same task through Nx
 * again, and the executor there must neither run it locally nor send it out a second time.
 */
export const OFFLOADED_ENV = 'FLEET_OFFLOADED';

/** An agent pool is configured: `fleet run`'s Redis URL from the environment or nx.json `run`. */
export function poolConfigured(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FLEET_REDIS_URL || env.FLEET_REDIS_URL_FILE) return true;
  const run = (readPluginOptions(workspaceRoot).options as { run?: Record<string, unknown> }).run;
  return typeof run?.redisUrl === 'string' && run.redisUrl !== '';
}

/**
 * The trust level of an offload. Outside CI (no `CI` variable) it is always `untrusted`: a
 * laptop's task runs in the pull-request pool with the untrusted key, whatever FLEET_TRUST says
 * there is refused rather than followed. In CI, FLEET_TRUST (default `trusted`, as `fleet run`).
 */
export function offloadTrust(env: NodeJS.ProcessEnv): { trust: string } | { problem: string } {
  const ci = env.CI !== undefined && env.CI !== '' && parseBoolean(env.CI) !== false;
  const asked = env.FLEET_TRUST;
  if (ci) return { trust: asked || 'trusted' };
  if (asked && asked !== 'untrusted')
    return {
      problem: `FLEET_TRUST=${asked}: a task offloaded from outside CI runs untrusted (set CI=true on a CI runner) [FLEET_OFFLOAD_TRUST]`,
    };
  return { trust: 'untrusted' };
}

/**
 * Sends one task to the agent pool through `fleet run run <task> --exclude-task-dependencies`: the
 * coordinator's own job submission (signed with the caller's key, at the caller's level, the
 * uncommitted changes as its patch), its log streamed as it comes, and its replay restoring the
 * outputs from the remote cache into this workspace. The exit code is fleet's.
 */
export function offloadTask(
  workspaceRoot: string,
  taskId: string,
  trust: string,
  live: boolean,
): { done: Promise<CommandResult>; kill: (signal: NodeJS.Signals) => void } {
  const fleet = path.join(__dirname, '..', '..', 'cli', 'main.js');
  const child = spawn(
    process.execPath,
    [fleet, 'run', '--stream', '--trust', trust, 'run', taskId, '--exclude-task-dependencies'],
    {
      cwd: workspaceRoot,
      env: offloadEnv(process.env, trust),
      stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'],
    },
  );
  let output = '';
  // Batch mode: Nx prints a result's output when the task ends; the log also goes to the batch's
  // stderr as it comes (Nx shows that live), so a long training run is not silent meanwhile.
  const tee = (c: Buffer) => {
    output += c.toString();
    process.stderr.write(c);
  };
  child.stdout?.on('data', tee);
  child.stderr?.on('data', tee);
  const done = new Promise<CommandResult>((resolve) => {
    child.on('error', (e) => resolve({ code: 1, output: `${output}nx-fleet: cannot start fleet run: ${e.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
  return { done, kill: (signal) => child.kill(signal) };
}

/**
 * The offload's environment. Nx's loop detection (NX_INVOCATION_ANCESTOR_PIDS) would stop the
 * replay of a `cache: false` task, which runs the same task again under this one: it is left out,
 * and OFFLOADED_ENV is what ends the chain instead (the replay's executor never runs nor sends
 * the task again).
 */
function offloadEnv(env: NodeJS.ProcessEnv, trust: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, [OFFLOADED_ENV]: '1', FLEET_TRUST: trust };
  delete out.NX_INVOCATION_ANCESTOR_PIDS;
  return out;
}

/** The task's outputs as Nx resolved them (workspace-relative paths and globs). */
function taskOutputs(id: string, context: ExecutorContext, task?: Task): string[] {
  return (task ?? context.taskGraph?.tasks[id])?.outputs ?? [];
}

/** The remote cache Nx uses in this process, with its token. */
function remoteCache(env: NodeJS.ProcessEnv): { cacheUrl?: string; token?: string } {
  return {
    cacheUrl: env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER || undefined,
    token: env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN || undefined,
  };
}

/**
 * On an agent, after the task succeeded: when its job asks for its outputs back (an offloaded
 * `cache: false` task, runner/returned-outputs.ts), packs and uploads them with this process's
 * remote-cache token. Undefined when nothing was asked.
 */
export async function sendBack(
  id: string,
  context: ExecutorContext,
  task?: Task,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReturnedOutputsResult | undefined> {
  const asked = returnOutputsFromEnv(id, env, true);
  if (!asked) return undefined;
  const outputs = taskOutputs(id, context, task);
  if (!outputs.length) return undefined;
  const { cacheUrl, token } = remoteCache(env);
  if (!cacheUrl) return noRemoteCache(id, 'FLEET_OFFLOAD_OUTPUTS_UPLOAD_FAILED', 'to send its outputs back through');
  return sendOutputs({
    workspaceRoot: context.root,
    taskId: id,
    runId: asked.runId,
    outputs,
    limit: asked.limit,
    cacheUrl,
    token,
  });
}

/**
 * Inside the replay of an offload (`fleet run`'s final nx command): the task ran on an agent
 * already. A cached target whose result the replay did not restore is a miss (the agent's hash
 * differs); a `cache: false` one gets its outputs from the agent's upload (runner/returned-outputs.ts).
 */
export async function offloadReplay(
  id: string,
  context: ExecutorContext,
  task?: Task,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ success: boolean; message: string } | undefined> {
  if (env[OFFLOADED_ENV] !== '1') return undefined;
  const [project, target] = id.split(':');
  const cached = context.projectsConfigurations?.projects[project]?.targets?.[target]?.cache !== false;
  if (cached)
    return {
      success: false,
      message: `nx-fleet: ${id} ran on an agent, but its result is not in the remote cache under this machine's hash; its outputs cannot be restored [FLEET_OFFLOAD_REPLAY_MISS]\n`,
    };
  const asked = returnOutputsFromEnv(id, env, false);
  if (!asked)
    // A `fleet run` that asked for no outputs (one older than this executor).
    return {
      success: true,
      message: `nx-fleet: ${id} ran on an agent (log above); it is cache: false, so its outputs stay there [FLEET_OFFLOAD_OUTPUTS_NOT_RETURNED]\n`,
    };
  const outputs = taskOutputs(id, context, task);
  if (!outputs.length)
    return { success: true, message: `nx-fleet: ${id} ran on an agent (log above); it declares no outputs\n` };
  const { cacheUrl, token } = remoteCache(env);
  const got = cacheUrl
    ? await receiveOutputs({
        workspaceRoot: context.root,
        taskId: id,
        runId: asked.runId,
        outputs,
        limit: asked.limit,
        cacheUrl,
        token,
      })
    : noRemoteCache(id, 'FLEET_OFFLOAD_OUTPUTS_DOWNLOAD_FAILED', 'to fetch its outputs from');
  return { success: got.ok, message: `nx-fleet: ${got.message}\n` };
}

/** The outputs cannot travel: this process has no remote cache to pass them through. */
function noRemoteCache(
  id: string,
  code: 'FLEET_OFFLOAD_OUTPUTS_UPLOAD_FAILED' | 'FLEET_OFFLOAD_OUTPUTS_DOWNLOAD_FAILED',
  what: string,
): { ok: false; code: typeof code; message: string } {
  return { ok: false, code, message: `${id}: no remote cache (NX_SELF_HOSTED_REMOTE_CACHE_SERVER) ${what} [${code}]` };
}
