import { loadVitest } from './load-vitest';
import type { WorkerReply, WorkerRequest } from './protocol';
import { runProject } from './run-project';

/**
 * A warm worker process of the batch executor: it keeps Vitest loaded and runs one project at
 * a time, in the project's folder, as `vitest run` there would. A process, not a thread: the
 * working directory is per process (the forks pool's children inherit it, test code reads it),
 * and `process.chdir` is not available in worker threads.
 */
async function handle(req: WorkerRequest): Promise<void> {
  const env = { ...process.env };
  const exitCode = process.exitCode;
  process.chdir(req.root);
  try {
    // Node's module cache keeps one Vitest per install: the second project on it starts warm.
    const { api } = await loadVitest(req.root);
    const result = await runProject(api, req);
    send({ type: 'result', id: req.id, result });
  } catch (error) {
    const output = `nx-fleet: vitest could not run in ${req.root}: ${(error as Error).stack ?? String(error)}\n`;
    const counts = { files: 0, passed: 0, failed: 0, skipped: 0, todo: 0 };
    send({ type: 'result', id: req.id, result: { success: false, output, counts, reason: 'not-run' } });
  } finally {
    // What one project's config or globalSetup did to the environment stays with that project.
    for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
    Object.assign(process.env, env);
    process.exitCode = exitCode;
  }
}

function send(m: WorkerReply): void {
  process.send?.(m);
}

process.on('message', (m: WorkerRequest) => {
  if (m?.type === 'run') void handle(m);
});
// The batch process went away (Nx ended or was interrupted): so does this worker.
process.on('disconnect', () => process.exit(0));
