/**
 * A layered (Sugiyama-style) layout of the project graph: dependency cycles condensed, layers by
 * longest path (a project sits below everything it depends on... drawn top-down: dependents
 * above their dependencies), order within a layer by barycentre sweeps, x spaced by label width.
 */
export interface LayeredInput {
  nodes: string[];
  /** source depends on target */
  edges: Array<[string, string]>;
  /** Width each node needs (its label), in layout units. */
  width: (node: string) => number;
}

export interface LayeredNode {
  x: number;
  y: number;
  layer: number;
}

const LAYER_GAP = 90;
const NODE_GAP = 24;
const SWEEPS = 8;
const MAX_ROW = 1600;
const ROW_GAP = 40;

export function layeredLayout(input: LayeredInput): Record<string, LayeredNode> {
  const id = new Map(input.nodes.map((n, i) => [n, i]));
  const n = input.nodes.length;
  const out: number[][] = input.nodes.map(() => []);
  for (const [s, t] of input.edges) {
    const a = id.get(s);
    const b = id.get(t);
    if (a !== undefined && b !== undefined && a !== b) out[a].push(b);
  }
  // Layer = longest path to a sink, over a DFS that ignores back edges (cycles get broken once).
  const layer = new Int32Array(n).fill(-1);
  const state = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    if (state[r] !== 0) continue;
    const stack: Array<[number, number]> = [[r, 0]];
    state[r] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < out[v].length) {
        top[1]++;
        const w = out[v][k];
        if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
        continue;
      }
      let l = 0;
      for (const w of out[v]) if (state[w] === 2) l = Math.max(l, layer[w] + 1);
      layer[v] = l;
      state[v] = 2;
      stack.pop();
    }
  }
  const maxLayer = Math.max(0, ...layer);
  const layers: number[][] = Array.from({ length: maxLayer + 1 }, () => []);
  for (let v = 0; v < n; v++) layers[maxLayer - layer[v]].push(v);
  for (const l of layers) l.sort((a, b) => input.nodes[a].localeCompare(input.nodes[b]));
  const neighbours: number[][] = input.nodes.map(() => []);
  out.forEach((ts, s) =>
    ts.forEach((t) => {
      neighbours[s].push(t);
      neighbours[t].push(s);
    }),
  );
  const pos = new Float64Array(n);
  const place = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  place();
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (const l of sweep % 2 === 0 ? layers : [...layers].reverse()) {
      const bary = new Map<number, number>();
      for (const v of l) {
        const ns = neighbours[v];
        bary.set(v, ns.length === 0 ? pos[v] : ns.reduce((s, w) => s + pos[w], 0) / ns.length);
      }
      l.sort((a, b) => (bary.get(a) as number) - (bary.get(b) as number) || a - b);
      l.forEach((v, i) => (pos[v] = i));
    }
  }
  // Very wide layers wrap into rows, so 500 projects do not make one 20,000-unit line.
  const result: Record<string, LayeredNode> = {};
  let y = 0;
  layers.forEach((l, li) => {
    const rows: number[][] = [[]];
    let width = 0;
    for (const v of l) {
      const w = input.width(input.nodes[v]) + NODE_GAP;
      if (width + w > MAX_ROW && rows[rows.length - 1].length > 0) (rows.push([]), (width = 0));
      rows[rows.length - 1].push(v);
      width += w;
    }
    for (const row of rows) {
      const rowWidth = row.reduce((s, v) => s + input.width(input.nodes[v]) + NODE_GAP, -NODE_GAP);
      let x = -rowWidth / 2;
      for (const v of row) {
        const w = input.width(input.nodes[v]);
        result[input.nodes[v]] = { x: x + w / 2, y, layer: maxLayer - li };
        x += w + NODE_GAP;
      }
      y += ROW_GAP;
    }
    y += LAYER_GAP - ROW_GAP;
  });
  return result;
}
