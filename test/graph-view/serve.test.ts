import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { createWorkspace, launchChromium, repoRoot, saveScreenshot, type TestWorkspace } from '../rig';

describe('fleet graph --serve: the live page over real HTTP on loopback', () => {
  let ws: TestWorkspace;
  let server: ChildProcess;
  let url: string;
  let browser: Browser;
  let log = '';

  beforeAll(async () => {
    ws = createWorkspace({ fixture: 'examples/polyglot' });
    server = spawn(
      process.execPath,
      [path.join(repoRoot(), 'dist', 'cli', 'main.js'), 'graph', '--serve', '--port', '0'],
      {
        cwd: ws.root,
        env: ws.env(),
      },
    );
    server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      server.once('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    ws?.dispose();
  });

  it('serves the page, its data and 404s; a bad request does not stop it', async () => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-served="true"');
    const data = (await (await fetch(`${url}data.json`)).json()) as { graph: { projects: Record<string, unknown> } };
    expect(Object.keys(data.graph.projects)).toContain('util');
    expect((await fetch(`${url}nope`)).status).toBe(404);
    expect((await fetch(`${url}data.json`, { method: 'POST' })).status).toBe(405);
    const bad = await fetch(`${url}api/changed?base=--output=/tmp/x`);
    expect(bad.status).toBe(400);
    expect((await fetch(`${url}api/changed?base=no-such-ref`)).status).toBe(400);
    expect((await fetch(url)).status).toBe(200);
  });

  it('updates the open page when a file changes, and the base ref gives the changed files', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(url);
    await page.waitForFunction('window.fleetGraph && window.fleetGraph.ready', null, { timeout: 60_000 });
    expect(await page.evaluate('fleetGraph.view.g.fileId.has("libs/util/src/live.ts")')).toBe(false);
    ws.write('libs/util/src/live.ts', "import { slugify } from './strings';\nexport const live = slugify;\n");
    await page.waitForFunction(
      'fleetGraph.updates > 0 && fleetGraph.view.g.fileId.has("libs/util/src/live.ts")',
      null,
      {
        timeout: 60_000,
      },
    );
    const changed = (await (await fetch(`${url}api/changed?base=HEAD`)).json()) as { files: string[] };
    expect(changed.files).toEqual(['libs/util/src/live.ts']);
    await page.getByTestId('tab-affected').click();
    await page.getByTestId('affected-base').fill('HEAD');
    await page.getByTestId('affected-run').click();
    await page.getByTestId('affected-projects').waitFor();
    const projects = await page
      .locator('[data-testid=affected-projects] > li')
      .evaluateAll((els) => els.map((e) => (e as { getAttribute(n: string): string }).getAttribute('data-project')));
    expect(projects).toEqual(['@polyglot/api', 'api-image', 'core', 'util']);
    await saveScreenshot(page, 'graph-serve-affected');
    await page.close();
    expect(log).toContain('graph updated');
  });

  it('a port in use, a bad port and an unwritable --html file: one diagnostic each, nothing left running', () => {
    const bin = path.join(repoRoot(), 'dist', 'cli', 'main.js');
    const port = new URL(url).port;
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bin, 'graph', ...args], {
        cwd: ws.root,
        env: ws.env(),
        encoding: 'utf8',
        timeout: 60_000,
      });
    const busy = run(['--serve', '--port', port]);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toBe(`fleet: --port ${port}: already in use [FLEET_GRAPH_PORT_UNAVAILABLE]\n`);
    const bad = run(['--serve', '--port', 'http']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('fleet: --port http: not a port number [FLEET_GRAPH_BAD_PORT]\n');
    fs.writeFileSync(ws.path('a-file'), '');
    const unwritable = run(['--html', 'a-file/graph.html']);
    expect(unwritable.status).toBe(1);
    expect(unwritable.stderr).toMatch(
      /^fleet: a-file\/graph\.html: cannot write: E\w+ \[FLEET_GRAPH_WRITE_FAILED\]\n$/,
    );
  });
});
