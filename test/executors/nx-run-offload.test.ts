import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { Cluster, KEYS } from '../runner/support/cluster';
import { emptyToolDir } from '../runner/support/fake-gpu-tools';

/**
 * `nx run ml:train` on a machine without a GPU, with nx-fleet:run: the task goes to a real
 * `fleet agent` with a fake GPU (real redis-server, real `fleet cache serve`), its log comes back
 * while it runs, and its outputs come back through the remote cache. The training script writes
 * what it saw (its GPU, a file changed but not committed) into its output.
 */
const TRAIN = `
const fs = require('node:fs');
const gpu = process.env.CUDA_VISIBLE_DEVICES;
if (!gpu) { console.error('no GPU given'); process.exit(3); }
for (let e = 1; e <= 3; e++) console.log('epoch ' + e + ' on GPU ' + gpu);
fs.mkdirSync('libs/ml/out', { recursive: true });
fs.writeFileSync('libs/ml/out/model.txt', 'gpu=' + gpu + ' data=' + fs.readFileSync('libs/ml/data.txt', 'utf8').trim() + '\\n');
if (process.argv[2] === 'fail') { console.error('loss is NaN'); process.exit(7); }
`;
const target = (args: string, extra: Record<string, unknown> = {}) => ({
  executor: 'nx-fleet:run',
  options: { command: `node tools/train.cjs ${args}` },
  inputs: ['{projectRoot}/**/*', '{workspaceRoot}/tools/train.cjs'],
  outputs: ['{projectRoot}/out'],
  cache: true,
  ...extra,
});
const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'offload', private: true }),
  'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
  '.gitignore': 'node_modules\n.nx\nout\n',
  'tools/train.cjs': TRAIN,
  'libs/ml/data.txt': 'committed\n',
  'libs/ml/project.json': JSON.stringify({
    name: 'ml',
    tags: ['gpu'],
    targets: { train: target(''), 'train-live': target('', { cache: false }), 'train-bad': target('fail') },
  }),
};

describe('nx-fleet:run sends a GPU task to the agent pool from a plain nx run', () => {
  let ws: TestWorkspace;
  let bare: string;
  let cluster: Cluster;
  let noGpu: string;
  const nx = (args: string[], env: Record<string, string | undefined>) => {
    const r = ws.nx(args, {
      env: { PATH: `${noGpu}${path.delimiter}${process.env.PATH}`, NX_ISOLATE_PLUGINS: 'false', ...env },
      timeoutMs: 180_000,
    });
    return { code: r.code, out: r.stdout + r.stderr };
  };
  const pool = () => ({
    FLEET_REDIS_URL: cluster.redis.url,
    FLEET_CACHE_URL: cluster.cache.url,
    ...KEYS.coordinatorEnv,
    FLEET_AGENT_WAIT: '60',
  });
  beforeAll(async () => {
    ws = createWorkspace({ files });
    bare = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-origin-'));
    spawnSync('git', ['clone', '-q', '--bare', ws.root, bare]);
    ws.git(['remote', 'add', 'origin', bare]);
    ws.git(['fetch', '-q', 'origin']);
    noGpu = emptyToolDir();
    cluster = await new Cluster(bare).start();
    await cluster.startAgents([{ id: 'gpu-agent', gpus: 1, slots: 1 }]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    ws?.dispose();
    for (const d of [bare, noGpu]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('without a pool it fails at once, naming the requirement', () => {
    const r = nx(['run', 'ml:train', '--skip-nx-cache'], { CI: 'true' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('ml:train requires labels [gpu], gpus >= 1; this machine');
    expect(r.out).toContain('FLEET_LOCAL_UNSATISFIABLE');
    expect(fs.existsSync(ws.path('libs/ml/out/model.txt'))).toBe(false);
  });

  it('outside CI it is never sent as trusted', () => {
    const r = nx(['run', 'ml:train', '--skip-nx-cache'], { ...pool(), CI: undefined });
    expect(r.code).toBe(1);
    expect(r.out).toContain('FLEET_OFFLOAD_TRUST');
    expect(cluster.agentLogs()).not.toContain('ml:train');
  });

  it('cached target: runs on the agent with the uncommitted change, log streamed, outputs restored, exit code kept', () => {
    ws.write('libs/ml/data.txt', 'uncommitted edit\n');
    const r = nx(['run', 'ml:train'], { ...pool(), CI: 'true' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(ws.read('libs/ml/out/model.txt')).toBe('gpu=0 data=uncommitted edit\n');
    expect(cluster.agentLogs()).toContain('ml:train');
    const bad = nx(['run', 'ml:train-bad', '--skip-nx-cache'], { ...pool(), CI: 'true' });
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('loss is NaN');
  });

  it('cache: false target: runs on the agent, its log streamed; its outputs are said to stay there', () => {
    fs.rmSync(ws.path('libs/ml/out'), { recursive: true, force: true });
    const r = nx(['run', 'ml:train-live'], { ...pool(), CI: 'true' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(r.out).toContain('FLEET_OFFLOAD_OUTPUTS_NOT_RETURNED');
  });
});
