import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { Cluster } from './support/cluster';
import { outFile, taskWorkspace, whoFile, type ProjectSpec } from './support/task-fixture';

/**
 * GPU routing end to end: `fleet agent` processes whose fake nvidia-smi reports 0, 1 or 2 GPUs.
 * The GPU tasks (tag `gpu` → labels [gpu], gpus 1) wait, bounded, until both have started, so
 * their outputs tell whether they ran at the same time.
 */
const NEVER_CPU = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
const PROJECTS: Record<string, ProjectSpec> = {
  base: { targets: { build: {} } },
  'tr-a': {
    deps: ['base'],
    tags: ['gpu'],
    targets: { train: { dependsOn: ['^build'], reads: [outFile('base', 'build')], sync: 2 } },
  },
  'tr-b': {
    deps: ['base'],
    tags: ['gpu'],
    targets: { train: { dependsOn: ['^build'], reads: [outFile('base', 'build')], sync: 2 } },
  },
  // CPU-only, but only the GPU agent has the label.
  special: { targets: { check: { requires: { labels: ['special'] } } } },
  ...Object.fromEntries(NEVER_CPU.map((p) => [p, { targets: { build: {} } }])),
  'tr-n': { tags: ['gpu'], targets: { train: {} } },
};

interface Who {
  agent: string;
  cuda: string | null;
  nvidia: string | null;
  peers?: string[];
}

let cluster: Cluster;
let fixture: ReturnType<typeof taskWorkspace>;
let ws: TestWorkspace;
let syncDir: string;

beforeAll(async () => {
  fixture = taskWorkspace(PROJECTS);
  ws = fixture.ws;
  cluster = await new Cluster(fixture.bare).start();
  syncDir = cluster.tempDir('fleet-gpu-sync-');
});

// Each test starts its own agents.
afterEach(async () => {
  await cluster?.stopAgents();
});

afterAll(async () => {
  await cluster?.stop();
  fixture?.remove();
});

const who = (taskId: string): Who => JSON.parse(ws.read(whoFile(taskId.split(':')[0], taskId.split(':')[1])));

describe('GPU routing with agents as separate processes', () => {
  it('GPU tasks run only on the agent with GPUs, two at once on its two devices; CPU tasks there see no GPU', async () => {
    const env = { SYNC_DIR: syncDir, SYNC_TIMEOUT_MS: '45000' };
    // cpu-1 claims the gpu label but has no GPU: labels alone must not route a GPU task to it.
    await cluster.startAgents([
      { id: 'gpu-2', gpus: 2, slots: 3, labels: ['special'], env },
      { id: 'cpu-1', gpus: 0, slots: 2, labels: ['gpu'], env },
    ]);
    const r = await cluster.run(ws, [
      'run-many',
      '-t',
      'build',
      'train',
      'check',
      '-p',
      'base',
      'tr-a',
      'tr-b',
      'special',
    ]);
    expect(r.code, r.output).toBe(0);
    const tasks = new Map(r.summary!.tasks.map((t) => [t.taskId, t]));
    expect([...tasks.keys()].sort()).toEqual(['base:build', 'special:check', 'tr-a:train', 'tr-b:train']);
    for (const t of tasks.values()) expect(t, t.taskId).toMatchObject({ status: 'success', attempts: 1 });

    const replay = JSON.parse(ws.read('tasks.json')) as Record<string, string>;
    expect(Object.keys(replay).sort()).toEqual([...tasks.keys()].sort());
    expect(Object.entries(replay).filter(([, s]) => s !== 'remote-cache')).toEqual([]);

    // Both GPU tasks on gpu-2, one device each, different devices, the variables set to it.
    const trains = ['tr-a:train', 'tr-b:train'];
    for (const id of trains) {
      expect(tasks.get(id), id).toMatchObject({ agent: 'gpu-2', requirement: { labels: ['gpu'], gpus: 1 } });
      expect(tasks.get(id)!.gpus, id).toHaveLength(1);
      const w = who(id);
      expect(w.agent, id).toBe('gpu-2');
      expect(w.cuda, id).toBe(String(tasks.get(id)!.gpus[0]));
      expect(w.nvidia, id).toBe(w.cuda);
    }
    expect(trains.map((id) => who(id).cuda).sort()).toEqual(['0', '1']);
    // At the same time: each saw the other start before it finished.
    for (const id of trains) expect(who(id).peers, id).toEqual(['tr-a-train', 'tr-b-train']);

    // A CPU task on the GPU agent gets no GPU; so does a CPU task anywhere.
    expect(tasks.get('special:check')!.agent).toBe('gpu-2');
    expect(tasks.get('special:check')!.gpus).toEqual([]);
    for (const id of ['special:check', 'base:build'])
      expect(who(id), id).toMatchObject({ cuda: '', nvidia: 'void', agent: tasks.get(id)!.agent });

    expect(cluster.agents.get('cpu-1')!.output()).not.toMatch(/"task started","runId":"[^"]+","taskId":"tr-/);
  });

  it('--cpu-work-on-gpu-agents never: the GPU agent takes the GPU task and no CPU task, though it is idle', async () => {
    await cluster.startAgents([
      { id: 'gpu-never', gpus: 1, slots: 2, policy: 'never' },
      { id: 'cpu-only', gpus: 0, slots: 1 },
    ]);
    const r = await cluster.run(ws, ['run-many', '-t', 'build', 'train', '-p', ...NEVER_CPU, 'tr-n']);
    expect(r.code, r.output).toBe(0);
    const tasks = r.summary!.tasks;
    expect(tasks.map((t) => t.taskId).sort()).toEqual([...NEVER_CPU.map((p) => `${p}:build`), 'tr-n:train'].sort());
    for (const t of tasks)
      expect(t, t.taskId).toMatchObject({
        status: 'success',
        attempts: 1,
        agent: t.taskId === 'tr-n:train' ? 'gpu-never' : 'cpu-only',
      });
    expect(who('tr-n:train')).toMatchObject({ agent: 'gpu-never', cuda: '0', nvidia: '0' });
    for (const p of NEVER_CPU) expect(who(`${p}:build`).agent).toBe('cpu-only');
    expect(cluster.agents.get('gpu-never')!.output()).not.toMatch(/"task started","runId":"[^"]+","taskId":"n\d/);
  });
});
