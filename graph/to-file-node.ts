import type { AnalyzedFile, FileNode } from './types';

const sortedUnique = (values: string[]): string[] => [...new Set(values)].sort();

/** The `files[path]` entry of `fleet graph --files --json` for one analyzed file. */
export function toFileNode(file: AnalyzedFile, withLines = false): FileNode {
  const node: FileNode = {
    imports: sortedUnique(file.imports.flatMap((i) => (i.target === undefined ? [] : [i.target]))),
    external: sortedUnique(file.imports.flatMap((i) => (i.external === undefined ? [] : [i.external]))),
    unresolved: sortedUnique(
      file.imports.flatMap((i) => (i.target === undefined && i.external === undefined ? [i.specifier] : [])),
    ),
  };
  if (withLines) node.lines = firstLines(file.imports.map((i) => [i.target ?? i.external, i.line]));
  return node;
}

/** The first (smallest) line per key; keys without a name are skipped. */
export function firstLines(pairs: Array<[string | undefined, number | undefined]>): Record<string, number> {
  const lines: Record<string, number> = {};
  for (const [key, line] of pairs) {
    if (key === undefined || line === undefined) continue;
    if (lines[key] === undefined || line < lines[key]) lines[key] = line;
  }
  return lines;
}
