import { createWorkspace, realPython, usePython, type TestWorkspace } from '../rig';

export { realPython, usePython };

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
