import type { WorkspacePath } from '../types';
import { normalizeDistributionName } from './normalize-name';
import { parseRequirement, requirementDependency } from './parse-requirement';
import { joinPath } from './python-fs';
import { str, strings, table, tableAt, type TomlTable } from './toml-values';
import type { PythonDependency } from './types';

/**
 * All dependencies a pyproject.toml declares: PEP 621 `dependencies` and
 * `optional-dependencies`, PEP 735 `[dependency-groups]`, Poetry main/group/dev dependencies
 * (with `path =` dependencies), uv and PDM dev dependencies; `[tool.uv.sources]` then marks
 * workspace and path sources. `root` is the project folder, for resolving relative paths.
 */
export function pyprojectDependencies(doc: TomlTable, root: WorkspacePath, file: WorkspacePath): PythonDependency[] {
  const deps: PythonDependency[] = [];
  const project = tableAt(doc, 'project');
  addPep508(deps, strings(project?.dependencies), undefined, file);
  for (const [group, list] of Object.entries(tableAt(project, 'optional-dependencies') ?? {}))
    addPep508(deps, strings(list), group, file);
  for (const [group, list] of Object.entries(tableAt(doc, 'dependency-groups') ?? {}))
    addPep508(deps, strings(list), group, file);
  addPep508(deps, strings(tableAt(doc, 'tool', 'uv')?.['dev-dependencies']), 'dev', file);
  for (const [group, list] of Object.entries(tableAt(doc, 'tool', 'pdm', 'dev-dependencies') ?? {}))
    addPep508(deps, strings(list), group, file);
  const poetry = tableAt(doc, 'tool', 'poetry');
  addPoetry(deps, tableAt(poetry, 'dependencies'), undefined, root, file);
  addPoetry(deps, tableAt(poetry, 'dev-dependencies'), 'dev', root, file);
  for (const [group, spec] of Object.entries(tableAt(poetry, 'group') ?? {}))
    addPoetry(deps, tableAt(table(spec), 'dependencies'), group, root, file);
  applyUvSources(deps, tableAt(doc, 'tool', 'uv', 'sources'), root);
  return deps;
}

function addPep508(deps: PythonDependency[], list: string[], group: string | undefined, file: WorkspacePath): void {
  for (const text of list) {
    const req = parseRequirement(text);
    if (!req) continue;
    deps.push(requirementDependency(req, file, group));
  }
}

function addPoetry(
  deps: PythonDependency[],
  list: TomlTable | undefined,
  group: string | undefined,
  root: WorkspacePath,
  file: WorkspacePath,
): void {
  for (const [name, spec] of Object.entries(list ?? {})) {
    if (name.toLowerCase() === 'python') continue; // the interpreter requirement, not a distribution
    const detail = table(spec);
    const dep: PythonDependency = {
      name,
      normalized: normalizeDistributionName(name),
      specifier: str(spec) ?? str(detail?.version) ?? '',
      declaredIn: file,
    };
    const path = str(detail?.path);
    if (path !== undefined) dep.path = joinPath(root, path);
    const extras = strings(detail?.extras);
    if (extras.length > 0) dep.extras = extras.map(normalizeDistributionName);
    if (group) dep.group = group;
    deps.push(dep);
  }
}

/** `[tool.uv.sources] core = { workspace = true }` / `{ path = "../core" }`. */
function applyUvSources(deps: PythonDependency[], sources: TomlTable | undefined, root: WorkspacePath): void {
  if (!sources) return;
  const byName = new Map(Object.entries(sources).map(([k, v]) => [normalizeDistributionName(k), table(v)]));
  for (const dep of deps) {
    const source = byName.get(dep.normalized);
    if (!source) continue;
    if (source.workspace === true) dep.workspace = true;
    const path = str(source.path);
    if (path !== undefined) dep.path = joinPath(root, path);
  }
}

/** Poetry's `python = "^3.11"` dependency, its way of writing requires-python. */
export function poetryPython(doc: TomlTable): string | undefined {
  return str(tableAt(doc, 'tool', 'poetry', 'dependencies')?.python);
}
