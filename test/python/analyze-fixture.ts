import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildModuleOwnership,
  declaredDependencyEdges,
  extractImports,
  nodePythonFs,
  readPythonProject,
  resolveFileImports,
  type PythonProjectInfo,
} from '../../graph/python';
import type { Diagnostic } from '../../graph/types';

/** Every file under `dir`, workspace-relative, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

const CONFIG = /(^|\/)(pyproject\.toml|setup\.cfg|setup\.py|requirements[^/]*\.txt)$/;

/**
 * What the plugin will do, end to end, on a workspace folder: read every project, build
 * ownership, extract and resolve every file. Returns project edges and diagnostics.
 */
export function analyzeWorkspace(workspace: string) {
  const fs = nodePythonFs(workspace);
  const files = listFiles(workspace);
  const roots = [
    ...new Set(files.filter((f) => CONFIG.test(f)).map((f) => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : ''))),
  ];
  const projects: PythonProjectInfo[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const root of roots) {
    const r = readPythonProject({ fs, root });
    if (r.project) projects.push(r.project);
    diagnostics.push(...r.diagnostics);
  }
  const python = files.filter((f) => f.endsWith('.py') || f.endsWith('.pyi'));
  const ownership = buildModuleOwnership(python, projects);
  const edges = [...declaredDependencyEdges(projects)];
  const fileDeps = new Map<string, string[]>();
  for (const file of python) {
    const { imports, diagnostics: syntax } = extractImports(readFileSync(join(workspace, file), 'utf8'), file);
    const deps = resolveFileImports(ownership, file, imports);
    edges.push(...deps.projectEdges);
    diagnostics.push(...syntax, ...deps.diagnostics);
    fileDeps.set(file, deps.files);
  }
  return { projects, ownership, edges, diagnostics, fileDeps };
}
