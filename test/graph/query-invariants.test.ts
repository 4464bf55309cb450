import { describe, expect, it } from 'vitest';
import {
  affectedBy,
  fileCycles,
  GraphIndex,
  neighbourhood,
  projectCycles,
  resolveEndpoint,
  why,
  type GraphData,
} from '../../graph/query';

/** A small deterministic PRNG, so a failing case can be reproduced from its seed. */
function rng(seed: number): () => number {
  // Scramble the seed: xorshift from a small seed gives tiny numbers for its first draws.
  let s = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** A random workspace: `n` files in up to 4 projects, random imports (cycles included), Nx-style project edges. */
function generate(seed: number): GraphData {
  const r = rng(seed);
  const n = 2 + Math.floor(r() * 14);
  const projects = ['a', 'b', 'c', 'd'].slice(0, 1 + Math.floor(r() * 4));
  const files: string[] = [];
  for (let i = 0; i < n; i++) files.push(`${projects[Math.floor(r() * projects.length)]}/src/f${i}.ts`);
  const data: GraphData = { projects: {}, files: {}, dependencies: [] };
  for (const p of projects) data.projects[p] = { root: p, languages: ['typescript'], targets: ['build', 'test'] };
  const density = r() * 0.4;
  for (const [i, f] of files.entries()) {
    const imports = files.filter((g, j) => j !== i && r() < density).sort();
    const lines: Record<string, number> = {};
    imports.forEach((t, k) => (lines[t] = k + 1));
    data.files![f] = { imports, external: [], unresolved: [], lines };
    for (const t of imports) {
      const [ps, pt] = [f.split('/')[0], t.split('/')[0]];
      if (ps !== pt) data.dependencies.push({ source: ps, target: pt, type: 'static', sourceFile: f });
    }
  }
  return data;
}

/** All-pairs shortest distances by repeated relaxation: slow and obviously right. */
function distances(adj: number[][]): number[][] {
  const n = adj.length;
  const d = adj.map((out, i) => adj.map((_, j) => (i === j ? 0 : out.includes(j) ? 1 : Infinity)));
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i][j] = Math.min(d[i][j], d[i][k] + d[k][j]);
  return d;
}

const CASES = 400;

