import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { createWorkspace, type TestWorkspace } from '../rig';

interface Target {
  metadata?: { description?: string; technologies?: string[]; help?: { command?: string; example?: unknown } };
}
interface Project {
  name: string;
  targets: Record<string, Target>;
  metadata?: { technologies?: string[]; targetGroups?: Record<string, string[]> };
}

/** What Nx Console reads: each project's and target's metadata, as real nx reports it. */
describe('IDE metadata of the inferred projects and targets (real nx on examples/polyglot)', () => {
  let ws: TestWorkspace;
  let projects: Record<string, Project>;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
    ws.nxOk(['graph', '--file=graph.json']);
    const g = JSON.parse(fs.readFileSync(ws.path('graph.json'), 'utf8')) as {
      graph: { nodes: Record<string, { data: Project }> };
    };
    projects = Object.fromEntries(Object.entries(g.graph.nodes).map(([n, v]) => [n, v.data]));
  }, 240_000);
  afterAll(() => ws.dispose());

  it('every project has a "fleet" target group listing its nx-fleet targets; every such target has description, technologies and help', () => {
    let targets = 0;
    for (const [name, p] of Object.entries(projects)) {
      const group = p.metadata?.targetGroups?.fleet;
      expect(group, `${name}: metadata.targetGroups.fleet`).toBeDefined();
      expect(group!.length, name).toBeGreaterThan(0);
      expect(p.metadata?.technologies?.length ?? 0, `${name}: technologies`).toBeGreaterThan(0);
      for (const t of group!) {
        const m = p.targets[t]?.metadata;
        expect(m?.description, `${name}:${t}`).toMatch(/\S{3,}/);
        expect(m?.technologies?.length ?? 0, `${name}:${t}`).toBeGreaterThan(0);
        expect(m?.help?.command, `${name}:${t}`).toMatch(/\S/);
        expect(m?.help?.example, `${name}:${t}`).toBeDefined();
        targets++;
      }
    }
    console.log(`IDE metadata: ${Object.keys(projects).length} projects, ${targets} targets checked`);
    expect(targets).toBeGreaterThan(20);
  });

  it('nx show project --json gives the same metadata (what Nx Console shows)', () => {
    for (const name of ['util', 'polyglot-textkit', 'api-image']) {
      const shown = JSON.parse(ws.nxOk(['show', 'project', name, '--json'])) as Project;
      expect(shown.metadata?.targetGroups?.fleet).toEqual(projects[name].metadata?.targetGroups?.fleet);
      for (const t of shown.metadata?.targetGroups?.fleet ?? [])
        expect(shown.targets[t].metadata?.description).toBe(projects[name].targets[t].metadata?.description);
    }
  });
});
