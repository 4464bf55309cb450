import { GraphIndex } from '../query/graph-index';
import type { GraphData } from '../query/types';
import { forceLayout } from './force-layout';
import { layeredLayout } from './layered-layout';
import type { ViewData } from './types';

/** Width of a project label in layout units (the page draws 12 px labels: ~7 px a character). */
const labelWidth = (name: string) => Math.max(40, name.length * 7.2 + 16);

/** The page's data: the graph and the positions of every project, file and external node. */
export function buildViewData(workspace: string, graph: GraphData): ViewData {
  const started = Date.now();
  const g = new GraphIndex(graph);
  const externals = [...new Set(Object.values(graph.files ?? {}).flatMap((n) => n.external))].sort();
  const externalId = new Map(externals.map((e, i) => [e, g.files.length + i]));
  const edges: Array<[number, number]> = [];
  g.out.forEach((ts, i) => ts.forEach((j) => edges.push([i, j])));
  for (const [f, n] of Object.entries(graph.files ?? {}))
    for (const e of n.external) edges.push([g.fileId.get(f) as number, externalId.get(e) as number]);
  const force = forceLayout({
    count: g.files.length + externals.length,
    edges,
    cluster: (i) => (i < g.files.length ? (g.owner[i] ?? '(no project)') : '(external)'),
  });
  const round = (v: number) => Math.round(v * 10) / 10;
  const projects = layeredLayout({
    nodes: g.projects,
    edges: graph.dependencies.map((d) => [d.source, d.target] as [string, string]),
    width: labelWidth,
  });
  return {
    workspace,
    generatedAt: new Date().toISOString(),
    graph,
    layout: {
      fileX: force.x.slice(0, g.files.length).map(round),
      fileY: force.y.slice(0, g.files.length).map(round),
      externals,
      externalX: force.x.slice(g.files.length).map(round),
      externalY: force.y.slice(g.files.length).map(round),
      projects,
      stats: { iterations: force.iterations, ms: Date.now() - started, converged: force.converged },
    },
  };
}
