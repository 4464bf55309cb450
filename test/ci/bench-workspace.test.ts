import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';
import { realPython } from '../rig/python-interpreter';

/**
 * bench/ci's workspace generator (bench/ci/workspace.mjs) makes a valid Nx workspace of the size
 * the benchmark uses: real nx sees every planned project, the project graph nx-fleet infers has
 * exactly the planned edges (a few hubs, many leaves), and each scripted pull request affects
 * exactly the changed projects and their dependents.
 */
interface PlannedProject {
  name: string;
  kind: 'ts-lib' | 'ts-app' | 'python' | 'docker';
  role: string;
  root: string;
  deps: string[];
}
interface Plan {
  projects: PlannedProject[];
  pr: Record<string, string[]>;
}
interface BenchWorkspaceModule {
  generate(root: string, o: { projects?: number; seed?: number; python?: string }): Plan;
  applyPullRequest(root: string, p: Plan, which: string): string[];
}

let ws: TestWorkspace;
let plan: Plan;
let mod: BenchWorkspaceModule;

beforeAll(async () => {
  mod = (await import(
    pathToFileURL(path.join(repoRoot(), 'bench', 'ci', 'workspace.mjs')).href
  )) as BenchWorkspaceModule;
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-bench-ci-ws-'));
  plan = mod.generate(dir, { projects: 100, python: realPython() });
  ws = createWorkspace({ dir });
}, 60_000);

afterAll(() => {
  if (ws) fs.rmSync(ws.root, { recursive: true, force: true });
});

/** The projects that depend on `names`, transitively, plus `names`: what a change there affects. */
function withDependents(names: string[]): string[] {
  const out = new Set(names);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of plan.projects)
      if (!out.has(p.name) && p.deps.some((d) => out.has(d))) (out.add(p.name), (grew = true));
  }
  return [...out].sort();
}

describe('bench/ci workspace generator', () => {
  it('real nx sees every planned project, with the planned targets and exactly the planned edges', () => {
    const names = (JSON.parse(ws.nxOk(['show', 'projects', '--json'])) as string[]).sort();
    expect(names).toEqual(plan.projects.map((p) => p.name).sort());
    expect(names).toHaveLength(100);
    const graphFile = path.join(ws.root, 'graph.json');
    ws.nxOk(['graph', `--file=${graphFile}`]);
    const g = JSON.parse(fs.readFileSync(graphFile, 'utf8')) as {
      graph: {
        nodes: Record<string, { data: { targets: Record<string, unknown> } }>;
        dependencies: Record<string, Array<{ target: string }>>;
      };
    };
    const want: Record<PlannedProject['kind'], string[]> = {
      'ts-lib': ['typecheck', 'test'],
      'ts-app': ['typecheck', 'test', 'build'],
      python: ['test', 'build'],
      docker: ['docker-build'],
    };
    let edges = 0;
    for (const p of plan.projects) {
      const deps = g.graph.dependencies[p.name]
        .map((d) => d.target)
        .filter((t) => !t.startsWith('npm:'))
        .sort();
      expect(deps, p.name).toEqual([...p.deps].sort());
      edges += deps.length;
      for (const t of want[p.kind]) expect(Object.keys(g.graph.nodes[p.name].data.targets), p.name).toContain(t);
    }
    // The shape: a few hubs most code depends on, many leaves nothing depends on.
    const dependents = new Map(plan.projects.map((p) => [p.name, 0]));
    for (const p of plan.projects) for (const d of p.deps) dependents.set(d, dependents.get(d)! + 1);
    const hubs = plan.projects.filter((p) => p.role === 'hub');
    const leaves = plan.projects.filter((p) => dependents.get(p.name) === 0);
    expect(hubs.length).toBeGreaterThanOrEqual(3);
    for (const h of hubs) expect(withDependents([h.name]).length, h.name).toBeGreaterThan(5);
    expect(leaves.length).toBeGreaterThan(plan.projects.length / 3);
    console.log(
      `[bench-ci] ${names.length} projects, ${edges} edges checked against the plan, ${hubs.length} hubs, ${leaves.length} leaves`,
    );
  }, 60_000);

  it("the tasks of a hub, an app with its image and a Python package pass (real tsc, vitest, pytest; the bench's fake docker)", () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-ci-bin-'));
    const fake = path.join(repoRoot(), 'bench', 'ci', 'fake-docker.mjs');
    fs.writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`, {
      mode: 0o755,
    });
    const app = plan.projects.find((p) => p.kind === 'ts-app')!;
    const py = plan.projects.find((p) => p.kind === 'python' && p.deps.length > 0)!;
    const projects = ['lib-00', app.name, `${app.name}-image`, py.name];
    try {
      const out = ws.nxOk(
        ['run-many', '-t', 'typecheck,test,build,docker-build', '-p', projects.join(','), '--skip-nx-cache'],
        { env: { PATH: `${bin}:${process.env.PATH}`, BENCH_DOCKER_RUN_MB: '1' } },
      );
      expect(out).toMatch(/Successfully ran targets/);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    const image = path.join(ws.root, 'dist', 'docker', `${app.name}-image`, 'docker-build');
    expect(fs.readFileSync(path.join(image, 'image.iid'), 'utf8')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fs.statSync(path.join(image, 'image.tar')).size).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(ws.root, app.root, 'dist', app.root, 'src', 'main.js'))).toBe(true);
  }, 60_000);

  it('each scripted pull request affects exactly the changed projects and their dependents', () => {
    for (const which of Object.keys(plan.pr)) {
      ws.git(['checkout', '-q', '-b', `pr-${which}`, 'main']);
      const files = mod.applyPullRequest(ws.root, plan, which);
      ws.commit(`pr ${which}`);
      const changed = files.map((f) => plan.projects.find((p) => f.startsWith(`${p.root}/`))!.name);
      const affected = (
        JSON.parse(ws.nxOk(['show', 'projects', '--affected', '--base=main', '--json'])) as string[]
      ).sort();
      expect(affected, which).toEqual(withDependents(changed));
      ws.git(['checkout', '-q', 'main']);
      console.log(`[bench-ci] pull request ${which}: ${files.length} files, ${affected.length} projects affected`);
    }
  }, 60_000);
});
