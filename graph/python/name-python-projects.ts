import type { Diagnostic, WorkspacePath } from '../types';

/** A project another inference already made (TS/JS inference, Nx core), as Python naming needs it. */
export interface ExistingProject {
  /** Nx root: `.` for the workspace root. */
  root: string;
  name: string;
  /** Target names it already has (inferred or written by the user): never inferred over. */
  targets: readonly string[];
}

/** What naming decided for one Python project folder. */
export type PythonProjectName =
  /** A new project with this name. */
  | { kind: 'new'; name: string }
  /** The folder already is a project: the Python targets and metadata merge into it. */
  | { kind: 'merge'; existing: ExistingProject }
  /** Every candidate name is taken; the folder is left out (with a diagnostic). */
  | { kind: 'collision' };

/**
 * Names Python projects, deterministically (folders in sorted order): the distribution name;
 * when another project (TS or Python) has it, the root with `/` turned into `-`
 * (`python/core` → `python-core`); then that plus `-python`. A folder that already is a
 * project (a package.json or project.json Nx core reads, a TS project) keeps its name and gets
 * the Python targets merged in.
 */
export function namePythonProjects(
  projects: ReadonlyArray<{ root: WorkspacePath; name: string; configFile: WorkspacePath }>,
  existing: readonly ExistingProject[],
  diagnostics: Diagnostic[],
): Map<WorkspacePath, PythonProjectName> {
  const byRoot = new Map(existing.map((p) => [p.root === '.' ? '' : p.root, p]));
  const taken = new Set(existing.map((p) => p.name));
  const out = new Map<WorkspacePath, PythonProjectName>();
  for (const p of [...projects].sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0))) {
    const same = byRoot.get(p.root);
    if (same) {
      out.set(p.root, { kind: 'merge', existing: same });
      continue;
    }
    const dashed = p.root === '' ? p.name : p.root.replace(/\//g, '-');
    const name = [p.name, dashed, `${dashed}-python`].find((n) => !taken.has(n));
    if (name === undefined) {
      diagnostics.push({
        file: p.configFile,
        code: 'PY_PROJECT_NAME_COLLISION',
        message: `project name "${p.name}" (and "${dashed}", "${dashed}-python") is already taken; this folder is not made a project`,
      });
      out.set(p.root, { kind: 'collision' });
      continue;
    }
    taken.add(name);
    out.set(p.root, { kind: 'new', name });
  }
  return out;
}
