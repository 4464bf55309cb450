/**
 * What the graph page receives (`fleet graph --html`, `fleet graph --serve`'s /data.json): the
 * `fleet graph --files --lines` data and precomputed positions. Types only; the page and the
 * Node side both use it.
 */
import type { GraphData } from '../query/types';

export interface ViewLayout {
  /** Position per node of GraphIndex.files (the same order: sorted files and import targets). */
  fileX: number[];
  fileY: number[];
  /** External packages and images (`npm` names, `pypi:…`, `image:…`), with their positions. */
  externals: string[];
  externalX: number[];
  externalY: number[];
  /** Project positions of the layered project view. */
  projects: Record<string, { x: number; y: number; layer: number }>;
  /** How the layout ran, for docs/benchmarks.md and the page's status line. */
  stats: { iterations: number; ms: number; converged: boolean };
}

export interface ViewData {
  workspace: string;
  generatedAt: string;
  graph: GraphData;
  layout: ViewLayout;
}
