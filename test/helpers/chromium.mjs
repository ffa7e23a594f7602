// Headless Chromium (Debian's `chromium`, driven by playwright-core, which downloads no browser)
// for the HTML report: opens a file:// page in a fresh profile, records console errors, page
// errors and every network request. Plain JavaScript so that bench/report-render.mjs shares it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Flags of a quiet, offline browser: no sandbox (containers), no GPU, no background traffic of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

/** The Chromium to use: FLOWHOUND_CHROMIUM, else Debian's or Ubuntu's; null when there is none. */
export function chromiumPath() {
  const candidates = [process.env.FLOWHOUND_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/**
 * A browser with a fresh profile. `open(htmlPath)` loads a page and returns it with what it
 * did: console errors, uncaught errors, and the URLs it requested besides itself.
 */
export async function launchChromium({ viewport = { width: 1400, height: 900 } } = {}) {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium found: apt-get install chromium, or set FLOWHOUND_CHROMIUM');
  const profile = mkdtempSync(join(tmpdir(), 'flowhound-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    offline: false,
  });
  const requests = [];
  context.on('request', (request) => requests.push(request.url()));
  return {
    context,
    async open(htmlPath, { waitForDrawn = true, timeoutMs = 30_000 } = {}) {
      const url = pathToFileURL(htmlPath).href;
      const page = await context.newPage();
      const consoleErrors = [];
      const pageErrors = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      const before = requests.length;
      await page.goto(url, { waitUntil: 'load' });
      if (waitForDrawn) await page.waitForFunction(() => typeof window.__reportDrawnMs === 'number', null, { timeout: timeoutMs });
      const otherRequests = () => requests.slice(before).filter((requested) => requested !== url);
      return { page, url, consoleErrors, pageErrors, otherRequests };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Pixels of a canvas that are not white or transparent, read inside the page. */
export async function paintedPixels(page, selector) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel);
    if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250)) painted++;
    }
    return painted;
  }, selector);
}
