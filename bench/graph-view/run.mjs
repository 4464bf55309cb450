#!/usr/bin/env node
// The graph page on 20,000 files (bench/graph-ts's generated workspace: 500 projects x 40 files)
// in headless Chromium, WebGL and Canvas 2D: first render with every file node placed (the
// page's performance mark `fleet-graph:first-render`, from navigation start: parsing the inlined
// data and bundle, indexing the graph, drawing every node and edge, waiting for the GPU), and
// focus on a node (search result clicked -> n-hop neighbourhood highlighted and drawn, measured
// in the page). Targets: first render <= 3 s, focus <= 100 ms. Nx has no file-level view to run
// side by side, so the ratios printed are to the targets. Also prints how long `fleet graph
// --html` takes (analysis + layout). Usage: node bench/graph-view/run.mjs [--rounds N]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3) || 3;
const work = path.join(repo, 'bench', '.work', 'graph-view');
const ws = path.join(work, 'ws');
if (!fs.existsSync(path.join(ws, 'nx.json'))) {
  fs.mkdirSync(work, { recursive: true });
  execFileSync(process.execPath, [path.join(repo, 'bench', 'graph-ts', 'generate.mjs'), '--out', ws], {
    stdio: 'ignore',
  });
}
const html = path.join(work, 'graph.html');
const t0 = Date.now();
const out = execFileSync(
  process.execPath,
  [path.join(repo, 'dist', 'cli', 'main.js'), 'graph', '--cwd', ws, '--html', html],
  {
    encoding: 'utf8',
  },
);
const htmlMs = Date.now() - t0;
console.log(
  `fleet graph --html: ${htmlMs} ms in all; ${out.trim()}; page ${(fs.statSync(html).size / 1e6).toFixed(1)} MB`,
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const FOCUS = [
  'packages/p7/src/mod3.ts',
  'packages/p250/src/mod10.ts',
  'packages/p499/src/mod1.ts',
  'packages/p42/src/mod20.ts',
];
// WebGL forced with ?renderer=webgl (left to choose, the page uses Canvas 2D where WebGL is a
// software rasteriser: the 'auto' row is what a user of this machine gets).
for (const [renderer, args, query, expected] of [
  ['webgl', [], '?renderer=webgl', 'webgl'],
  ['canvas', ['--disable-webgl'], '', 'canvas'],
  ['auto', [], '', null],
]) {
  const browser = await chromium.launch({
    executablePath: process.env.FLEET_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...args],
  });
  const first = [];
  const focus = [];
  const chosen = new Set();
  for (let r = 0; r < rounds; r++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(`file://${html}${query}#files`);
    await page.waitForFunction('window.fleetGraph && window.fleetGraph.ready', null, { timeout: 120000 });
    const m = await page.evaluate(`(() => ({
      first: performance.getEntriesByName('fleet-graph:first-render')[0].startTime,
      kind: fleetGraph.view.renderer.kind, placed: fleetGraph.view.visibleCount(), files: fleetGraph.view.g.files.length }))()`);
    if ((expected && m.kind !== expected) || m.placed !== m.files)
      throw new Error(`unexpected page state ${JSON.stringify(m)}`);
    first.push(m.first);
    chosen.add(m.kind);
    for (const f of FOCUS) {
      await page.getByTestId('search').fill(f);
      await page.locator('[data-testid=search-results] a').first().click();
      focus.push(await page.evaluate('fleetGraph.timings.lastFocusMs'));
    }
    await page.close();
  }
  await browser.close();
  const f = median(first);
  const fo = median(focus);
  console.log(
    `${renderer.padEnd(6)}${expected ? '' : ` (the page chose ${[...chosen].join(', ')})`} first render (20,002 files placed) p50 ${f.toFixed(0)} ms (${(f / 3000).toFixed(2)} x target 3 s) | ` +
      `focus p50 ${fo.toFixed(1)} ms, max ${Math.max(...focus).toFixed(1)} ms (${(fo / 100).toFixed(2)} x target 100 ms) | ${rounds} rounds, ${focus.length} focus`,
  );
}
