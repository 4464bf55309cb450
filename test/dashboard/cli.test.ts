import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPage, RunsPage } from '../../dashboard';
import { createWorkspace, repoRoot, type TestWorkspace } from '../rig';

/** c1 and c2 wait for c0, c3 for both (implicit dependencies, ^build); c2 is the long one. */
const DAG: Record<string, { deps: string[]; ms: number }> = {
  c0: { deps: [], ms: 200 },
  c1: { deps: ['c0'], ms: 20 },
  c2: { deps: ['c0'], ms: 500 },
  c3: { deps: ['c1', 'c2'], ms: 100 },
};
let ws: TestWorkspace;
let child: ChildProcess | null = null;

beforeAll(() => {
  const files: Record<string, string> = {
    'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
    'package.json': JSON.stringify({ name: 'd', private: true }),
    'tools/sleep.js': 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));\n',
  };
  for (const [name, { deps, ms }] of Object.entries(DAG)) {
    files[`libs/${name}/project.json`] = JSON.stringify({
      name,
      root: `libs/${name}`,
      implicitDependencies: deps,
      targets: {
        build: {
          executor: 'nx:run-commands',
          cache: true,
          dependsOn: ['^build'],
          inputs: ['{projectRoot}/**/*'],
          options: { command: `node tools/sleep.js ${ms}` },
        },
      },
    });
    files[`libs/${name}/src/index.ts`] = `export const ${name} = 1;\n`;
  }
  ws = createWorkspace({ files });
});
afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  ws?.dispose();
});

/** Starts the real `fleet dashboard` in the workspace; resolves with the URL it prints. */
function startCli(args: string[]): Promise<string> {
  const bin = path.join(repoRoot(), 'dist', 'cli', 'main.js');
  child = spawn(process.execPath, [bin, 'dashboard', ...args], {
    cwd: ws.root,
    env: ws.env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child!.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /fleet dashboard: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child!.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child!.once('exit', (code) => reject(new Error(`fleet dashboard exited ${code}: ${err}`)));
  });
}

describe('fleet dashboard (the real command on a real workspace)', () => {
  it('bad options are named all at once; no store yet is said', () => {
    const bad = ws.fleet(['dashboard', '--port', 'x', '--redis', 'http://nope', '--cache-url', 'ftp://x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--port: expected an integer from 0 to 65535, got "x"/);
    expect(bad.stderr).toMatch(/--redis: expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/nope"/);
    expect(bad.stderr).toMatch(/--cache-url: expected a http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/);
    const env = ws.fleet(['dashboard'], { env: { FLEET_DASHBOARD_PORT: 'abc' } });
    expect(env.stderr).toMatch(/--port: expected an integer from 0 to 65535, got "abc" \(from FLEET_DASHBOARD_PORT\)/);
    const none = ws.fleet(['dashboard', '--port', '0']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no run history at .* yet: record a run first .*\[HISTORY_STORE_MISSING\]/);
  });

  it("serves the page and the run's critical path from the workspace's project graph", async () => {
    ws.nxOk(['run-many', '-t', 'build', '--parallel=4']);
    const url = await startCli(['--port', '0']);
    const html = await (await fetch(url)).text();
    expect(html).toMatch(/<title>nx-fleet dashboard<\/title>/);
    expect(html).not.toMatch(/<script src=/); // the bundle is inlined: offline
    const { runs } = (await (await fetch(`${url}api/runs`)).json()) as RunsPage;
    expect(runs).toHaveLength(1);
    const run = (await (await fetch(`${url}api/runs/${runs[0].runId}`)).json()) as RunPage;
    expect(run.stats.criticalPath?.tasks).toEqual(['c0:build', 'c2:build', 'c3:build']);
    expect(run.tasks.map((t) => t.taskId).sort()).toEqual(['c0:build', 'c1:build', 'c2:build', 'c3:build']);
    // A run recorded while the dashboard runs shows up without restarting it.
    ws.nxOk(['run-many', '-t', 'build']);
    // nxOk blocked this event loop: a run longer than the server's keep-alive (5 s, a loaded
    // machine) leaves a pooled socket the server has closed; let the client see that first.
    await new Promise((r) => setTimeout(r, 100));
    const again = (await (await fetch(`${url}api/runs`)).json()) as RunsPage;
    expect(again.runs).toHaveLength(2);
    expect(again.runs[0].cacheHits).toBe(4);
  });
});
