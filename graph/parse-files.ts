import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { parseBatch, type ParseJob, type ParseOutput } from './parse-file';
import type { ParseTask } from './parse-worker';

export interface ParseFilesResult {
  outputs: ParseOutput[];
  /** True when the files were parsed on a piscina pool. */
  parallel: boolean;
}

/**
 * The compiled worker module. From dist it sits next to this file; when this file runs from
 * its TypeScript source (tests), the built copy in dist/ is used. Undefined if neither exists.
 */
export function parseWorkerPath(): string | undefined {
  const candidates = [
    path.join(__dirname, 'parse-worker.js'),
    path.join(__dirname, '..', 'dist', 'graph', 'parse-worker.js'),
  ];
  return candidates.find((p) => fs.existsSync(p));
}

/**
 * The fewest cores on which the pool is used by default. Measured with bench/graph-ts on a
 * 2-core machine, the pool was slower than the main thread at 1k, 3k, 10k and 20k files: with
 * the main thread busy resolving, one spare core does not pay for worker start-up and
 * structured-clone transfer.
 */
export const DEFAULT_PARALLEL_MIN_CORES = 4;

/**
 * Reads, hashes and extracts files: on the main thread below `threshold` jobs or below
 * `minCores` cores (a pool's start-up costs more than it saves there), else on a piscina pool
 * of worker threads, in batches.
 */
export async function parseFiles(
  root: string,
  jobs: ParseJob[],
  threshold: number,
  minCores = DEFAULT_PARALLEL_MIN_CORES,
): Promise<ParseFilesResult> {
  const worker = jobs.length >= threshold && os.availableParallelism() >= minCores ? parseWorkerPath() : undefined;
  if (!worker || jobs.length === 0) return { outputs: parseBatch(root, jobs), parallel: false };
  const threads = Math.max(1, Math.min(os.availableParallelism(), 8));
  const pool = new Piscina({ filename: worker, minThreads: threads, maxThreads: threads, idleTimeout: 100 });
  try {
    const size = Math.max(100, Math.ceil(jobs.length / (threads * 4)));
    const tasks: Promise<ParseOutput[]>[] = [];
    for (let i = 0; i < jobs.length; i += size) {
      const task: ParseTask = { root, jobs: jobs.slice(i, i + size) };
      tasks.push(pool.run(task) as Promise<ParseOutput[]>);
    }
    return { outputs: (await Promise.all(tasks)).flat(), parallel: true };
  } finally {
    await pool.destroy();
  }
}
