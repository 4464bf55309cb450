import type { PostTasksExecutionContext } from '@nx/devkit';
import { pluginLog } from './plugin-log';
import { TASK_RESULTS_DIR_ENV, writeTaskResult } from '../runner/task-results';
import { readPluginOptions } from '../config/read-plugin-options';
import { parseBoolean } from '../config/settings/parse-boolean';

/**
 * Whether nx-fleet registers the hook at all (decided when Nx loads the plugin). For a
 * postTasksExecution hook Nx sends every task's result, terminal output included, to the
 * plugin's worker process, whatever the hook then does: about 0.4 ms per task on the 2-core
 * development VM (bench/analytics/hook.mjs, "no-op plugin"). So with the run history turned off
 * explicitly (`FLEET_HISTORY` a false value, or nx.json `history.enabled: false` when the
 * variable is unset) and no fleet run reading task results (FLEET_TASK_RESULTS_DIR), the hook is
 * not registered and Nx sends nothing. An invalid value keeps it registered: the hook then
 * reports the problem. With the Nx daemon, the daemon's plugin worker decides when it starts
 * (`nx daemon --stop` after changing the setting).
 */
export function hookWanted(env: NodeJS.ProcessEnv, root: string): boolean {
  if (env[TASK_RESULTS_DIR_ENV]) return true;
  if (env.FLEET_HISTORY !== undefined && env.FLEET_HISTORY !== '') return parseBoolean(env.FLEET_HISTORY) !== false;
  const history = (readPluginOptions(root).options as { history?: { enabled?: unknown } }).history;
  return parseBoolean(history?.enabled) !== false;
}

/** The hook as nx-fleet exports it: `undefined` (not registered) when nothing would read it. */
export function registeredHook(env: NodeJS.ProcessEnv = process.env): typeof postTasksExecution | undefined {
  try {
    // Nx's own module (loaded by its plugin worker already), not @nx/devkit's whole surface.
    const { workspaceRoot } = require('nx/src/utils/workspace-root') as { workspaceRoot: string };
    return hookWanted(env, workspaceRoot) ? postTasksExecution : undefined;
  } catch {
    return postTasksExecution;
  }
}

/**
 * Nx calls this after every run. It records the run in the run history (analytics/; never
 * fails the command), and, when fleet started the run (an agent's task, or the coordinator's
 * replay), records each task's hash and status for fleet.
 */
export async function postTasksExecution(_options: unknown, context: PostTasksExecutionContext): Promise<void> {
  // Loaded here, not at the top: Nx loads the plugin for every command, and history's modules
  // (~20 ms) are needed only once tasks have run.
  const { recordRun } = require('../analytics') as typeof import('../analytics');
  await recordRun(context, { env: process.env, report: pluginLog });
  const dir = process.env[TASK_RESULTS_DIR_ENV];
  if (!dir) return;
  for (const [taskId, r] of Object.entries(context.taskResults)) {
    try {
      writeTaskResult(dir, { taskId, hash: r.task.hash, status: r.status, code: r.code });
    } catch {
      // The folder went away (the agent stopped): nothing to report to.
    }
  }
}
