import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '.';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test('headless Chromium renders a page and gives a WebGL context (and none with --disable-webgl)', async () => {
  const page = await browser.newPage();
  await page.setContent('<canvas id="c"></canvas><p>hello</p>');
  expect(await page.textContent('p')).toBe('hello');
  expect(await page.evaluate("!!document.querySelector('canvas').getContext('webgl')")).toBe(true);
  await page.close();
  const noGl = await launchChromium(['--disable-webgl']);
  try {
    const p2 = await noGl.newPage();
    await p2.setContent('<canvas id="c"></canvas>');
    expect(await p2.evaluate("!!document.querySelector('canvas').getContext('webgl')")).toBe(false);
  } finally {
    await noGl.close();
  }
});
