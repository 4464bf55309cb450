import type { TestWorkspace } from '../../rig';

/**
 * A tiny Nx plugin whose postTasksExecution hook writes each task's status, hash and start
 * time to `.nx/task-hashes.json`: tests compare Nx's own task hashes instead of parsing prose.
 */
const RECORDER = `
const fs = require('node:fs');
const path = require('node:path');
exports.name = 'hash-recorder';
exports.postTasksExecution = (_options, ctx) => {
  const out = {};
  for (const [id, r] of Object.entries(ctx.taskResults)) {
    out[id] = { status: r.status, hash: r.task.hash, startTime: r.task.startTime, nodes: Object.keys((r.task.hashDetails || {}).nodes || {}) };
  }
  fs.writeFileSync(path.join(ctx.workspaceRoot, '.nx', 'task-hashes.json'), JSON.stringify(out));
};
`;

export interface RecordedTask {
  status: string;
  hash: string;
  startTime?: number;
  nodes: string[];
}

export function installHashRecorder(ws: TestWorkspace): void {
  ws.write('tools/hash-recorder.js', RECORDER);
  const nxJson = JSON.parse(ws.read('nx.json')) as { plugins?: unknown[] };
  nxJson.plugins = [...(nxJson.plugins ?? []), './tools/hash-recorder.js'];
  ws.write('nx.json', JSON.stringify(nxJson, null, 2));
}

/** Runs nx (which must succeed) and returns what the recorder saw for each task of the run. */
export function runRecorded(
  ws: TestWorkspace,
  args: string[],
  env: Record<string, string> = {},
): Record<string, RecordedTask> {
  ws.remove('.nx/task-hashes.json');
  ws.nxOk(args, { env });
  return JSON.parse(ws.read('.nx/task-hashes.json')) as Record<string, RecordedTask>;
}
