import { spawnSync } from 'node:child_process';
import type { TestWorkspace } from './workspace';

/**
 * The absolute path of the `python3` this process finds (pyenv shims resolve to the real
 * interpreter). Workspaces need it for their Python tasks: Nx's run-commands puts the node
 * binary's folder first on PATH, and where node lives in /usr/bin, that folder's python3
 * (without pytest) would shadow the one the user meant.
 */
export function realPython(): string {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 is not runnable: ${r.stderr}`);
  return r.stdout.trim();
}

/** Sets nx-fleet's `python.interpreter` option in the workspace's nx.json (uncommitted). */
export function usePython(ws: TestWorkspace, interpreter = realPython()): void {
  const nxJson = JSON.parse(ws.read('nx.json')) as {
    plugins?: Array<string | { plugin: string; options?: Record<string, unknown> }>;
  };
  nxJson.plugins = (nxJson.plugins ?? []).map((p) => {
    const entry = typeof p === 'string' ? { plugin: p } : p;
    return entry.plugin === 'nx-fleet' ? { ...entry, options: { ...entry.options, python: { interpreter } } } : entry;
  });
  ws.write('nx.json', JSON.stringify(nxJson, null, 2));
}
