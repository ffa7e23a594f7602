// The HTML report of a run on CTU-13 scenario 6, rendered in headless Chromium (Debian's
// `chromium`): no console error, no network request, the ranking table, score plots and the
// heatmap drawn; a screenshot goes to test/artifacts/.
//
// Two runs are rendered. (1) Always: the committed fixture of scenario 6 WindowResults, whose
// host rows are real (flowhound features on capture20110816.binetflow.gz) and whose scores come
// from a transparent stand-in rule (test/fixtures/history/make-scenario6-windows.mjs), so that
// users' clones, without the shared data, test the page too. (2) With the shared data: a real
// `flowhound analyze --db` run of that flow file with the shipped models.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { runCommand, terminalContext } from '../../src/cli/command.js';
import { reportCommand } from '../../src/commands/report/command.js';
import { HistoryStore } from '../../src/history/store.js';
import { chromiumPath, launchChromium, paintedPixels } from '../helpers/chromium.mjs';
import { scenario6, writeScenario6Run } from '../helpers/history.js';
import { repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const CHROMIUM = chromiumPath();
const ARTIFACTS = join(repoRoot, 'test', 'artifacts');
const SHARED_DATA = process.env.FLOWHOUND_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const SCENARIO6 = join(SHARED_DATA, 'ctu13', 'capture20110816.binetflow.gz');

let dir: string;
let html: string;

beforeAll(async () => {
  dir = tempDir();
  const db = join(dir, 'history.sqlite');
  const store = HistoryStore.open(db);
  writeScenario6Run(store);
  store.close();
  html = join(dir, 'report.html');
  const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await runCommand(reportCommand, ['--db', db, '-o', html], terminalContext(new AbortController().signal))).toBe(0);
  } finally {
    quiet.mockRestore();
  }
});

