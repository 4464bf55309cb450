import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { agentClone } from './support/dte-fixture';
import { Cluster } from './support/cluster';
import { outFile, outputsOf, taskWorkspace, whoFile, type ProjectSpec } from './support/task-fixture';

/**
 * project → project dependencies: two chains (a0…a3, b0…b2), a diamond over them (c0…c3) and a
 * project joining both chains (d0). build: ^build; test: its own build; lint: ^lint.
 */
const DEPS: Record<string, string[]> = {
  a0: [],
  a1: ['a0'],
  a2: ['a1'],
  a3: ['a2'],
  b0: [],
  b1: ['b0'],
  b2: ['b1'],
  c0: [],
  c1: ['c0', 'a1'],
  c2: ['c0', 'b1'],
  c3: ['c1', 'c2', 'a3'],
  d0: ['b2', 'a0'],
};
const TARGETS = ['build', 'test', 'lint'];
const AGENTS = ['dag-1', 'dag-2', 'dag-3'];

function projects(): Record<string, ProjectSpec> {
  return Object.fromEntries(
    Object.entries(DEPS).map(([p, deps]) => [
      p,
      {
        deps,
        targets: {
          build: { dependsOn: ['^build'], reads: deps.map((d) => outFile(d, 'build')) },
          test: { dependsOn: ['build'], reads: [outFile(p, 'build')] },
          lint: { dependsOn: ['^lint'], reads: deps.map((d) => outFile(d, 'lint')) },
        },
      },
    ]),
  );
}

const taskIds = Object.keys(DEPS)
  .flatMap((p) => TARGETS.map((t) => `${p}:${t}`))
  .sort();

let cluster: Cluster;
let fixture: ReturnType<typeof taskWorkspace>;
let ws: TestWorkspace;
const clones: TestWorkspace[] = [];

beforeAll(async () => {
  fixture = taskWorkspace(projects());
  ws = fixture.ws;
  cluster = await new Cluster(fixture.bare).start();
  await cluster.startAgents(AGENTS.map((id) => ({ id, slots: 2 })));
});

afterAll(async () => {
  await cluster?.stop();
  fixture?.remove();
  for (const c of clones) c.dispose();
});

describe('a DAG of 36 tasks over 3 agents', () => {
  it('completes with the outputs of a local run, spread over the agents, and the replay is all remote-cache hits', async () => {
    expect(taskIds).toHaveLength(36);
    const r = await cluster.run(ws, ['run-many', '-t', ...TARGETS]);
    expect(r.code, r.output).toBe(0);

    // The summary: every task once, a success at its first delivery, on one of the agents.
    const summary = r.summary!;
    expect(summary.status).toBe('success');
    expect(summary.tasks.map((t) => t.taskId).sort()).toEqual(taskIds);
    for (const t of summary.tasks) {
      expect(t, t.taskId).toMatchObject({ status: 'success', attempts: 1 });
      expect(AGENTS).toContain(t.agent);
    }
    // The work was spread (no exact distribution is asserted).
    expect(new Set(summary.tasks.map((t) => t.agent)).size).toBeGreaterThan(1);
    // Tasks ran in resident nx processes that had run tasks before (runner/nx-warm.ts): the byte
    // comparison with a local run below covers them too.
    expect(cluster.agentLogs()).toMatch(/"msg":"task finished".*"warm":true,"reused":[1-9]/);

    // The replay: every task a remote-cache hit, outputs restored, each naming the agent the summary names.
    const replay = JSON.parse(ws.read('tasks.json')) as Record<string, string>;
    expect(Object.keys(replay).sort()).toEqual(taskIds);
    expect(Object.entries(replay).filter(([, s]) => s !== 'remote-cache')).toEqual([]);
    for (const t of summary.tasks) {
      const [p, target] = t.taskId.split(':');
      expect(JSON.parse(ws.read(whoFile(p, target))).agent, t.taskId).toBe(t.agent);
    }

    // The same tasks with plain nx in another clone, no remote cache, no local cache.
    const local = agentClone(fixture.bare);
    clones.push(local);
    local.nxOk(['run-many', '-t', ...TARGETS, '--skip-nx-cache'], {
      env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: undefined, AGENT_NAME: undefined, NX_ISOLATE_PLUGINS: 'false' },
    });
    const localStatus = JSON.parse(local.read('tasks.json')) as Record<string, string>;
    expect(Object.keys(localStatus).sort()).toEqual(taskIds);
    expect(Object.values(localStatus).every((s) => s === 'success')).toBe(true);
    for (const id of taskIds) {
      const [p, target] = id.split(':');
      expect(JSON.parse(local.read(whoFile(p, target))).agent).toBe('local');
    }

    const distributed = outputsOf(ws.root);
    const expected = outputsOf(local.root);
    expect(Object.keys(expected).sort()).toEqual(
      taskIds.map((id) => outFile(id.split(':')[0], id.split(':')[1])).sort(),
    );
    expect(distributed).toEqual(expected);
    // Byte-identical, not only equal as text.
    for (const f of Object.keys(expected))
      expect(fs.readFileSync(ws.path(f)).equals(fs.readFileSync(local.path(f))), f).toBe(true);
  });
});
