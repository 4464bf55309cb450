import type { WorkspacePath } from '../types';
import { parseRequirement, requirementDependency } from './parse-requirement';
import { joinPath } from './python-fs';
import { strings, table, tableAt, type TomlTable } from './toml-values';
import type { PythonDependency } from './types';

/** A requirements file a build backend reads dependencies from, with the extra it fills (absent: main). */
export interface DependencyFile {
  file: WorkspacePath;
  group?: string;
}

/**
 * `[project] dynamic` names dependencies: where the build backend takes them from, as far as
 * it can be read without running it. `found` is false when no readable source exists (a
 * custom hook's code, say); then findings for the project would be guesses.
 */
export interface DynamicDependencies {
  file: WorkspacePath;
  /** Line of `dynamic = [...]`. */
  line?: number;
  found: boolean;
}

export interface DynamicDependencySources {
  dependencies: PythonDependency[];
  files: DependencyFile[];
  dynamic?: DynamicDependencies;
}

/**
 * Reads the tables build backends take dynamic dependencies from: every Hatch metadata hook
 * (`[tool.hatch.metadata.hooks.<name>] dependencies`, `optional-dependencies`; the
 * `requirements_txt` hook's `files`), setuptools' `[tool.setuptools.dynamic] dependencies =
 * { file = [...] }` (and per extra), and Poetry's own tables (read elsewhere; they count as a
 * source here). setup.py / setup.cfg are read by their own readers.
 */
export function dynamicDependencySources(
  doc: TomlTable,
  text: string,
  file: WorkspacePath,
  root: WorkspacePath,
): DynamicDependencySources {
  const out: DynamicDependencySources = { dependencies: [], files: [] };
  let found = false;
  for (const [hook, value] of Object.entries(tableAt(doc, 'tool', 'hatch', 'metadata', 'hooks') ?? {})) {
    const t = table(value);
    if (!t) continue;
    if (hook === 'requirements_txt' || hook === 'requirements-txt') {
      for (const f of strings(t.files)) out.files.push({ file: joinPath(root, f) });
      for (const [group, files] of Object.entries(table(t['optional-dependencies']) ?? {}))
        for (const f of strings(files)) out.files.push({ file: joinPath(root, f), group });
      found ||= t.files !== undefined || t['optional-dependencies'] !== undefined;
      continue;
    }
    if (t.dependencies !== undefined || t['optional-dependencies'] !== undefined) found = true;
    addAll(out.dependencies, strings(t.dependencies), undefined, file);
    for (const [group, list] of Object.entries(table(t['optional-dependencies']) ?? {}))
      addAll(out.dependencies, strings(list), group, file);
  }
  const setuptools = tableAt(doc, 'tool', 'setuptools', 'dynamic');
  const main = table(setuptools?.dependencies);
  if (main) {
    found = true;
    for (const f of fileList(main.file)) out.files.push({ file: joinPath(root, f) });
  }
  for (const [group, spec] of Object.entries(table(setuptools?.['optional-dependencies']) ?? {})) {
    found = true;
    for (const f of fileList(table(spec)?.file)) out.files.push({ file: joinPath(root, f), group });
  }
  if (tableAt(doc, 'tool', 'poetry', 'dependencies')) found = true;
  const names = strings(tableAt(doc, 'project')?.dynamic);
  if (names.includes('dependencies') || names.includes('optional-dependencies'))
    out.dynamic = { file, line: lineOf(text, /^\s*dynamic\s*=/m), found };
  return out;
}

function addAll(deps: PythonDependency[], list: string[], group: string | undefined, file: WorkspacePath): void {
  for (const text of list) {
    const req = parseRequirement(text);
    if (req) deps.push(requirementDependency(req, file, group));
  }
}

/** setuptools accepts `file = "a.txt"` or a list. */
function fileList(value: unknown): string[] {
  return typeof value === 'string' ? [value] : strings(value);
}

/** 1-based line of the first match, or undefined. */
export function lineOf(text: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
