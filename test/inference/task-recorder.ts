import type { TestWorkspace } from '../rig';

/**
 * A tiny Nx plugin, written into a test workspace, whose postTasksExecution hook records each
 * task's status (`success`, `local-cache`, ...) as JSON. Tests then assert on Nx's own task
 * results instead of its terminal prose.
 */
const RECORDER = `
const fs = require('node:fs');
const path = require('node:path');
exports.name = 'task-recorder';
exports.postTasksExecution = (_options, ctx) => {
  const out = {};
  for (const [id, r] of Object.entries(ctx.taskResults)) out[id] = r.status;
  fs.writeFileSync(path.join(ctx.workspaceRoot, '.nx', 'task-results.json'), JSON.stringify(out));
};
`;

export function installTaskRecorder(ws: TestWorkspace): void {
  ws.write('tools/task-recorder.js', RECORDER);
  const nxJson = JSON.parse(ws.read('nx.json')) as { plugins?: unknown[] };
  nxJson.plugins = [...(nxJson.plugins ?? []), './tools/task-recorder.js'];
  ws.write('nx.json', JSON.stringify(nxJson, null, 2));
}

/** `hit` for a task Nx restored from a cache, `run` for one it executed, else Nx's status. */
export function cacheOutcome(status: string): string {
  if (status === 'success') return 'run';
  return status.startsWith('local-cache') || status === 'remote-cache' ? 'hit' : status;
}

/** Runs nx and returns the recorded outcome (see {@link cacheOutcome}) of every task of that run. */
export function runTasks(ws: TestWorkspace, args: string[]): Record<string, string> {
  ws.remove('.nx/task-results.json');
  ws.nxOk(args);
  const statuses = JSON.parse(ws.read('.nx/task-results.json')) as Record<string, string>;
  return Object.fromEntries(Object.entries(statuses).map(([id, s]) => [id, cacheOutcome(s)]));
}

/** The task ids `nx affected ... --graph=stdout` selects. */
export function affectedTasks(ws: TestWorkspace, targets: string[], files: string[]): string[] {
  const out = ws.nxOk(['affected', '-t', ...targets, `--files=${files.join(',')}`, '--graph=stdout']);
  return Object.keys((JSON.parse(out) as { tasks: { tasks: Record<string, unknown> } }).tasks.tasks).sort();
}

/** The projects `nx show projects --affected --files=...` lists. */
export function affectedProjects(ws: TestWorkspace, files: string[]): string[] {
  const out = ws.nxOk(['show', 'projects', '--affected', `--files=${files.join(',')}`, '--json']);
  return (JSON.parse(out) as string[]).sort();
}
