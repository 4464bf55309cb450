import * as path from 'node:path';

/**
 * Nx's own task history (the native SQLite database under Nx's workspace-data directory, which
 * Nx's TaskHistoryLifeCycle writes after every command and asks for its "Nx detected a flaky
 * task" warning). Read through the workspace's own nx, with the calls Nx makes itself
 * (nx/src/utils/task-history.js in Nx 24.0.6): `connectToNxDb(dir)` and
 * `new NxTaskHistory(db).getFlakyTasks(hashes)`, which answers the hashes among those it has
 * seen both fail and pass. Not public API: a failure to load is data (`available: false`).
 */
export type NxFlakyCheck =
  { available: true; flaky: Set<string>; directory: string } | { available: false; reason: string };

interface NxNative {
  connectToNxDb(dir: string, name?: string): unknown;
  NxTaskHistory: new (db: unknown) => { getFlakyTasks(hashes: string[]): string[] };
  IS_WASM?: boolean;
}

/** The hashes among `hashes` that Nx's own task history flags flaky. */
export function nxFlakyHashes(workspaceRoot: string, hashes: string[]): NxFlakyCheck {
  try {
    const nxDir = path.dirname(require.resolve('nx/package.json', { paths: [workspaceRoot] }));
    const req = (rel: string): unknown => require(path.join(nxDir, 'dist', 'src', rel));
    const native = req('native/index.js') as NxNative;
    const dirs = req('utils/cache-directory.js') as { sharedDataDirectory?(root: string, kind: string): string };
    if (native.IS_WASM) return { available: false, reason: 'this nx runs as WASM, which keeps no task history' };
    if (typeof native.connectToNxDb !== 'function' || typeof native.NxTaskHistory !== 'function')
      return { available: false, reason: 'this nx has no NxTaskHistory' };
    if (typeof dirs.sharedDataDirectory !== 'function')
      return { available: false, reason: 'this nx does not say where its workspace data is' };
    const directory = dirs.sharedDataDirectory(workspaceRoot, 'workspace-data');
    const history = new native.NxTaskHistory(native.connectToNxDb(directory));
    return { available: true, flaky: new Set(hashes.length ? history.getFlakyTasks(hashes) : []), directory };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}
