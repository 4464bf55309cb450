import type { ProjectRequest, ProjectResult } from './run-project';

/** The batch process → a worker process (IPC): run one project. */
export interface WorkerRequest extends ProjectRequest {
  type: 'run';
  id: number;
}

/** A worker process → the batch process. */
export type WorkerReply = { type: 'result'; id: number; result: ProjectResult };

/** Stable codes of a project that could not be run (not a failing test: the run itself failed). */
export type VitestFailureCode = 'FLEET_VITEST_WORKER_CRASHED' | 'FLEET_VITEST_DEPENDENCY_FAILED';
