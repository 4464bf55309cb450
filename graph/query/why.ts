import type { Endpoint } from './endpoints';
import type { GraphIndex } from './graph-index';
import { shortestFileChain, shortestProjectChain } from './shortest-chain';
import type { WhyResult } from './types';

/**
 * Why `from` depends on `to`. Two projects: the shortest chain of Nx's project dependencies,
 * each with the import behind it. A file and anything: the shortest chain of file imports,
 * a project standing for all of its files.
 */
export function why(g: GraphIndex, from: Endpoint, to: Endpoint): WhyResult {
  const fromName = from.kind === 'project' ? from.name : from.file;
  const toName = to.kind === 'project' ? to.name : to.file;
  if (from.kind === 'project' && to.kind === 'project') {
    const chain = shortestProjectChain(g, from.name, to.name);
    return { kind: 'projects', from: fromName, to: toName, found: chain !== undefined, chain: chain ?? [] };
  }
  const chain = shortestFileChain(g, fileIds(g, from), new Set(fileIds(g, to)));
  return { kind: 'files', from: fromName, to: toName, found: chain !== undefined, chain: chain ?? [] };
}

function fileIds(g: GraphIndex, e: Endpoint): number[] {
  if (e.kind === 'file') return [e.id];
  const out: number[] = [];
  g.owner.forEach((p, i) => p === e.name && out.push(i));
  return out;
}
