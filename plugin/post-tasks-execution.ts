import type { PostTasksExecutionContext } from '@nx/devkit';
import { TASK_RESULTS_DIR_ENV, writeTaskResult } from '../runner/task-results';

/**
 * Nx calls this after every run. Only when fleet started the run (an agent's task, or the
 * coordinator's replay) does it do anything: it records each task's hash and status for fleet.
 */
export async function postTasksExecution(_options: unknown, context: PostTasksExecutionContext): Promise<void> {
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
