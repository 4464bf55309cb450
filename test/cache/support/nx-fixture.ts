import { createWorkspace, type TestWorkspace } from '../../rig';

/**
 * A one-project Nx workspace whose cacheable `a:build` writes `apps/a/out/result.txt` (and, with
 * `blobBytes`, `apps/a/out/blob.bin` of that many random bytes, so that Nx's upload is that large),
 * plus a local plugin (plain .js, which Nx loads without a transpiler) that records each task's
 * status from `postTasksExecution` into `tasks.json`.
 */
export function nxCacheWorkspace(opts: { blobBytes?: number } = {}): TestWorkspace {
  const command = 'node tools/build.js';
  return createWorkspace({
    files: {
      'tools/build.js': [
        "const fs = require('fs');",
        "fs.mkdirSync('apps/a/out', { recursive: true });",
        "fs.writeFileSync('apps/a/out/result.txt', 'built ' + 'a'.repeat(2000));",
        ...(opts.blobBytes
          ? [`fs.writeFileSync('apps/a/out/blob.bin', require('crypto').randomBytes(${opts.blobBytes}));`]
          : []),
      ].join('\n'),
      'package.json': JSON.stringify({ name: 'ws', private: true }),
      'nx.json': JSON.stringify({ plugins: ['./tools/record.js'] }),
      'tools/record.js': [
        "const fs = require('fs'), path = require('path');",
        'module.exports = { name: "record", postTasksExecution: async (o, ctx) => {',
        '  const s = Object.fromEntries(Object.entries(ctx.taskResults).map(([k, v]) => [k, v.status]));',
        "  fs.writeFileSync(path.join(ctx.workspaceRoot, 'tasks.json'), JSON.stringify(s));",
        '} };',
      ].join('\n'),
      'apps/a/project.json': JSON.stringify({
        name: 'a',
        root: 'apps/a',
        targets: {
          build: { executor: 'nx:run-commands', cache: true, outputs: ['{projectRoot}/out'], options: { command } },
        },
      }),
    },
  });
}

/** Forgets everything local so the next run can only hit the remote cache. */
export function clearLocal(ws: TestWorkspace): void {
  ws.remove('.nx/cache');
  ws.remove('.nx/workspace-data');
  ws.remove('apps/a/out');
  ws.remove('tasks.json');
}

export function nxEnv(url: string, token?: string): Record<string, string> {
  return {
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
    ...(token ? { NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token } : {}),
  };
}
