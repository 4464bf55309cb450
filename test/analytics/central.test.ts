import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sendOutbox,
  CentralHistory,
  loadSqlite,
  openRunStore,
  RECORD_FORMAT,
  type Explanation,
  type RunStore,
  type RunSummary,
} from '../../analytics';
import { resolveServeSettings, startCacheServer, type RunningCacheServer } from '../../cache';
import { repoRoot, type TestWorkspace } from '../rig';
import { createTokens } from '../cache/support/tokens';
import { generateWorkspace, type GeneratedWorkspace } from './support/generated-workspace';
import { withStore } from './support/store';

/**
 * Two machines (two workspaces with the same files, each with its own local store) and one
 * `fleet cache serve` holding the remote cache and the central run history. A is trusted CI
 * (token `main`); B is a pull request (token `pr`: writes pr-1, reads main then pr-1).
 */
let server: RunningCacheServer;
let central: RunStore;
let a: GeneratedWorkspace;
let b: GeneratedWorkspace;
let tokens: Record<string, string>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-central-'));

beforeAll(async () => {
  const tokensFile = path.join(dir, 'tokens.json');
  tokens = createTokens(tokensFile, {
    main: ['--write', 'main'],
    pr: ['--write', 'pr-1', '--read', 'main,pr-1'],
    ro: ['--read', 'main'],
  });
  const sqlite = loadSqlite();
  if (!sqlite.ok) throw new Error(sqlite.message);
  const opened = openRunStore({ Database: sqlite.Database, file: path.join(dir, 'central.db') });
  if (!opened.ok) throw new Error(opened.message);
  central = opened.store;
  const r = resolveServeSettings({ port: '0', store: `fs:${path.join(dir, 'cache')}`, log: 'off', tokens: tokensFile });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  server = await startCacheServer(r.settings, undefined, { history: new CentralHistory(central) });
  a = generateWorkspace(3, 11);
  b = generateWorkspace(3, 11);
});
afterAll(async () => {
  await server?.stop();
  central?.close();
  a?.ws.dispose();
  b?.ws.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (token: string, machine: string) => ({
  NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url,
  NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
  FLEET_HISTORY_URL: server.url,
  FLEET_HISTORY_TOKEN: token,
  FLEET_AGENT_NAME: machine,
});

/** nx and fleet run asynchronously here: the server lives in this process and must keep answering. */
function run(
  ws: TestWorkspace,
  bin: 'nx' | 'fleet',
  args: string[],
  extra: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const file =
    bin === 'nx'
      ? path.join(repoRoot(), 'node_modules', 'nx', 'dist', 'bin', 'nx.js')
      : path.join(repoRoot(), 'dist', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: ws.root, env: ws.env(extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function get(route: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/v1/fleet/history/${route}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
  };
}

async function post(body: unknown, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/v1/fleet/history/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
  };
}

async function runsSeenBy(token: string, want: number): Promise<RunSummary[]> {
  // Runs arrive from each command's detached sender: up to 60 s on a loaded machine (the suite's
  // fresh-clone check saw over 20 s), a bounded wait rather than a timing claim.
  for (let i = 0; i < 300; i++) {
    const { body } = await get('runs?limit=100', token);
    const runs = (body as { runs: RunSummary[] }).runs;
    if (runs.length >= want) return runs;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the central store never had ${want} runs for that token`);
}

describe('central run history in the cache server (real nx, real HTTP)', () => {
  it('a remote-cache hit on machine B names its producing run on machine A through the central store', async () => {
    const aOut = await run(a.ws, 'nx', ['run-many', '-t', 'build'], env(tokens.main, 'machine-a'));
    expect(aOut.code, aOut.stderr).toBe(0);
    const [aRun] = await runsSeenBy(tokens.main, 1);
    expect(aRun).toMatchObject({ namespace: 'main', machine: 'machine-a', tasks: 3 });
    // The sender added the run's task dependencies (the server has no project graph): the same
    // as A's graph says, so the central run page has a critical path.
    // (`build` depends on `^build`: the builds of a project's dependencies.)
    const aDeps = Object.fromEntries(a.projects.map((p) => [`${p}:build`, a.deps[p].map((d) => `${d}:build`).sort()]));
    expect(Object.values(aDeps).flat().length).toBeGreaterThan(0);
    expect(central.runDeps(aRun.runId)).toEqual(aDeps);
    const bOut = await run(b.ws, 'nx', ['run-many', '-t', 'build'], env(tokens.pr, 'machine-b'));
    expect(bOut.code, bOut.stderr).toBe(0);
    withStore(b.ws.path('.nx/fleet/history.db'), (s) => {
      const [run] = s.listRuns({ limit: 1 });
      expect(s.runTasks(run.runId).map((t) => t.cache)).toEqual(['remote', 'remote', 'remote']);
      expect(s.producerOf(s.runTasks(run.runId)[0].hash)).toBeNull();
    });
    const r = await run(b.ws, 'fleet', ['explain', 'p0:build', '--json'], env(tokens.pr, 'machine-b'));
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout) as Explanation;
    expect(e.identical).toBe(true);
    expect(e.baseline?.cache).toBe('remote');
    expect(e.producer).toMatchObject({
      runId: aRun.runId,
      namespace: 'main',
      machine: 'machine-a',
      branch: 'main',
      cache: 'miss',
    });
    expect((await run(b.ws, 'fleet', ['explain', 'p0:build'], env(tokens.pr, 'machine-b'))).stdout).toMatch(
      new RegExp(`produced by run ${aRun.runId} .*machine machine-a`),
    );
  });

  it('token scopes: a pull request writes only its namespace and main never sees it', async () => {
    const prRuns = await runsSeenBy(tokens.pr, 2);
    expect(prRuns.map((r) => r.namespace).sort()).toEqual(['main', 'pr-1']);
    expect((await get('runs', tokens.main)).body).toMatchObject({ runs: [{ namespace: 'main' }] });
    const aRun = prRuns.find((r) => r.namespace === 'main')!;
    // A pull request claiming main's run id, or any namespace, cannot write into main.
    const forged = {
      format: RECORD_FORMAT,
      runId: aRun.runId,
      namespace: 'main',
      command: 'x',
      argv: [],
      branch: 'main',
      commit: null,
      machine: 'evil',
      startTime: 1,
      endTime: 2,
      tasks: [],
    };
    expect((await post({ runs: [forged] }, tokens.pr)).body).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [{ runId: aRun.runId, problem: 'run id taken by another namespace' }],
    });
    const fresh = { ...forged, runId: 'pr-claims-main' };
    expect((await post({ runs: [fresh] }, tokens.pr)).body).toMatchObject({ accepted: 1 });
    expect(central.namespaceOf('pr-claims-main')).toBe('pr-1');
    expect((await post({ runs: [fresh] }, tokens.ro)).status).toBe(403);
    expect((await post({ runs: [fresh] }, 'not-a-token')).status).toBe(401);
    expect((await post({ runs: [{ ...fresh, runId: 'x y', format: 99 }] }, tokens.main)).body).toMatchObject({
      rejected: [{ problem: 'format: expected 1, got 99' }],
    });
    expect((await post('nope', tokens.main)).status).toBe(400);
    // A run's task dependencies may name only its own tasks (they are drawn as its critical path).
    const task = (taskId: string) => ({
      taskId,
      project: taskId.split(':')[0],
      target: 'build',
      hash: `h-${taskId}`,
      status: 'success',
      cache: 'miss',
      startTime: 1,
      endTime: 2,
      exitCode: 0,
      outputBytes: 0,
      hashDetails: null,
      manifest: null,
    });
    const withDeps = (runId: string, deps: unknown) => ({
      ...fresh,
      runId,
      tasks: [task('a:build'), task('b:build')],
      deps,
    });
    expect(
      (await post({ runs: [withDeps('deps-foreign', { 'b:build': ['main-secret:build'] })] }, tokens.pr)).body,
    ).toMatchObject({
      rejected: [{ problem: 'deps: "b:build" depends on "main-secret:build", not a task of the run' }],
    });
    expect((await post({ runs: [withDeps('deps-shape', ['a:build'])] }, tokens.pr)).body).toMatchObject({
      rejected: [{ problem: 'deps: expected an object of task id -> task ids' }],
    });
    expect((await post({ runs: [withDeps('deps-ok', { 'b:build': ['a:build'] })] }, tokens.pr)).body).toMatchObject({
      accepted: 1,
    });
    expect(central.runDeps('deps-ok')).toEqual({ 'b:build': ['a:build'] });
    // A task run the store cannot hold is refused with its problem; the request and the server go on.
    const { status: _s, ...noStatus } = task('a:build');
    expect((await post({ runs: [{ ...fresh, runId: 'no-status', tasks: [noStatus] }] }, tokens.pr)).body).toMatchObject(
      {
        rejected: [{ problem: expect.stringMatching(/^tasks: "a:build": needs a status string/) }],
      },
    );
    expect(
      (
        await post(
          { runs: [{ ...fresh, runId: 'bad-time', tasks: [{ ...task('a:build'), startTime: 'x' }] }] },
          tokens.pr,
        )
      ).body,
    ).toMatchObject({
      rejected: [{ problem: expect.stringMatching(/are numbers or null$/) }],
    });
    expect((await get('runs', tokens.pr)).status).toBe(200);
  });

  it('the outbox keeps runs while the server is unreachable and sends them, in batches, once it answers', async () => {
    const box = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-outbox-'));
    const rec = (i: number) => ({
      format: RECORD_FORMAT,
      runId: `outbox-${i}`,
      namespace: 'x',
      command: 'nx',
      argv: [],
      branch: 'main',
      commit: null,
      machine: 'm',
      startTime: i,
      endTime: i + 1,
      tasks: [],
    });
    for (let i = 0; i < 120; i++)
      fs.writeFileSync(path.join(box, `outbox-${String(i).padStart(3, '0')}.json`), JSON.stringify(rec(i)));
    expect(await sendOutbox(box, 'http://127.0.0.1:9', tokens.main, { attempts: 2, baseDelayMs: 10 })).toBe(0);
    expect(fs.readdirSync(box).filter((f) => f.endsWith('.json'))).toHaveLength(120);
    expect(await sendOutbox(box, server.url, tokens.main, { attempts: 2, baseDelayMs: 10 })).toBe(120);
    expect(fs.readdirSync(box)).toEqual([]);
    expect(central.namespaceOf('outbox-7')).toBe('main');
    fs.rmSync(box, { recursive: true, force: true });
  });
});
