import type { AnalyzedFile, FileNode } from './types';

const sortedUnique = (values: string[]): string[] => [...new Set(values)].sort();

/** The `files[path]` entry of `fleet graph --files --json` for one analyzed file. */
export function toFileNode(file: AnalyzedFile): FileNode {
  return {
    imports: sortedUnique(file.imports.flatMap((i) => (i.target === undefined ? [] : [i.target]))),
    external: sortedUnique(file.imports.flatMap((i) => (i.external === undefined ? [] : [i.external]))),
    unresolved: sortedUnique(
      file.imports.flatMap((i) => (i.target === undefined && i.external === undefined ? [i.specifier] : [])),
    ),
  };
}
