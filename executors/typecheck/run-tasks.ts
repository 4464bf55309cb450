import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { fleetDisabled } from '../../config';
import { checkProject, type CheckRequest } from './check-project';
import { connectOrStart, type ServerConnection, type TaskOutcome } from './client';
import { loadTypescript, typescriptPath } from './load-typescript';
import { serverAddress } from './server-address';
import { createSharedState } from './shared-state';
import type { TypecheckExecutorOptions } from './options';

/** One Nx task: a project's tsconfigs, checked in order, the first failure stopping it (as `&&` does). */
export interface TypecheckTask {
  id: string;
  options: TypecheckExecutorOptions;
  /** CheckRequest.affinity. */
  affinity?: string;
}

export interface TaskReport {
  success: boolean;
  terminalOutput: string;
  startTime: number;
  endTime: number;
}

export type RunMode = 'server' | 'in-process' | 'commands';

/**
 * Runs tasks in the order given (dependency order): through the server when it is up, in this
 * process when it cannot start (said once, in the first task's output), as plain `tsc`
 * commands under FLEET_DISABLE=1 (config/settings/fleet-disabled.ts).
 */
export async function runTypecheckTasks(
  workspaceRoot: string,
  tasks: TypecheckTask[],
): Promise<{ mode: RunMode; reports: Record<string, TaskReport> }> {
  const typescript = typescriptPath(workspaceRoot);
  // A strict boolean like every setting: FLEET_DISABLE=yes bypasses, FLEET_DISABLE=sure fails the tasks.
  const disable = fleetDisabled(process.env);
  if (disable.problem) throw Object.assign(new Error(`nx-fleet: ${disable.problem}`), { code: 'FLEET_INVALID_OPTION' });
  if (disable.disabled) return { mode: 'commands', reports: runAsCommands(workspaceRoot, typescript, tasks) };
  const batchId = randomUUID();
  let connection: ServerConnection | undefined;
  let note = '';
  if (process.env.FLEET_TYPECHECK_SERVER !== 'off') {
    try {
      connection = (await connectOrStart(serverAddress(workspaceRoot, typescript), typescript, workspaceRoot))
        .connection;
    } catch (error) {
      note = `nx-fleet: the typecheck server could not start (${(error as Error).message}); checking in this process instead\n`;
      process.stderr.write(note);
    }
  }
  // Ctrl-C: closing the connection makes the server abort this command's tasks; the signal
  // is then raised again so that the process ends as it would without this handler.
  const stop = (signal: NodeJS.Signals) => {
    connection?.close();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const check: (r: CheckRequest) => Promise<TaskOutcome> = connection
      ? connection.check
      : inProcessChecker(typescript);
    const reports = await Promise.all(tasks.map((task) => runOne(workspaceRoot, batchId, task, check)));
    if (note && reports[0]) reports[0].terminalOutput = note + reports[0].terminalOutput;
    return {
      mode: connection ? 'server' : 'in-process',
      reports: Object.fromEntries(tasks.map((t, i) => [t.id, reports[i]])),
    };
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    connection?.close();
  }
}

function inProcessChecker(typescript: string): (r: CheckRequest) => Promise<TaskOutcome> {
  const state = createSharedState(loadTypescript(typescript));
  return async (request) => {
    try {
      return { ok: true, result: checkProject(state, request) };
    } catch (error) {
      return {
        ok: false,
        code: 'FLEET_TYPECHECK_FAILED',
        message: `nx-fleet: type-checking ${request.tsconfig} failed: ${(error as Error).stack}`,
      };
    }
  };
}

async function runOne(
  workspaceRoot: string,
  batchId: string,
  task: TypecheckTask,
  check: (r: CheckRequest) => Promise<TaskOutcome>,
): Promise<TaskReport> {
  const startTime = Date.now();
  const cwd = path.resolve(workspaceRoot, task.options.cwd);
  let terminalOutput = '';
  let success = true;
  for (const tsconfig of task.options.tsConfigs) {
    const outcome = await check({ tsconfig: path.resolve(cwd, tsconfig), cwd, batchId, affinity: task.affinity });
    if (!outcome.ok) {
      terminalOutput += `${outcome.message} [${outcome.code}]\n`;
      success = false;
      break;
    }
    terminalOutput += outcome.result.output;
    if (outcome.result.errorCount > 0) {
      success = false;
      break;
    }
  }
  return { success, terminalOutput, startTime, endTime: Date.now() };
}

/** FLEET_DISABLE=1: what the inferred command target does, one task after another. */
function runAsCommands(workspaceRoot: string, typescript: string, tasks: TypecheckTask[]): Record<string, TaskReport> {
  const tsc = path.join(path.dirname(typescript), '..', 'bin', 'tsc');
  const reports: Record<string, TaskReport> = {};
  for (const task of tasks) {
    const startTime = Date.now();
    let terminalOutput = '';
    let success = true;
    for (const tsconfig of task.options.tsConfigs) {
      const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', tsconfig], {
        cwd: path.resolve(workspaceRoot, task.options.cwd),
        encoding: 'utf8',
      });
      terminalOutput += (r.stdout ?? '') + (r.stderr ?? '');
      if (r.status !== 0) {
        success = false;
        break;
      }
    }
    reports[task.id] = { success, terminalOutput, startTime, endTime: Date.now() };
  }
  return reports;
}
