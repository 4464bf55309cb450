import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsArtifactKey } from '../../runner/returned-outputs';
import { createWorkspace, type TestWorkspace } from '../rig';
import { emptyToolDir, fakeNvidiaSmiDir } from '../runner/support/fake-gpu-tools';
import { ensureTaskUser, TrustCluster } from '../runner/support/trust-cluster';

/** The untrusted agent runs tasks as a user of their own, as deployed (when the tests run as root). */
const TASK_USER = ensureTaskUser('fleet-task-off');

/**
 * `nx run ml:train` on a machine without a GPU, with nx-fleet:run: the task goes to a real
 * `fleet agent` with a fake GPU (real redis-server, real `fleet cache serve --tokens` with a
 * trusted writer, a trusted reader and the untrusted levels' mint tokens), its log comes back
 * while it runs, and its outputs come back: a cached target's through the remote cache, a
 * `cache: false` target's through the run's upload. One agent per level, both on the one
 * cluster of this file. The training script writes what it saw (its GPU, a file changed but not
 * committed) into its output.
 */
const TRAIN = `
const fs = require('node:fs');
const gpu = process.env.CUDA_VISIBLE_DEVICES;
if (!gpu) { console.error('no GPU given'); process.exit(3); }
for (let e = 1; e <= 3; e++) console.log('epoch ' + e + ' on GPU ' + gpu);
fs.mkdirSync('libs/ml/out/checkpoints', { recursive: true });
fs.writeFileSync('libs/ml/out/model.txt', 'gpu=' + gpu + ' data=' + fs.readFileSync('libs/ml/data.txt', 'utf8').trim() + '\\n');
fs.writeFileSync('libs/ml/out/checkpoints/epoch-3.txt', 'weights of epoch 3\\n');
if (process.argv[2] === 'big') fs.writeFileSync('libs/ml/out/weights.bin', require('node:crypto').randomBytes(64 * 1024));
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
    targets: {
      train: target(''),
      'train-live': target('', { cache: false }),
      'train-big': target('big', { cache: false }),
      'train-bad': target('fail'),
    },
  }),
};

describe('nx-fleet:run sends a GPU task to the agent pool from a plain nx run', () => {
  let ws: TestWorkspace;
  let bare: string;
  let cluster: TrustCluster;
  let noGpu: string;
  let smi: string;
  const nx = (args: string[], env: Record<string, string | undefined>) => {
    const r = ws.nx(args, {
      env: { PATH: `${noGpu}${path.delimiter}${process.env.PATH}`, NX_ISOLATE_PLUGINS: 'false', ...env },
      timeoutMs: 180_000,
    });
    return { code: r.code, out: r.stdout + r.stderr };
  };
  const base = () => ({
    FLEET_REDIS_URL: cluster.redis.url,
    FLEET_CACHE_URL: cluster.cache.url,
    FLEET_AGENT_WAIT: '60',
    FLEET_CACHE_TOKEN: undefined,
    FLEET_CACHE_MINT_TOKEN: undefined,
  });
  /**
   * A trusted CI runner: the trusted key and a standing token that reads and writes `main`. Its
   * nx (and so the offload's replay) runs the executor task by task (NX_BATCH_MODE=false), as
   * the trusted agent does; the laptop and the untrusted agent run it in batch mode, Nx's
   * default for it: each side's code of both modes is on the way.
   */
  const trustedCi = () => ({
    ...base(),
    ...cluster.keys.trusted.coordinatorEnv,
    FLEET_CACHE_TOKEN: cluster.tokens.trustedWriter,
    CI: 'true',
    NX_BATCH_MODE: 'false',
  });
  /** A laptop: no CI, the untrusted key and the pull-request coordinators' read mint token. */
  const laptop = (extra: Record<string, string> = {}) => ({
    ...base(),
    ...cluster.keys.untrusted.coordinatorEnv,
    FLEET_CACHE_MINT_TOKEN: cluster.tokens.coordinatorMint,
    CI: undefined,
    NX_BATCH_MODE: undefined,
    ...extra,
  });
  const untrustedLog = () => cluster.agents.get('gpu-untrusted')!.process.output();
  const agentLines = (id: string) =>
    cluster.agents
      .get(id)!
      .process.output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const get = async (key: string, token: string) =>
    (await fetch(`${cluster.cache.url}/v1/cache/${key}`, { headers: { authorization: `Bearer ${token}` } })).status;
  const mintRead = async (runId: string, commit: string) => {
    const res = await fetch(`${cluster.cache.url}/v1/fleet/run-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.tokens.coordinatorMint}`, 'content-type': 'application/json' },
      body: JSON.stringify({ runId, commit }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    ws = createWorkspace({ files });
    bare = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-origin-'));
    spawnSync('git', ['clone', '-q', '--bare', ws.root, bare]);
    ws.git(['remote', 'add', 'origin', bare]);
    ws.git(['fetch', '-q', 'origin']);
    noGpu = emptyToolDir();
    smi = fakeNvidiaSmiDir([{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }]);
    cluster = await new TrustCluster(bare).start();
    const gpuPath = { PATH: `${smi}${path.delimiter}${process.env.PATH}` };
    await cluster.startAgents([
      { id: 'gpu-trusted', trust: 'trusted', env: { ...gpuPath, NX_BATCH_MODE: 'false' } },
      { id: 'gpu-untrusted', trust: 'untrusted', env: gpuPath, taskUser: TASK_USER },
    ]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    ws?.dispose();
    for (const d of [bare, noGpu, smi]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('without a pool it fails at once, naming the requirement', () => {
    const r = nx(['run', 'ml:train', '--skip-nx-cache'], { CI: 'true' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('ml:train requires labels [gpu], gpus >= 1; this machine');
    expect(r.out).toContain('FLEET_LOCAL_UNSATISFIABLE');
    expect(fs.existsSync(ws.path('libs/ml/out/model.txt'))).toBe(false);
  });

  it('outside CI it is never sent as trusted', () => {
    const r = nx(['run', 'ml:train', '--skip-nx-cache'], { ...trustedCi(), CI: undefined });
    expect(r.code).toBe(1);
    expect(r.out).toContain('FLEET_OFFLOAD_TRUST');
    expect(cluster.agentLogs()).not.toContain('ml:train');
  });

  it('trusted CI, cached target: runs on the agent with the uncommitted change, log streamed, outputs restored, exit code kept', () => {
    ws.write('libs/ml/data.txt', 'uncommitted edit\n');
    const r = nx(['run', 'ml:train'], trustedCi());
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(ws.read('libs/ml/out/model.txt')).toBe('gpu=0 data=uncommitted edit\n');
    expect(cluster.agents.get('gpu-trusted')!.process.output()).toContain('ml:train');
    const bad = nx(['run', 'ml:train-bad', '--skip-nx-cache'], trustedCi());
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('loss is NaN');
  });

  it('trusted CI, cache: false target: runs on the agent, its log streamed, its outputs brought back', () => {
    ws.remove('libs/ml/out');
    const r = nx(['run', 'ml:train-live'], trustedCi());
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('sending it to the agent pool (trusted)');
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(r.out).toContain('ml:train-live: its outputs came back from the agent: 2 file(s)');
    expect(ws.read('libs/ml/out/model.txt')).toBe('gpu=0 data=uncommitted edit\n');
    expect(ws.read('libs/ml/out/checkpoints/epoch-3.txt')).toBe('weights of epoch 3\n');
  });

  it('untrusted (a laptop), cached target: runs on the untrusted agent, outputs through the run’s own namespace, never `main`', async () => {
    ws.remove('libs/ml/out');
    ws.write('libs/ml/data.txt', 'laptop edit\n');
    const r = nx(['run', 'ml:train'], laptop());
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('✔ ml:train · gpu-untrusted');
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(ws.read('libs/ml/out/model.txt')).toBe('gpu=0 data=laptop edit\n');
    const finished = agentLines('gpu-untrusted').find((l) => l.msg === 'task finished' && l.taskId === 'ml:train');
    expect(finished?.hash, untrustedLog()).toMatch(/^\d+$/);
    const minted = agentLines('gpu-untrusted').find((l) => l.msg === 'run token' && l.runId === finished!.runId);
    expect(String(minted?.namespace)).toMatch(/^run-[0-9a-f]{32}$/);
    // The replay restored it (above) with a token that reads `main` and the run's namespace;
    // `main` does not hold it, so it came from the run's namespace.
    expect(await get(String(finished!.hash), cluster.tokens.trustedReader)).toBe(404);
  });

  it('untrusted, cache: false target: its outputs come back through the run’s namespace, which no other run reads', async () => {
    ws.remove('libs/ml/out');
    // Committed and pushed: the run has no patch, so a token for its id and commit reads its namespace.
    ws.commit('laptop edit');
    ws.git(['push', '-q', 'origin', 'HEAD:refs/heads/laptop']);
    const commit = ws.git(['rev-parse', 'HEAD']).trim();
    const r = nx(['run', 'ml:train-live'], laptop());
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(r.out).toContain('ml:train-live: its outputs came back from the agent: 2 file(s)');
    expect(ws.read('libs/ml/out/model.txt')).toBe('gpu=0 data=laptop edit\n');
    expect(ws.read('libs/ml/out/checkpoints/epoch-3.txt')).toBe('weights of epoch 3\n');
    const sent = agentLines('gpu-untrusted').find((l) => l.msg === 'task finished' && l.taskId === 'ml:train-live');
    expect(sent, untrustedLog()).toBeDefined();
    // The upload was the task user's (its process packed and sent them), where there is one.
    expect(agentLines('gpu-untrusted').find((l) => l.msg === 'agent ready')?.taskUser).toBe(TASK_USER);
    const runId = String(sent!.runId);
    const key = outputsArtifactKey(runId, 'ml:train-live');
    // The run's own read token finds it (so the probes below can tell), nobody else does:
    expect(await get(key, await mintRead(runId, commit))).toBe(200);
    expect(await get(key, await mintRead(`${runId}-other`, commit))).toBe(404);
    expect(await get(key, cluster.tokens.trustedReader)).toBe(404);
    expect(await get(outputsArtifactKey(runId, 'ml:train'), await mintRead(runId, commit))).toBe(404);
  });

  it('untrusted, cache: false target over the size limit: a clear error naming the task, its size and the limit; the log still streamed', () => {
    ws.remove('libs/ml/out');
    const r = nx(['run', 'ml:train-big'], laptop({ FLEET_RETURN_OUTPUTS_LIMIT: '16KiB' }));
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('epoch 3 on GPU 0');
    expect(r.out).toContain('FLEET_OFFLOAD_OUTPUTS_TOO_LARGE');
    expect(r.out).toMatch(
      /ml:train-big: its outputs are 64\.\d KiB \(\d+ bytes\), over the limit of 16\.0 KiB \(16384 bytes\)/,
    );
    expect(fs.existsSync(ws.path('libs/ml/out'))).toBe(false);
  });
});
