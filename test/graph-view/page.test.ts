import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createWorkspace, launchChromium, saveScreenshot, type TestWorkspace } from '../rig';
import type { AffectedResult, WhyResult } from '../../graph/query';
import { generateLargeWorkspace, INKED_PIXELS, writePage } from './support';

interface GraphJson {
  projects: Record<string, unknown>;
  files: Record<string, { imports: string[] }>;
}

const CYCLE = {
  'libs/util/src/cycle-a.ts': "export const a = 1;\nimport { b } from './cycle-b';\nexport const ab = b;\n",
  'libs/util/src/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = a;\n",
};

// WebGL is forced (`?renderer=webgl`): left to choose, the page draws with Canvas 2D where WebGL
// is a software rasteriser, as in this headless Chromium (tested below).
const MODES = [
  { renderer: 'webgl', args: [] as string[], query: '?renderer=webgl' },
  { renderer: 'canvas', args: ['--disable-webgl'], query: '' },
];
const QUERY = new Map<Browser, string>();

async function open(browser: Browser, file: string, hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}${QUERY.get(browser) ?? ''}${hash}`);
  await page.waitForFunction('window.fleetGraph && window.fleetGraph.ready', null, { timeout: 120_000 });
  expect(errors).toEqual([]);
  return page;
}

const texts = (page: Page, testid: string) =>
  page
    .locator(`[data-testid=${testid}] > li`)
    .evaluateAll((els) => els.map((e) => (e as { textContent: string }).textContent));
const attrs = (page: Page, testid: string, attr: string) =>
  page
    .locator(`[data-testid=${testid}] > li`)
    .evaluateAll((els, a) => els.map((e) => (e as { getAttribute(n: string): string }).getAttribute(a)), attr);

describe('the graph page in headless Chromium (WebGL and Canvas 2D)', () => {
  let ws: TestWorkspace;
  let large: string;
  let graph: GraphJson;
  let smallPage: string;
  let largePage: string;
  const browsers: Record<string, Browser> = {};

  beforeAll(async () => {
    ws = createWorkspace({ fixture: 'examples/polyglot', files: CYCLE });
    graph = JSON.parse(ws.fleet(['graph', '--json', '--files']).stdout) as GraphJson;
    smallPage = writePage(ws.root, ws.path('.graph/polyglot.html'));
    large = generateLargeWorkspace();
    largePage = writePage(large, path.join(large, '.graph', 'large.html'));
    for (const m of MODES) {
      browsers[m.renderer] = await launchChromium(m.args);
      QUERY.set(browsers[m.renderer], m.query);
    }
  }, 240_000);
  afterAll(async () => {
    for (const b of Object.values(browsers)) await b.close();
    ws?.dispose();
    if (large) fs.rmSync(large, { recursive: true, force: true });
  });

  it('writes one self-contained page: the bundle and the data inlined, nothing fetched', () => {
    const html = fs.readFileSync(smallPage, 'utf8');
    expect(html).toContain('id="fleet-graph-data"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/);
  });

  it('left to choose, the page draws with WebGL only where a GPU draws it, else Canvas 2D, and says why', async () => {
    const page = await browsers.webgl.newPage();
    await page.goto(`file://${smallPage}`);
    await page.waitForFunction('window.fleetGraph && window.fleetGraph.ready', null, { timeout: 120_000 });
    const gl = (await page.evaluate(`(() => {
      const c = document.createElement('canvas').getContext('webgl');
      const i = c && c.getExtension('WEBGL_debug_renderer_info');
      return c ? String(c.getParameter(i ? i.UNMASKED_RENDERER_WEBGL : c.RENDERER)) : null;
    })()`)) as string | null;
    expect(gl).not.toBeNull();
    const software = /swiftshader|llvmpipe|softpipe|software/i.test(gl!);
    console.log(`this Chromium's WebGL: ${gl} (${software ? 'software' : 'GPU'})`);
    expect(await page.getByTestId('renderer').textContent()).toBe(software ? 'canvas' : 'webgl');
    expect(await page.getByTestId('renderer').getAttribute('title')).toContain(
      software ? 'software rasteriser' : 'WebGL (',
    );
    await page.close();
    const none = await browsers.canvas.newPage();
    await none.goto(`file://${smallPage}`);
    await none.waitForFunction('window.fleetGraph && window.fleetGraph.ready', null, { timeout: 120_000 });
    expect(await none.getByTestId('renderer').textContent()).toBe('canvas');
    expect(await none.getByTestId('renderer').getAttribute('title')).toContain('no WebGL');
    await none.close();
  });

  for (const { renderer } of MODES) {
    describe(renderer, () => {
      it('polyglot: projects first, with every label legible and none overlapping', async () => {
        const page = await open(browsers[renderer], smallPage);
        expect(await page.getByTestId('renderer').textContent()).toBe(renderer);
        const placed = (await page.evaluate('fleetGraph.view.placedLabels.map((l) => l.text)')) as string[];
        expect(placed.sort()).toEqual(Object.keys(graph.projects).sort());
        const boxes = (await page.evaluate('fleetGraph.view.placedLabels')) as Array<{
          left: number;
          top: number;
          width: number;
          height: number;
        }>;
        for (const a of boxes)
          for (const b of boxes)
            if (a !== b)
              expect(
                a.left < b.left + b.width &&
                  b.left < a.left + a.width &&
                  a.top < b.top + b.height &&
                  b.top < a.top + a.height,
              ).toBe(false);
        expect(await page.evaluate(INKED_PIXELS)).toBeGreaterThan(500);
        await saveScreenshot(page, `graph-projects-${renderer}`);
        await page.close();
      });

      it('polyglot: search and focus show the imports and importers the JSON graph has', async () => {
        const page = await open(browsers[renderer], smallPage);
        await page.getByTestId('search').fill('strings');
        expect(await texts(page, 'search-results')).toContain('libs/util/src/strings.ts');
        await page.locator('[data-testid=search-results] a', { hasText: /^libs\/util\/src\/strings\.ts$/ }).click();
        const target = 'libs/util/src/strings.ts';
        const expected = new Set([...graph.files[target].imports]);
        for (const [f, n] of Object.entries(graph.files)) if (n.imports.includes(target)) expected.add(f);
        expect((await texts(page, 'focus-list')).map((t) => t.replace(/ \(\d+\)$/, '')).sort()).toEqual(
          [...expected].sort(),
        );
        expect(await page.evaluate('fleetGraph.view.mode')).toBe('files');
        // The focused node's label is always drawn (first in line), and no two labels overlap.
        expect(await page.evaluate('fleetGraph.view.placedLabels.map((l) => l.text)')).toContain('util/src/strings.ts');
        expect(await page.evaluate(INKED_PIXELS)).toBeGreaterThan(200);
        await saveScreenshot(page, `graph-focus-${renderer}`);
        await page.close();
      });

      it('polyglot: language filter, packages and images toggles change what is drawn by what the data says', async () => {
        const page = await open(browsers[renderer], smallPage, '#files');
        const drawn = async () => Number((await page.getByTestId('visible').textContent())?.split(' ')[0]);
        const files = (await page.evaluate('fleetGraph.view.g.files')) as string[];
        const externals = (await page.evaluate('fleetGraph.view.data.layout.externals')) as string[];
        const images = externals.filter((e) => e.startsWith('image:'));
        expect(images.length).toBeGreaterThan(0);
        expect(await drawn()).toBe(files.length);
        await page.locator('[data-language=python]').uncheck();
        expect(await drawn()).toBe(files.filter((f) => !/\.pyi?$/.test(f)).length);
        await page.locator('[data-language=python]').check();
        await page.getByTestId('toggle-externals').check();
        expect(await drawn()).toBe(files.length + externals.length - images.length);
        await page.getByTestId('toggle-images').check();
        expect(await drawn()).toBe(files.length + externals.length);
        await page.getByTestId('color-by').selectOption('language');
        expect(await page.evaluate('fleetGraph.view.colorBy')).toBe('language');
        if (renderer === 'webgl') await saveScreenshot(page, 'graph-files-by-language');
        await page.close();
      });

      it('polyglot: why lists the chain `fleet why` prints, with its lines', async () => {
        const cli = JSON.parse(
          ws.fleet(['why', 'apps/api/src/index.ts', 'libs/util/src/strings.ts', '--json']).stdout,
        ) as WhyResult;
        const page = await open(browsers[renderer], smallPage);
        await page.getByTestId('tab-why').click();
        await page.getByTestId('why-from').fill('apps/api/src/index.ts');
        await page.getByTestId('why-to').fill('libs/util/src/strings.ts');
        await page.getByTestId('why-run').click();
        expect(await attrs(page, 'why-list', 'data-from')).toEqual(cli.chain.map((s) => s.from));
        expect(await attrs(page, 'why-list', 'data-line')).toEqual(cli.chain.map((s) => String(s.line ?? '')));
        expect((await texts(page, 'why-list'))[0]).toBe('apps/api/src/index.ts:1 imports apps/api/src/routes.ts');
        if (renderer === 'webgl') await saveScreenshot(page, 'graph-why');
        await page.getByTestId('why-from').fill('no/such/file.ts');
        await page.getByTestId('why-run').click();
        expect(await page.getByTestId('why-error').textContent()).toMatch(
          /^no\/such\/file\.ts: no project of that name/,
        );
        await page.close();
      });

      it('polyglot: cycles list the known file cycle and no project cycle', async () => {
        const page = await open(browsers[renderer], smallPage, '#files');
        await page.getByTestId('tab-cycles').click();
        await page.getByTestId('cycles-run').click();
        expect(await texts(page, 'cycles-files')).toEqual(['libs/util/src/cycle-a.ts ⇄ libs/util/src/cycle-b.ts']);
        expect(await texts(page, 'cycles-projects')).toEqual([]);
        const lit = (await page.evaluate('[...fleetGraph.view.highlight.nodes]')) as string[];
        expect(lit.sort()).toEqual(['libs/util/src/cycle-a.ts', 'libs/util/src/cycle-b.ts']);
        if (renderer === 'webgl') await saveScreenshot(page, 'graph-cycles');
        await page.close();
      });

      it('polyglot: affected shows the projects, test files and chains `fleet affected` gives', async () => {
        const cli = JSON.parse(
          ws.fleet(['affected', '--files', 'libs/util/src/strings.ts', '--json']).stdout,
        ) as AffectedResult;
        const page = await open(browsers[renderer], smallPage);
        await page.getByTestId('tab-affected').click();
        await page.getByTestId('affected-files').fill('libs/util/src/strings.ts');
        await page.getByTestId('affected-run').click();
        expect(await attrs(page, 'affected-projects', 'data-project')).toEqual(cli.projects.map((p) => p.project));
        expect(await attrs(page, 'affected-projects', 'data-by-files')).toEqual(
          cli.projects.map((p) => String(p.byFiles)),
        );
        expect(await attrs(page, 'affected-tests', 'data-file')).toEqual(cli.testFiles.map((f) => f.file));
        expect(await texts(page, 'affected-tasks')).toEqual(cli.tasks.map((t) => t.task));
        expect((await texts(page, 'affected-tests'))[0]).toBe(
          'apps/api/src/routes.spec.ts:2 → apps/api/src/routes.ts:1 → libs/core/src/index.ts:1 → libs/core/src/article.ts:1 → libs/util/src/index.ts:1 → libs/util/src/strings.ts',
        );
        if (renderer === 'webgl') await saveScreenshot(page, 'graph-affected');
        await page.close();
      });

      it('20,000 files: every file node placed by a real layout, drawn, and focus within its neighbourhood', async () => {
        const page = await open(browsers[renderer], largePage, '#files');
        const s = (await page.evaluate(`(() => {
          const v = fleetGraph.view, g = v.g, l = v.data.layout;
          let edge = 0, edges = 0, rand = 0, bad = 0;
          for (let i = 0; i < g.files.length; i++) {
            if (!Number.isFinite(l.fileX[i]) || !Number.isFinite(l.fileY[i])) bad++;
            for (const j of g.out[i]) { edge += Math.hypot(l.fileX[i] - l.fileX[j], l.fileY[i] - l.fileY[j]); edges++; }
            const k = (i * 7919) % g.files.length;
            rand += Math.hypot(l.fileX[i] - l.fileX[k], l.fileY[i] - l.fileY[k]);
          }
          return { files: g.files.length, visible: v.visibleCount(), bad, edgeMean: edge / edges, randomMean: rand / g.files.length,
            distinct: new Set(l.fileX.map((x, i) => x + ',' + l.fileY[i])).size, timings: fleetGraph.timings };
        })()`)) as {
          files: number;
          visible: number;
          bad: number;
          edgeMean: number;
          randomMean: number;
          distinct: number;
          timings: { filesRenderMs: number };
        };
        expect(s.files).toBeGreaterThanOrEqual(20_000);
        expect(s.visible).toBe(s.files);
        expect(s.bad).toBe(0);
        // A real layout: imports are short compared with the distance between random files, and nodes do not pile up.
        expect(s.edgeMean).toBeLessThan(s.randomMean / 2);
        expect(s.distinct).toBeGreaterThan(s.files * 0.95);
        expect(await page.evaluate(INKED_PIXELS)).toBeGreaterThan(20_000);
        console.log(
          `${renderer}: ${s.files} files drawn in ${s.timings.filesRenderMs.toFixed(0)} ms; edge/random distance ${(s.edgeMean / s.randomMean).toFixed(3)}`,
        );
        await saveScreenshot(page, `graph-files-20k-${renderer}`);
        await page.getByTestId('search').fill('packages/p7/src/mod3.ts');
        await page.locator('[data-testid=search-results] a').first().click();
        const count = Number((await page.getByTestId('focus-count').textContent())?.split(' ')[0]);
        const expected = (await page.evaluate(
          `(() => { const g = fleetGraph.view.g; const i = g.fileId.get('packages/p7/src/mod3.ts'); return new Set([...g.out[i], ...g.inc[i]]).size; })()`,
        )) as number;
        expect(count).toBe(expected);
        expect(await page.evaluate('fleetGraph.timings.lastFocusMs')).toBeLessThan(2000);
        await page.close();
      });
    });
  }
});
