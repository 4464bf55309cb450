/**
 * Shapes of the graph queries (`fleet why`, `fleet affected`, the graph page). Types only.
 * Everything in graph/query/ runs in Node and in the browser: no Node imports here.
 */
import type { FileNode, ProjectDependency } from '../types';

/** What the queries read: the `fleet graph --files --lines --json` shape (docs/json-output.md). */
export interface GraphData {
  projects: Record<string, { root: string; languages: string[]; targets: string[] }>;
  files?: Record<string, FileNode>;
  dependencies: ProjectDependency[];
}

/** One import on a chain: `from` imports `to`, at `line` of `from` where the line is known. */
export interface ChainStep {
  from: string;
  to: string;
  line?: number;
}

/** One project edge on a chain, with the file import that causes it when there is one. */
export interface ProjectStep {
  from: string;
  to: string;
  type: ProjectDependency['type'];
  sourceFile?: string;
  targetFile?: string;
  line?: number;
}

/** `fleet why --json`: the shortest chain, or none. */
export type WhyResult =
  | { kind: 'files'; from: string; to: string; found: boolean; chain: ChainStep[] }
  | { kind: 'projects'; from: string; to: string; found: boolean; chain: ProjectStep[] };

/** Why a project is affected: it owns a changed file, or it depends (transitively) on one that does. */
export type ProjectReason =
  | { kind: 'touched'; file: string }
  | { kind: 'global'; file: string }
  | { kind: 'depends'; touched: string; file: string; chain: ProjectStep[] };

export interface AffectedFile {
  file: string;
  project?: string;
  /** The changed file this one reaches, then each importer up to this file: chain[i].from imports chain[i].to. */
  changed: string;
  chain: ChainStep[];
}

export interface AffectedProject {
  project: string;
  reason: ProjectReason;
  /** True when one of its files imports a changed file (transitively): what project-level affected cannot tell. */
  byFiles: boolean;
}

export interface AffectedTask {
  task: string;
  project: string;
  target: string;
  reason: ProjectReason;
}

/** `fleet affected --json`. */
export interface AffectedResult {
  changed: string[];
  files: AffectedFile[];
  projects: AffectedProject[];
  tasks: AffectedTask[];
  testFiles: AffectedFile[];
}

/** A strongly connected component with more than one node (or a node that imports itself). */
export interface Cycle {
  nodes: string[];
}
