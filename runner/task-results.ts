import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * How an `nx run` started by fleet tells fleet what Nx decided for each task (its hash and
 * status): nx-fleet's `postTasksExecution` hook writes one small JSON file per task into the
 * folder named by this variable. Nx computes task hashes; this is the only way out for them.
 */
export const TASK_RESULTS_DIR_ENV = 'FLEET_TASK_RESULTS_DIR';

export interface RecordedTaskResult {
  taskId: string;
  hash?: string;
  /** Nx's status: success, failure, skipped, local-cache, local-cache-kept-existing, remote-cache. */
  status: string;
  code?: number;
}

export function taskResultsDirEnv(dir: string): Record<string, string> {
  return { [TASK_RESULTS_DIR_ENV]: dir };
}

function fileOf(dir: string, taskId: string): string {
  const name = encodeURIComponent(taskId);
  // File names hold at most 255 bytes; long (or very non-ASCII) task ids go by their digest.
  return path.join(dir, `${name.length > 200 ? createHash('sha256').update(taskId).digest('hex') : name}.json`);
}

/** Written by the plugin hook: temp file then rename, so a reader never sees half a file. */
export function writeTaskResult(dir: string, result: RecordedTaskResult): void {
  const file = fileOf(dir, result.taskId);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(result));
  fs.renameSync(tmp, file);
}

/** Reads and removes the task's record (so a later run of the same task never reads a stale one). */
export function readTaskResult(dir: string, taskId: string): RecordedTaskResult | undefined {
  const file = fileOf(dir, taskId);
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as RecordedTaskResult;
    fs.rmSync(file, { force: true });
    return r;
  } catch {
    return undefined;
  }
}

/** Every record in the folder (the coordinator's replay reads them all). */
export function readAllTaskResults(dir: string): RecordedTaskResult[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as RecordedTaskResult];
    } catch {
      return [];
    }
  });
}
