import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, TestWorkspace, usePython } from '../rig';
import { installFakeDocker, type FakeDocker } from '../docker/support/fake-docker';
import { installHashRecorder, type RecordedTask } from '../docker/support/hash-recorder';
import { Cluster } from './support/cluster';
import { agentClone } from './support/dte-fixture';

// Our own example over two CPU agents and one (fake) GPU agent, against a local `nx run-many` of
// the same commit. python-service:docker-build is left out: it needs the Python `build` module
// (pip's, not on this machine), whose absence fails its `build` dependencies locally too.
const NX_ARGS = ['run-many', '-t', 'typecheck', 'test', 'docker-build', '--exclude', 'python-service'];

let cluster: Cluster;
let ws: TestWorkspace;
let bare: string;
let docker: FakeDocker;

beforeAll(async () => {
  ws = createWorkspace({ fixture: 'examples/polyglot', commit: false });
  usePython(ws);
  installHashRecorder(ws);
  ws.commit('polyglot');
  bare = fs.mkdtempSync(path.join(path.dirname(ws.root), 'fleet-origin-polyglot-'));
  git(path.dirname(ws.root), ['clone', '-q', '--bare', ws.root, bare]);
  ws.git(['remote', 'add', 'origin', bare]);
  ws.git(['fetch', '-q', 'origin']);
  cluster = await new Cluster(bare).start();
  docker = installFakeDocker(new TestWorkspace(cluster.tempDir('fleet-fake-docker-')));
  const dockerBin = docker.env().PATH.split(path.delimiter)[0];
  const env = { FAKE_DOCKER_LOG: docker.env().FAKE_DOCKER_LOG };
  await cluster.startAgents([
    { id: 'cpu-a', path: [dockerBin], env },
    { id: 'cpu-b', path: [dockerBin], env },
    { id: 'gpu-a', gpus: 1, path: [dockerBin], env },
  ]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  ws?.dispose();
  if (bare) fs.rmSync(bare, { recursive: true, force: true });
});

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Every file the run left that git ignores (outputs), but Nx's and the tools' own caches: path → SHA-256. */
function outputFiles(root: string): Record<string, string> {
  const listed = git(root, ['ls-files', '--others', '--ignored', '--exclude-standard', '-z']).split('\0');
  const skip = /(^|\/)(node_modules|\.nx|\.pytest_cache|__pycache__)(\/|$)|^tasks\.json$/;
  return Object.fromEntries(
    listed
      .filter((f) => f && !skip.test(f))
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(fs.readFileSync(path.join(root, f)))
          .digest('hex'),
      ]),
  );
}

describe('examples/polyglot on agents', () => {
  it('fleet run finishes green with the statuses, hashes and outputs of a local nx run-many', async () => {
    // The local run: a clone of the same commit, nothing distributed.
    const local = agentClone(bare);
    try {
      local.nxOk([...NX_ARGS, '--output-style=static'], { env: docker.env() });
      const localTasks = JSON.parse(local.read('.nx/task-hashes.json')) as Record<string, RecordedTask>;
      const localOutputs = outputFiles(local.root);
      const graph = JSON.parse(local.nxOk([...NX_ARGS, '--graph=stdout'])) as {
        tasks: { tasks: Record<string, { cache?: boolean }>; dependencies: Record<string, Array<{ id: string }>> };
      };
      const uncached = Object.keys(graph.tasks.tasks)
        .filter((id) => graph.tasks.tasks[id].cache === false)
        .sort();

      const started = Date.now();
      const r = await cluster.run(ws, NX_ARGS, 150_000, docker.env());
      const seconds = (Date.now() - started) / 1000;
      expect(r.code, r.output).toBe(0);
      const summary = r.summary!;
      expect(summary.status).toBe('success');

      // The same tasks, all succeeded on the agents (the scoped @polyglot/* names included).
      const ids = Object.keys(localTasks).sort();
      expect(summary.tasks.map((t) => t.taskId).sort()).toEqual(ids);
      expect(ids).toContain('@polyglot/api:test');
      for (const id of ids) expect(localTasks[id].status, id).toBe('success');
      for (const t of summary.tasks) expect(t.status, t.taskId).toBe('success');

      // The GPU-tagged project's test ran on the GPU agent with one device; nothing else did.
      const byId = Object.fromEntries(summary.tasks.map((t) => [t.taskId, t]));
      expect(byId['polyglot-trainer:test']).toMatchObject({
        agent: 'gpu-a',
        requirement: { labels: ['gpu'], gpus: 1 },
      });
      expect(byId['polyglot-trainer:test'].gpus).toHaveLength(1);
      const agentsUsed = new Set(summary.tasks.map((t) => t.agent));
      expect(agentsUsed.has('cpu-a') || agentsUsed.has('cpu-b')).toBe(true);

      // The replay took every cacheable task from the remote cache, with the hashes of the local
      // run; the ones Nx never caches (docker builds, a package.json script) it ran again, and says so.
      const replay = JSON.parse(ws.read('.nx/task-hashes.json')) as Record<string, RecordedTask>;
      expect(Object.keys(replay).sort()).toEqual(ids);
      for (const id of ids) {
        expect(replay[id].status, id).toBe(uncached.includes(id) ? 'success' : 'remote-cache');
        expect(replay[id].hash, id).toBe(localTasks[id].hash);
      }
      expect(uncached).toContain('api-image:docker-build');
      expect(r.output).toContain(`ran again in the replay, as Nx runs them every time: ${uncached.join(', ')}`);
      expect((summary as { replayMisses?: unknown[] }).replayMisses).toEqual([]);
      // The outputs on disk are the local run's, byte for byte.
      const outputs = outputFiles(ws.root);
      expect(Object.keys(outputs).length).toBeGreaterThan(5);
      expect(outputs).toEqual(localOutputs);
      // Each image was built once per place that ran its (uncached) task: locally, on an agent, in
      // the replay; and once more on the agent of each task that depends on it (an uncached
      // dependency cannot arrive as a cache hit, so `nx run` there builds it again).
      const images = docker
        .calls()
        .filter((c) => c.argv[0] === 'build')
        .map((c) => c.argv[c.argv.indexOf('-t') + 1]);
      for (const project of ['api-image', 'base-node', 'report-image']) {
        const id = `${project}:docker-build`;
        const dependents = Object.values(graph.tasks.dependencies).filter((d) => d.some((x) => x.id === id)).length;
        expect(
          images.filter((i) => i === `${project}:latest`),
          id,
        ).toHaveLength(3 + dependents);
      }
      console.log(
        `polyglot: ${ids.length} tasks on ${agentsUsed.size} agents in ${seconds.toFixed(1)}s, ` +
          `${Object.keys(outputs).length} output files equal to the local run's; ${uncached.length} uncached tasks ran again in the replay`,
      );
    } finally {
      local.dispose();
    }
  }, 240_000);
});
