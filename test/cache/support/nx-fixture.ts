import { createWorkspace, type TestWorkspace } from '../../rig';

/**
 * A one-project Nx workspace whose cacheable `a:build` writes `apps/a/out/result.txt`, plus a local
 * plugin (plain .js, which Nx loads without a transpiler) that records each task's status from
 * `postTasksExecution` into `tasks.json`.
 */
export function nxCacheWorkspace(): TestWorkspace {
  const command = `node -e "require('fs').mkdirSync('apps/a/out',{recursive:true});require('fs').writeFileSync('apps/a/out/result.txt','built '+'a'.repeat(2000))"`;
  return createWorkspace({
    files: {
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
        targets: { build: { executor: 'nx:run-commands', cache: true, outputs: ['{projectRoot}/out'], options: { command } } },
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
  return { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, ...(token ? { NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token } : {}) };
}
