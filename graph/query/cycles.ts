import type { GraphIndex } from './graph-index';
import type { Cycle } from './types';

/**
 * Strongly connected components of a directed graph given as adjacency lists (Tarjan,
 * iterative: a 20,000-file chain would overflow the stack recursively). Only components with
 * more than one node are returned, each sorted, the list sorted by size then first node.
 */
export function stronglyConnected(adjacency: number[][]): number[][] {
  const n = adjacency.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  const work: Array<[number, number]> = [];
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    work.push([root, 0]);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, edge] = top;
      if (edge === 0) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = 1;
      }
      if (edge < adjacency[v].length) {
        top[1] = edge + 1;
        const w = adjacency[v][edge];
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] !== index[v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop() as number;
        onStack[w] = 0;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort((a, b) => a - b));
    }
  }
  return out.sort((a, b) => b.length - a.length || a[0] - b[0]);
}

/** Import cycles among files. */
export function fileCycles(g: GraphIndex): Cycle[] {
  return stronglyConnected(g.out).map((c) => ({ nodes: c.map((i) => g.files[i]) }));
}

/** Dependency cycles among projects. */
export function projectCycles(g: GraphIndex): Cycle[] {
  const id = new Map(g.projects.map((p, i) => [p, i]));
  const adjacency = g.projects.map((p) => (g.projectOut.get(p) ?? []).map((e) => id.get(e.to) as number));
  return stronglyConnected(adjacency).map((c) => ({ nodes: c.map((i) => g.projects[i]) }));
}
