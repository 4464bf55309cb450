import type { GraphIndex } from './graph-index';

/** A `fleet why` endpoint: a project, or a file node. */
export type Endpoint = { kind: 'project'; name: string } | { kind: 'file'; file: string; id: number };

export interface UnknownEndpoint {
  code: 'FLEET_UNKNOWN_NODE';
  message: string;
  /** Closest project names and file paths, for the message. */
  suggestions: string[];
}

/** A project name first, else a workspace-relative file of the graph; else an error with suggestions. */
export function resolveEndpoint(g: GraphIndex, text: string): Endpoint | UnknownEndpoint {
  if (g.data.projects[text]) return { kind: 'project', name: text };
  const file = text.replace(/^\.\//, '').replace(/\/+$/, '');
  const id = g.fileId.get(file);
  if (id !== undefined) return { kind: 'file', file, id };
  const suggestions = suggest(g, file);
  return {
    code: 'FLEET_UNKNOWN_NODE',
    message: `${text}: no project of that name and no file of that path in the file graph${
      suggestions.length > 0 ? ` (did you mean ${suggestions.join(', ')}?)` : ''
    }`,
    suggestions,
  };
}

function suggest(g: GraphIndex, text: string): string[] {
  const base = text.split('/').pop() ?? text;
  const byName = g.projects.filter((p) => p.includes(text));
  const byFile = g.files.filter((f) => f.endsWith(`/${base}`) || f === base || f.includes(text));
  return [...byName, ...byFile].slice(0, 3);
}
