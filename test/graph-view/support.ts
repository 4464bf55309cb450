import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../rig';

/** Generates the 20,000-file workspace of bench/graph-ts (500 projects x 40 files) into a temp folder. */
export function generateLargeWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-gv20k-'));
  execFileSync(process.execPath, [path.join(repoRoot(), 'bench', 'graph-ts', 'generate.mjs'), '--out', dir], {
    stdio: 'ignore',
  });
  return dir;
}

/** Writes `fleet graph --html` for a workspace and returns the page's path. */
export function writePage(root: string, out: string): string {
  execFileSync(
    process.execPath,
    [path.join(repoRoot(), 'dist', 'cli', 'main.js'), 'graph', '--cwd', root, '--html', out],
    {
      stdio: 'ignore',
      maxBuffer: 1 << 28,
    },
  );
  return out;
}

/** In-page: how many pixels of the graph canvas are not white (both renderers keep their drawing buffer). */
export const INKED_PIXELS = `(async () => {
  const src = document.querySelector('[data-testid=graph-canvas]');
  const img = new Image();
  img.src = src.toDataURL();
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) n++;
  return n;
})()`;
