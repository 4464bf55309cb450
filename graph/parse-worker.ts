import { parseBatch, type ParseJob, type ParseOutput } from './parse-file';

/** Piscina task: one batch of files of one workspace. */
export interface ParseTask {
  root: string;
  jobs: ParseJob[];
}

/** Entry of the piscina worker (compiled to dist/graph/parse-worker.js). */
export default function parseTask(task: ParseTask): ParseOutput[] {
  return parseBatch(task.root, task.jobs);
}
