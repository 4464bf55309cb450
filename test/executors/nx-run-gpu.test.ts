import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';
import { fakeNvidiaSmiDir } from '../runner/support/fake-gpu-tools';

/** Each task appends what it got and when to one log (O_APPEND lines), then sleeps. */
const RECORD = `
const fs = require('node:fs');
const start = Date.now();
setTimeout(() => {
  fs.appendFileSync(process.env.GPU_LOG, JSON.stringify({
    task: process.argv[2], gpus: process.env.CUDA_VISIBLE_DEVICES, nvidia: process.env.NVIDIA_VISIBLE_DEVICES,
    start, end: Date.now(), nx: process.env.NX_RUN_ID,
  }) + '\\n');
}, Number(process.argv[3] || 300));
`;
const project = (name: string, tags: string[], ms = 300, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    name,
    tags,
    targets: {
      train: {
        executor: 'nx-fleet:run',
        options: { command: `node record.cjs ${name} ${ms}` },
        cache: false,
        ...extra,
      },
    },
  });
const GPU_PROJECTS = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'];
const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'ws', private: true, devDependencies: { nx: '^24.0.6', 'nx-fleet': '*' } }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: {} }] }),
  'record.cjs': RECORD,
  'libs/cpu/project.json': project('cpu', []),
  'libs/huge/project.json': project('huge', [], 300, { metadata: { fleet: { requires: { gpus: 4 } } } }),
  'libs/slow/project.json': project('slow', [], 900),
  'libs/fast/project.json': project('fast', [], 50),
};
for (const g of GPU_PROJECTS) files[`libs/${g}/project.json`] = project(g, ['gpu']);

interface Entry {
  task: string;
  gpus: string;
  nvidia: string;
  start: number;
  end: number;
}

describe('nx-fleet:run: local GPU slots across Nx processes', () => {
  let ws: TestWorkspace;
  let smi: string;
  let locks: string;
  const env = (log: string) => ({
    PATH: `${smi}${path.delimiter}${process.env.PATH}`,
    FLEET_GPU_LOCK_DIR: locks,
    GPU_LOG: log,
  });
  const nxAsync = (args: string[], log: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot(), 'node_modules/nx/dist/bin/nx.js'), ...args], {
        cwd: ws.root,
        env: ws.env(env(log)),
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
  const read = (log: string): Entry[] =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Entry)
      : [];
  beforeAll(() => {
    ws = createWorkspace({ files });
    smi = fakeNvidiaSmiDir([
      { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 },
      { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 },
    ]);
    locks = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-gpu-locks-'));
  });
  afterAll(() => {
    ws?.dispose();
    for (const d of [smi, locks]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('two concurrent nx commands never get the same GPU; a CPU task sees none', async () => {
    const log = ws.path('gpu.log');
    // Batch (the default) in one, one process per task in the other: both take the same locks.
    const [a, b] = await Promise.all([
      nxAsync(['run-many', '-t', 'train', '-p', 'g1,g2,g3,cpu', '--parallel=3'], log),
      nxAsync(['run-many', '-t', 'train', '-p', 'g4,g5,g6', '--parallel=3', '--batch=false'], log),
    ]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    const entries = read(log);
    expect(entries.map((e) => e.task).sort()).toEqual([...GPU_PROJECTS, 'cpu'].sort());
    const gpuRuns = entries.filter((e) => e.task !== 'cpu');
    for (const e of gpuRuns) expect(['0', '1'], e.task).toContain(e.gpus);
    const cpu = entries.find((e) => e.task === 'cpu')!;
    expect([cpu.gpus, cpu.nvidia]).toEqual(['', 'void']);
    // The invariant, over every pair: two runs on one GPU never overlap in time.
    let pairs = 0;
    for (const x of gpuRuns)
      for (const y of gpuRuns) {
        if (x === y || x.gpus !== y.gpus) continue;
        pairs++;
        expect(x.end <= y.start || y.end <= x.start, `${x.task} and ${y.task} both on GPU ${x.gpus}`).toBe(true);
      }
    // With 6 tasks on 2 GPUs some share a device, so the check is not vacuous.
    expect(pairs).toBeGreaterThan(0);
    console.log(
      `nx-fleet:run: ${gpuRuns.length} GPU tasks from 2 nx processes, ${pairs / 2} same-GPU pairs checked, none overlapped`,
    );
    expect(fs.readdirSync(locks).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('a task needing more GPUs than the machine has fails at once, naming the requirement', async () => {
    const log = ws.path('huge.log');
    const r = await nxAsync(['run', 'huge:train'], log);
    expect(r.code).toBe(1);
    expect(r.out).toContain('huge:train requires gpus >= 4; this machine');
    expect(r.out).toContain('lacks 4 GPU(s) (has 2)');
    expect(r.out).toContain('FLEET_LOCAL_UNSATISFIABLE');
    expect(read(log)).toEqual([]);
  });

  it('batch: of the ready tasks, the longest by earlier runs starts first', async () => {
    const first = ws.path('order-1.log');
    const r1 = await nxAsync(['run-many', '-t', 'train', '-p', 'fast,slow', '--parallel=1'], first);
    expect(r1.code, r1.out).toBe(0);
    const second = ws.path('order-2.log');
    const r2 = await nxAsync(['run-many', '-t', 'train', '-p', 'fast,slow', '--parallel=1'], second);
    expect(r2.code, r2.out).toBe(0);
    const order = (log: string) =>
      read(log)
        .sort((x, y) => x.start - y.start)
        .map((e) => e.task);
    console.log(`without history: ${order(first).join(', ')}; with history: ${order(second).join(', ')}`);
    expect(order(second)).toEqual(['slow', 'fast']);
  });
});
