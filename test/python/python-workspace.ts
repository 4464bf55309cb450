import { spawnSync } from 'node:child_process';
import { createWorkspace, type TestWorkspace } from '../rig';

/**
 * The absolute path of the `python3` this test process finds (pyenv shims resolve to the real
 * interpreter). Tasks need it: Nx's run-commands puts the node binary's folder first on PATH,
 * and where node lives in /usr/bin that folder's python3 (without pytest) would shadow ours.
 */
export function realPython(): string {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 not runnable: ${r.stderr}`);
  return r.stdout.trim();
}

/** Sets nx-fleet's `python.interpreter` option in the workspace's nx.json. */
export function usePython(ws: TestWorkspace, interpreter = realPython()): void {
  const nxJson = JSON.parse(ws.read('nx.json')) as { plugins?: Array<string | { plugin: string; options?: Record<string, unknown> }> };
  nxJson.plugins = (nxJson.plugins ?? []).map((p) => {
    const entry = typeof p === 'string' ? { plugin: p } : p;
    return entry.plugin === 'nx-fleet' ? { ...entry, options: { ...entry.options, python: { interpreter } } } : entry;
  });
  ws.write('nx.json', JSON.stringify(nxJson, null, 2));
}

/** A scratch copy of examples/polyglot (plus `files`) whose Python targets run this machine's python3; committed. */
export function createPolyglotWorkspace(files: Record<string, string> = {}): TestWorkspace {
  const ws = createWorkspace({ fixture: 'examples/polyglot', files, commit: false });
  usePython(ws);
  ws.commit('initial');
  return ws;
}

/** The project graph Nx wrote (with external nodes, which `nx graph --file` leaves out). */
export interface ProjectGraphFile {
  nodes: Record<string, { data: { root: string; tags?: string[]; targets: Record<string, Record<string, unknown>> } }>;
  externalNodes: Record<string, { type: string; name: string; data: { version: string; packageName: string } }>;
  dependencies: Record<string, Array<{ source: string; target: string; type: string }>>;
}

export function projectGraph(ws: TestWorkspace): ProjectGraphFile {
  ws.nxOk(['show', 'projects']);
  return JSON.parse(ws.read('.nx/workspace-data/project-graph.json')) as ProjectGraphFile;
}
