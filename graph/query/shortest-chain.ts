import type { GraphIndex } from './graph-index';
import type { ChainStep, ProjectStep } from './types';

/**
 * The shortest import chain from any of `sources` to any of `targets` (file ids), by BFS over
 * imports; ties go to the smaller id, so the answer is stable. Empty when none reaches.
 */
export function shortestFileChain(g: GraphIndex, sources: number[], targets: Set<number>): ChainStep[] | undefined {
  const parent = new Int32Array(g.files.length).fill(-2);
  const queue: number[] = [];
  for (const s of [...sources].sort((a, b) => a - b)) {
    if (parent[s] !== -2) continue;
    parent[s] = -1;
    queue.push(s);
  }
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head];
    if (targets.has(i)) return fileSteps(g, parent, i);
    for (const j of g.out[i]) {
      if (parent[j] !== -2) continue;
      parent[j] = i;
      queue.push(j);
    }
  }
  return undefined;
}

function fileSteps(g: GraphIndex, parent: Int32Array, end: number): ChainStep[] {
  const steps: ChainStep[] = [];
  for (let j = end; parent[j] >= 0; j = parent[j]) {
    const i = parent[j];
    const line = g.lineOf(i, j);
    steps.push(line === undefined ? { from: g.files[i], to: g.files[j] } : { from: g.files[i], to: g.files[j], line });
  }
  return steps.reverse();
}

/** The shortest chain of project dependencies from `from` to `to` (Nx's edges, with the file import behind each). */
export function shortestProjectChain(g: GraphIndex, from: string, to: string): ProjectStep[] | undefined {
  const parent = new Map<string, ProjectStep | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const p = queue[head];
    if (p === to) {
      const steps: ProjectStep[] = [];
      for (let s = parent.get(p); s; s = parent.get(s.from)) steps.push(s);
      return steps.reverse();
    }
    for (const e of g.projectOut.get(p) ?? []) {
      if (parent.has(e.to)) continue;
      parent.set(e.to, e);
      queue.push(e.to);
    }
  }
  return undefined;
}

/** Nodes within `hops` imports of `start`, both directions (the page's focus). */
export function neighbourhood(g: GraphIndex, start: number, hops: number): Map<number, number> {
  const depth = new Map<number, number>([[start, 0]]);
  let frontier = [start];
  for (let d = 1; d <= hops && frontier.length > 0; d++) {
    const next: number[] = [];
    for (const i of frontier) {
      for (const j of g.out[i]) if (!depth.has(j)) (depth.set(j, d), next.push(j));
      for (const j of g.inc[i]) if (!depth.has(j)) (depth.set(j, d), next.push(j));
    }
    frontier = next;
  }
  return depth;
}
