import type { PostTasksExecutionContext } from '@nx/devkit';
import { pluginLog } from './plugin-log';
import { TASK_RESULTS_DIR_ENV, writeTaskResult } from '../runner/task-results';

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