describe('graph queries: invariants over generated workspaces', () => {
  it(`why, cycles, affected and focus agree with brute force on ${CASES} random graphs`, () => {
    let chains = 0;
    let cycleNodes = 0;
    let affectedChecked = 0;
    let projectPairs = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const data = generate(seed);
      const g = new GraphIndex(data);
      const d = distances(g.out);
      const n = g.files.length;
      // why between files: a chain exactly when reachable, of the shortest length, made of real imports with their lines.
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          const r = why(g, resolveEndpoint(g, g.files[i]) as never, resolveEndpoint(g, g.files[j]) as never);
          expect(r.found, `seed ${seed}`).toBe(d[i][j] < Infinity);
          if (!r.found) continue;
          chains++;
          expect(r.chain.length).toBe(d[i][j]);
          expect(r.chain[0].from).toBe(g.files[i]);
          expect(r.chain[r.chain.length - 1].to).toBe(g.files[j]);
          r.chain.forEach((s, k) => {
            if (k > 0) expect(s.from).toBe(r.chain[k - 1].to);
            expect(data.files![s.from].imports).toContain(s.to);
            expect(s.line).toBe(data.files![s.from].lines![s.to]);
          });
        }
      // cycles: same component exactly when mutually reachable; components of one node are left out.
      const comp = new Map<string, number>();
      fileCycles(g).forEach((c, k) => c.nodes.forEach((f) => comp.set(f, k)));
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          const mutual = d[i][j] < Infinity && d[j][i] < Infinity;
          const same = comp.has(g.files[i]) && comp.get(g.files[i]) === comp.get(g.files[j]);
          expect(same, `seed ${seed}: ${g.files[i]} ${g.files[j]}`).toBe(mutual);
        }
      cycleNodes += comp.size;
      // project cycles: mutual reachability over Nx's project edges.
      const pid = new Map(g.projects.map((p, k) => [p, k]));
      const pd = distances(g.projects.map((p) => (g.projectOut.get(p) ?? []).map((e) => pid.get(e.to)!)));
      const pcomp = new Map<string, number>();
      projectCycles(g).forEach((c, k) => c.nodes.forEach((p) => pcomp.set(p, k)));
      for (const [a, i] of pid)
        for (const [b, j] of pid) {
          if (i === j) continue;
          projectPairs++;
          const same = pcomp.has(a) && pcomp.get(a) === pcomp.get(b);
          expect(same).toBe(pd[i][j] < Infinity && pd[j][i] < Infinity);
          const r = why(g, { kind: 'project', name: a }, { kind: 'project', name: b });
          expect(r.found).toBe(pd[i][j] < Infinity);
          if (r.found) expect(r.chain.length).toBe(pd[i][j]);
        }
      // affected: a file is affected exactly when it reaches a changed file; projects follow Nx's rule.
      const r = rng(seed * 7919);
      const changed = g.files.filter(() => r() < 0.2);
      const result = affectedBy(g, changed);
      const affected = new Set(result.files.map((f) => f.file));
      for (let i = 0; i < n; i++) {
        const reaches = changed.some((c) => d[i][g.fileId.get(c)!] < Infinity);
        expect(affected.has(g.files[i]), `seed ${seed}`).toBe(reaches);
        affectedChecked++;
      }
      for (const f of result.files) {
        expect(changed).toContain(f.changed);
        expect(f.chain.length).toBe(f.chain.length === 0 ? 0 : d[g.fileId.get(f.file)!][g.fileId.get(f.changed)!]);
        if (f.chain.length > 0) {
          expect(f.chain[0].to).toBe(f.changed);
          expect(f.chain[f.chain.length - 1].from).toBe(f.file);
        }
      }
      const touched = new Set(changed.map((c) => g.owner[g.fileId.get(c)!]));
      const expectedProjects = g.projects.filter((p) =>
        [...touched].some((t) => pd[pid.get(p)!][pid.get(t!)!] < Infinity),
      );
      expect(result.projects.map((p) => p.project)).toEqual(expectedProjects);
      for (const p of result.projects)
        if (p.reason.kind === 'depends') {
          expect(p.reason.chain[0].from).toBe(p.project);
          expect(p.reason.chain[p.reason.chain.length - 1].to).toBe(p.reason.touched);
        }
      expect(result.tasks.length).toBe(result.projects.length * 2);
      // focus: the n-hop neighbourhood is every node within n hops in the undirected graph.
      const und = distances(g.out.map((o, i) => [...new Set([...o, ...g.inc[i]])]));
      for (const hops of [1, 2]) {
        const near = neighbourhood(g, 0, hops);
        for (let j = 0; j < n; j++) expect(near.has(j)).toBe(und[0][j] <= hops);
      }
    }
    console.log(
      `graph queries: ${CASES} generated graphs; ${chains} file chains, ${projectPairs} project pairs, ${cycleNodes} nodes in cycles, ${affectedChecked} affected verdicts checked`,
    );
    expect(chains).toBeGreaterThan(1000);
    expect(cycleNodes).toBeGreaterThan(100);
  });

  it('names an unknown endpoint with suggestions (one diagnostic)', () => {
    const g = new GraphIndex(generate(3));
    const r = resolveEndpoint(g, 'src/f0.ts');
    expect(r).toMatchObject({ code: 'FLEET_UNKNOWN_NODE' });
    expect((r as { message: string }).message).toMatch(/^src\/f0\.ts: no project of that name/);
  });

  it('finds SCCs in a 20,000-file chain closed into one cycle without overflowing the stack', () => {
    const files: GraphData['files'] = {};
    const N = 20_000;
    for (let i = 0; i < N; i++)
      files[`p/f${i}.ts`] = { imports: [`p/f${(i + 1) % N}.ts`], external: [], unresolved: [] };
    const g = new GraphIndex({ projects: { p: { root: 'p', languages: [], targets: [] } }, files, dependencies: [] });
    expect(fileCycles(g).map((c) => c.nodes.length)).toEqual([N]);
  });
});
