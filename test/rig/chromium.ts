// Real headless Chromium for page tests: playwright-core driving Debian's /usr/bin/chromium
// (no downloaded browser). The flags are the ones this machine needs: no sandbox (tests run as
// root in a container), no GPU process, and nothing that reaches the network on start-up.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './workspace';

export const CHROMIUM_PATH = process.env.FLEET_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches Chromium. `extraArgs` adds flags, e.g. `--disable-webgl` to force a page's Canvas
 * fallback. `--disable-gpu` still leaves WebGL through SwiftShader on Chromium 156.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

/** Where tests save screenshots that docs use: docs/images/<name>.png. */
export const SCREENSHOT_DIR = path.join(repoRoot(), 'docs', 'images');

/** Saves a full-page screenshot as docs/images/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
