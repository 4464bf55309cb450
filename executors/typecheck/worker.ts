import { checkProject, type CheckRequest, type CheckResult } from './check-project';
import { loadTypescript } from './load-typescript';
import { createSharedState, type SharedState } from './shared-state';

/** A task as the server hands it to a pool thread. */
export interface WorkerTask extends CheckRequest {
  typescript: string;
  /** Test hook (docs/local-execution.md): the thread exits while checking a tsconfig whose path contains this. */
  crashOn?: string;
  /** After this many projects the thread's caches start over (bounds its memory). */
  recycleAfter: number;
}

/**
 * The piscina entry. The shared state is this thread's by design: it is what makes the worker
 * warm, it lives exactly as long as the thread, and the pool recycles threads to bound it.
 */
let state: SharedState | undefined;

export default function typecheckTask(task: WorkerTask): CheckResult {
  if (task.crashOn && task.tsconfig.includes(task.crashOn)) process.exit(70);
  if (state && state.checked >= task.recycleAfter) state = undefined;
  state ??= createSharedState(loadTypescript(task.typescript));
  return checkProject(state, task);
}
