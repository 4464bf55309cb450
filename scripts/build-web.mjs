#!/usr/bin/env node
// Bundles each browser app of nx-fleet into one self-contained script under dist/web/, so the
// pages work offline (no CDN). One UI stack (Preact with JSX) and one bundler (esbuild) for
// every app: an app is a folder `<area>/web/` with a `main.tsx`, bundled to `dist/web/<area>.js`.
// Servers and `fleet graph --html` read that file and inline it into the page they send.
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const AREAS = ['dashboard', 'graph'];
const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist', 'web');
mkdirSync(outdir, { recursive: true });

const entries = AREAS.map((area) => ({ area, entry: join(root, area, 'web', 'main.tsx') })).filter((e) =>
  existsSync(e.entry),
);
for (const { area, entry } of entries) {
  await build({
    entryPoints: [entry],
    outfile: join(outdir, `${area}.js`),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}