describe('HTML report of scenario 6', () => {
  it('is one file that names nothing to fetch', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toMatch(/<(link|img|iframe|object|embed)\b/);
    expect(text).not.toMatch(/<script[^>]+src=/);
    expect(text).toContain(`Content-Security-Policy" content="default-src 'none'; script-src 'sha256-`);
    expect(text).toContain('147.32.84.165');
  });

  describe.skipIf(CHROMIUM === null)(`in headless Chromium${CHROMIUM === null ? ' (SKIPPED: no chromium; apt-get install chromium, or set FLOWHOUND_CHROMIUM)' : ''}`, () => {
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    beforeAll(async () => {
      browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('draws the ranking, the score plots and the heatmap without errors or requests', async () => {
      const { page, consoleErrors, pageErrors, otherRequests } = await browser.open(html);
      // The page says when it has drawn everything (bench/report-render.mjs reads this to time
      // the drawing; how long it takes is measured there, never asserted in a test).
      const drawnMs = await page.evaluate(() => (window as unknown as { __reportDrawnMs: number }).__reportDrawnMs);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-scenario6.png'), fullPage: true });

      expect(consoleErrors).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(otherRequests()).toEqual([]);
      expect(Number.isFinite(drawnMs)).toBe(true);

      // The ranking: every host, the bot first and suspicious now.
      const rows = page.locator('#ranking tbody tr');
      expect(await rows.count()).toBe(60);
      expect(await rows.nth(0).locator('td').nth(1).textContent()).toBe('147.32.84.165');
      expect(await rows.nth(0).locator('.badge').textContent()).toBe('now');

      // Score plots of the hosts that came close (at least 6, at most 20), drawn: the bot's line climbs above the threshold.
      const plots = page.locator('#plots canvas.score-plot');
      const close = await page.locator('#ranking tbody tr:not([data-far])').count();
      const plotted = Math.min(20, Math.max(6, close));
      expect(await plots.count()).toBe(plotted);
      expect(await page.locator('#plots canvas[data-drawn="true"]').count()).toBe(plotted);
      expect(await paintedPixels(page, '#plots canvas.score-plot')).toBeGreaterThan(500);

      // The heatmap: a row per host, a column per window; the bot's row is dark red where it scores high.
      expect(await paintedPixels(page, '#heatmap')).toBeGreaterThan(10_000);
      const botCell = await page.evaluate((windows) => {
        const canvas = document.querySelector('#heatmap') as HTMLCanvasElement;
        const ratio = canvas.width / canvas.getBoundingClientRect().width;
        const labelWidth = 130;
        const cellW = (canvas.width / ratio - labelWidth) / windows;
        // Row 0 (the bot), the last third of the windows.
        const x = Math.round((labelWidth + cellW * Math.floor(windows * 0.7)) * ratio);
        return Array.from(canvas.getContext('2d')!.getImageData(x, 2, 1, 1).data);
      }, scenario6().windows.length);
      expect(botCell[0]).toBeGreaterThan(120);
      expect(botCell[1]).toBeLessThan(60);

      expect(await paintedPixels(page, '#windows-chart')).toBeGreaterThan(100);
      expect(await page.locator('#groups .group').count()).toBe(1);
      expect(await page.locator('#runs tbody tr').count()).toBe(1);

      // Triage: the suspicious hosts and their evidence come first on the page.
      expect(await page.locator('#evidence .evidence-card').first().getAttribute('data-host')).toBe('147.32.84.165');
      const visible = () => page.locator('#ranking tbody tr:not(.hidden)');
      const shownCount = () => page.locator('#shown-count').textContent();
      // Hosts that never came close are folded away until asked for.
      const folded = await page.locator('#ranking tbody tr[data-far]').count();
      expect(folded).toBeGreaterThan(0);
      expect(await visible().count()).toBe(60 - folded);
      expect(await shownCount()).toBe(`${60 - folded} of 60 hosts shown`);
      // The search box filters the table: by address (folded hosts too), by words of the reasons.
      await page.fill('#host-search', '147.32.84.165');
      expect(await visible().count()).toBe(1);
      expect(await visible().first().locator('td').nth(1).textContent()).toBe('147.32.84.165');
      await page.fill('#host-search', 'smtp');
      const smtp = await visible().count();
      expect(smtp).toBeGreaterThan(0);
      for (let i = 0; i < smtp; i++) expect((await visible().nth(i).locator('td.reasons').textContent())!.toLowerCase()).toContain('smtp');
      await page.fill('#host-search', 'no such host');
      expect(await visible().count()).toBe(0);
      expect(await shownCount()).toBe('0 of 60 hosts shown');
      await page.fill('#host-search', '');
      // The state filter: suspicious now only.
      await page.selectOption('#state-filter', 'now');
      expect(await visible().count()).toBe(await page.locator('#ranking tbody tr[data-state="now"]').count());
      await page.selectOption('#state-filter', '');
      await page.check('#show-far');
      expect(await visible().count()).toBe(60);

      // The time axes: round UTC times of day, the date under the first and where the day
      // changes, ascending, inside the run's windows, and no label over another.
      const windowStarts = scenario6().windows.map((w) => w.windowStartUs);
      const [first, last] = [Math.min(...windowStarts), Math.max(...windowStarts)];
      const axes = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLCanvasElement>('#plots canvas, #heatmap, #windows-chart')).map((canvas) => ({
          id: canvas.id || 'plot',
          width: canvas.getBoundingClientRect().width,
          labels: JSON.parse(canvas.dataset.axis ?? '[]') as { tick: number; x: number; width: number; time: number; text: string; date: string | null }[],
        })),
      );
      expect(axes.length).toBe(plotted + 2);
      const utc = (us: number) => new Date(us / 1000).toISOString();
      for (const axis of axes) {
        expect(axis.labels.length, axis.id).toBeGreaterThanOrEqual(4);
        expect(axis.labels[0]!.date, axis.id).toBe(utc(axis.labels[0]!.time).slice(0, 10));
        for (const [i, label] of axis.labels.entries()) {
          expect(label.text, axis.id).toBe(utc(label.time).slice(11, 16));
          expect(label.time % (5 * 60e6), `${axis.id} ${label.text}`).toBe(0);
          expect(label.time).toBeGreaterThanOrEqual(first);
          expect(label.time).toBeLessThanOrEqual(last + 150e6);
          expect(label.x + label.width, `${axis.id} ${label.text} inside`).toBeLessThanOrEqual(axis.width);
          const next = axis.labels[i + 1];
          if (next) {
            expect(next.time, axis.id).toBeGreaterThan(label.time);
            expect(label.x + label.width + 6, `${axis.id}: ${label.text} clear of ${next.text}`).toBeLessThanOrEqual(next.x);
          }
        }
      }
      // x is time: in a plot, the gap between two labels is in proportion to the time between them.
      const plot = axes.find((axis) => axis.id === 'plot')!.labels;
      const pxPerUs = (plot[1]!.tick - plot[0]!.tick) / (plot[1]!.time - plot[0]!.time);
      expect(Math.abs(plot.at(-1)!.tick - (plot[0]!.tick + pxPerUs * (plot.at(-1)!.time - plot[0]!.time)))).toBeLessThan(1.5);

      // Clicking a host lower in the table plots it on demand.
      await rows.nth(40).click();
      expect(await page.locator('#pinned-plots canvas[data-drawn="true"]').count()).toBe(1);
      expect(consoleErrors).toEqual([]);
      expect(otherRequests()).toEqual([]);
      await page.close();
    });
  });

  const noSharedData = existsSync(SCENARIO6) ? '' : ` (SKIPPED: ${SCENARIO6} absent; the shared data is not in users' clones, set FLOWHOUND_SHARED_DATA)`;

  it.skipIf(!existsSync(SCENARIO6))(`fixture comes from the real scenario 6 flow file${noSharedData}`, () => {
    const fixture = scenario6();
    const bytes = readFileSync(SCENARIO6);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(fixture.input.sha256);
    expect(bytes.length).toBe(fixture.input.sizeBytes);
  });

  // The acceptance run: `flowhound analyze --db` with the shipped models on scenario 6's flows,
  // then `flowhound report`, rendered.
  it.skipIf(!existsSync(SCENARIO6) || CHROMIUM === null)(`of a real analyze run of scenario 6 renders in Chromium${noSharedData}`, async () => {
    const db = join(dir, 'analyzed.sqlite');
    const analyzed = runCli(['analyze', SCENARIO6, '--utc-offset', '120', '--lan', '147.32.0.0/16', '--db', db, '-q', '-o', join(dir, 'analyzed.json')]);
    expect(analyzed.status, analyzed.stderr).toBe(0);
    const store = HistoryStore.open(db, { mode: 'read' });
    expect(store.runs().map((r) => [r.status, r.windows])).toEqual([['finished', 54]]);
    store.close();
    const page = join(dir, 'analyzed.html');
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runCommand(reportCommand, ['--db', db, '-o', page], terminalContext(new AbortController().signal))).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    const browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
    try {
      const { page: tab, consoleErrors, pageErrors, otherRequests } = await browser.open(page);
      mkdirSync(ARTIFACTS, { recursive: true });
      await tab.screenshot({ path: join(ARTIFACTS, 'report-scenario6-analyze.png'), fullPage: true });
      expect(consoleErrors).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(otherRequests()).toEqual([]);
      // The Menti bot of scenario 6 ranks first, suspicious now.
      const first = tab.locator('#ranking tbody tr').first();
      expect(await first.locator('td').nth(1).textContent()).toBe('147.32.84.165');
      expect(await first.locator('.badge').textContent()).toBe('now');
      expect(await tab.locator('#ranking tbody tr').count()).toBeGreaterThan(1000);
      // The hosts that came close to the threshold are plotted (7 of 1,112 here), not 20 flat lines.
      const close = await tab.locator('#ranking tbody tr:not([data-far])').count();
      expect(await tab.locator('#plots canvas[data-drawn="true"]').count()).toBe(Math.min(20, Math.max(6, close)));
      expect(await paintedPixels(tab, '#plots canvas.score-plot')).toBeGreaterThan(500);
      expect(await paintedPixels(tab, '#heatmap')).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
