import type { FileGraph, ProjectDependency, WorkspacePath } from './types';

/**
 * Project-level edges from the file graph, in Nx's terms: one per (source project, target
 * project, source file); `dynamic` for `import()`, `static` for everything else (type-only and
 * triple-slash imports included: they matter to type-checking). No self edges. `files` limits
 * the source files considered (Nx's filesToProcess).
 */
export function projectDependencies(
  graph: FileGraph,
  ownerOf: (file: WorkspacePath) => string | undefined,
  files?: Iterable<WorkspacePath>,
): ProjectDependency[] {
  const out: ProjectDependency[] = [];
  const seen = new Set<string>();
  for (const sourceFile of files ?? Object.keys(graph.files)) {
    const analyzed = graph.files[sourceFile];
    const source = analyzed && ownerOf(sourceFile);
    if (!source) continue;
    for (const imp of analyzed.imports) {
      if (imp.target === undefined) continue;
      const target = ownerOf(imp.target);
      if (!target || target === source) continue;
      const type = imp.kind === 'dynamic' ? 'dynamic' : 'static';
      const key = `${source}\0${target}\0${type}\0${sourceFile}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ source, target, type, sourceFile });
    }
  }
  return out;
}
