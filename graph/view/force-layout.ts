import Graph from 'graphology';
import forceAtlas2 from 'graphology-layout-forceatlas2';

/**
 * A clustered ForceAtlas2 layout of the file graph, run to convergence: first the projects as
 * weighted nodes (size from their file count, edges from file imports across projects, no
 * overlap), then each project's files inside its own disc. One flat ForceAtlas2 over 20,000
 * files costs ~160 ms an iteration here and needs hundreds; clusters of ~40 files converge in
 * milliseconds, so the whole layout stays within a second or two and every node gets a real place.
 */
export interface ForceInput {
  /** Node ids (files, then externals). */
  count: number;
  edges: Array<[number, number]>;
  /** Cluster of each node (its project, or `external`). */
  cluster: (node: number) => string;
}

export interface ForceResult {
  x: number[];
  y: number[];
  iterations: number;
  converged: boolean;
}

const BATCH = 25;
const MAX_ITERATIONS = 600;

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5;
    return ((s >>> 0) % 100000) / 100000;
  };
}

/** Runs ForceAtlas2 in batches until the mean displacement of a batch is below `epsilon` × the spread. */
function converge(
  g: Graph,
  settings: Record<string, unknown>,
  epsilon = 0.002,
): { iterations: number; converged: boolean } {
  let iterations = 0;
  while (iterations < MAX_ITERATIONS) {
    const before = new Map<string, [number, number]>();
    g.forEachNode((n, a) => before.set(n, [a.x as number, a.y as number]));
    forceAtlas2.assign(g, { iterations: BATCH, settings });
    iterations += BATCH;
    let moved = 0;
    let minX = Infinity;
    let maxX = -Infinity;
    g.forEachNode((n, a) => {
      const [x, y] = before.get(n) as [number, number];
      moved += Math.hypot((a.x as number) - x, (a.y as number) - y);
      minX = Math.min(minX, a.x as number);
      maxX = Math.max(maxX, a.x as number);
    });
    if (g.order === 0 || moved / g.order / BATCH <= epsilon * Math.max(1, maxX - minX))
      return { iterations, converged: true };
  }
  return { iterations, converged: false };
}

export function forceLayout(input: ForceInput): ForceResult {
  const random = seeded(24);
  const members = new Map<string, number[]>();
  for (let i = 0; i < input.count; i++) {
    const c = input.cluster(i);
    const list = members.get(c);
    if (list) list.push(i);
    else members.set(c, [i]);
  }
  const clusters = [...members.keys()].sort();
  const top = new Graph({ type: 'undirected' });
  clusters.forEach((c, k) => {
    const angle = (2 * Math.PI * k) / clusters.length;
    top.addNode(c, {
      x: Math.cos(angle) * 100 + random(),
      y: Math.sin(angle) * 100 + random(),
      size: Math.sqrt(members.get(c)!.length) * 6,
    });
  });
  const byNode = (i: number) => input.cluster(i);
  for (const [a, b] of input.edges) {
    const ca = byNode(a);
    const cb = byNode(b);
    if (ca === cb) continue;
    if (top.hasEdge(ca, cb)) top.updateEdgeAttribute(ca, cb, 'weight', (w: number | undefined) => (w ?? 1) + 1);
    else top.addEdge(ca, cb, { weight: 1 });
  }
  const topRun = converge(top, {
    ...forceAtlas2.inferSettings(top),
    adjustSizes: true,
    barnesHutOptimize: top.order > 2000,
    edgeWeightInfluence: 0.5,
  });
  const x = new Array<number>(input.count).fill(0);
  const y = new Array<number>(input.count).fill(0);
  const inCluster = new Map<number, string>();
  for (const [c, list] of members) for (const i of list) inCluster.set(i, c);
  const local = new Map<string, Array<[number, number]>>();
  for (const [a, b] of input.edges) {
    const c = inCluster.get(a);
    if (c !== undefined && c === inCluster.get(b)) (local.get(c) ?? local.set(c, []).get(c)!).push([a, b]);
  }
  let iterations = topRun.iterations;
  let converged = topRun.converged;
  for (const c of clusters) {
    const list = members.get(c)!;
    const g = new Graph({ type: 'undirected' });
    for (const i of list) g.addNode(String(i), { x: random() * 10, y: random() * 10 });
    for (const [a, b] of local.get(c) ?? [])
      if (a !== b && !g.hasEdge(String(a), String(b))) g.addEdge(String(a), String(b));
    const run =
      list.length > 1
        ? converge(g, { ...forceAtlas2.inferSettings(g), gravity: 1 })
        : { iterations: 0, converged: true };
    iterations += run.iterations;
    converged &&= run.converged;
    // Fit the cluster into its disc around the project's place.
    const a = top.getNodeAttributes(c);
    let cx = 0;
    let cy = 0;
    g.forEachNode((_, p) => {
      cx += p.x;
      cy += p.y;
    });
    cx /= list.length;
    cy /= list.length;
    let r = 0;
    g.forEachNode((_, p) => (r = Math.max(r, Math.hypot(p.x - cx, p.y - cy))));
    const scale = r === 0 ? 0 : (a.size as number) / r;
    g.forEachNode((n, p) => {
      x[Number(n)] = (a.x as number) + (p.x - cx) * scale;
      y[Number(n)] = (a.y as number) + (p.y - cy) * scale;
    });
  }
  return { x, y, iterations, converged };
}
