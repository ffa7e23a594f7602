#!/usr/bin/env node
// The HTML report at scale: a history of 1,000 hosts × 500 windows (seeded), the report
// written from it, and the time Chromium takes to draw it fully (the page sets
// `window.__reportDrawnMs`, ms since navigation start, once the table, heatmap, per-window
// chart and top-20 plots are on screen). Target: under 2 s.
//
//   node bench/report-render.mjs [--hosts 1000] [--windows 500] [--repeat 5]
//
// Needs `npm install` (dist/) and Chromium (Debian: apt-get install chromium; or
// FLOWHOUND_CHROMIUM=/path/to/chrome). Writes bench/results/report-render.json.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { runReport } from '../dist/src/commands/report/run.js';
import { HistoryStore } from '../dist/src/history/store.js';
import { chromiumPath, launchChromium, paintedPixels } from '../test/helpers/chromium.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { hosts: { type: 'string', default: '1000' }, windows: { type: 'string', default: '500' }, repeat: { type: 'string', default: '5' } },
});
const HOSTS = Number(values.hosts);
const WINDOWS = Number(values.windows);
const REPEAT = Number(values.repeat);
const BOTS = Math.max(1, Math.round(HOSTS / 50));
const START_US = 1_700_000_000_000_000;
const STEP_US = 150_000_000;

/** Seeded uniform numbers in [0, 1). */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const work = mkdtempSync(join(tmpdir(), 'flowhound-report-bench-'));
try {
  const db = join(work, 'history.sqlite');
  const next = random(7);
  let started = performance.now();
  const store = HistoryStore.open(db);
  const input = { path: 'bench-lan.pcap', sizeBytes: 1, sha256: 'b'.repeat(64) };
  const runId = store.beginRun({
    options: { inputs: [input.path], lan: ['10.0.0.0/8'], windowSeconds: (2 * STEP_US) / 1e6, stepSeconds: STEP_US / 1e6, utcOffsetMinutes: 0, threshold: 0.5, minFlows: 1, ranges: [], models: [] },
    versions: { flowhound: 'bench', core: 'bench', node: process.version, schema: 1 },
    models: [{ kind: 'host', path: 'bench', sha256: 'a'.repeat(64), threshold: 0.5 }],
    inputs: [input],
    startedAt: new Date().toISOString(),
    interrupted: false,
  });
  // Bots: active from a random window on, high scores with noise; others: low scores, some spikes.
  const botFrom = Array.from({ length: HOSTS }, (_, h) => (h < BOTS ? Math.floor(next() * WINDOWS * 0.6) : Infinity));
  let rows = 0;
  for (let w = 0; w < WINDOWS; w++) {
    const hosts = [];
    for (let h = 0; h < HOSTS; h++) {
      if (next() < 0.15) continue; // silent in this window
      const bot = w >= botFrom[h];
      const score = bot ? 0.55 + 0.4 * next() : next() < 0.002 ? 0.3 + 0.3 * next() : 0.2 * next() ** 2;
      const flows = Math.round(5 + 200 * next());
      hosts.push({
        host: `10.${(h >> 16) & 255}.${(h >> 8) & 255}.${h & 255}`,
        windowStartUs: START_US + w * STEP_US,
        score,
        flows,
        botnetFlows: bot ? Math.round(flows * 0.6) : 0,
        reasons: score >= 0.5 ? [`${Math.round(flows * 0.6)} SMTP connection attempts to ${Math.round(10 + 100 * next())} servers`, `${Math.round(60 + 40 * next())}% of the TCP connections it opened failed or were reset`] : [],
        behaviour: Array.from({ length: 30 }, (_, j) => (bot ? (h % 3) * 100 + j : j / 2) * (1 + 0.1 * next())),
      });
    }
    rows += hosts.length;
    store.commitWindow(runId, { input: input.path, windowStartUs: START_US + w * STEP_US, hosts }, 0.5);
  }
  store.finishRun(runId, { interrupted: false });
  store.close();
  const historySeconds = (performance.now() - started) / 1000;
  console.log(`history: ${HOSTS} hosts × ${WINDOWS} windows, ${rows} host rows in ${historySeconds.toFixed(1)} s (${(statSync(db).size / 1e6).toFixed(1)} MB)`);

  const html = join(work, 'report.html');
  started = performance.now();
  await runReport({ db, passphrase: null, runIds: null, fromUs: null, toUs: null, compare: null, output: html, format: null, list: false, quiet: true });
  const reportSeconds = (performance.now() - started) / 1000;
  const htmlBytes = statSync(html).size;
  console.log(`report: ${(htmlBytes / 1e6).toFixed(2)} MB of HTML in ${reportSeconds.toFixed(2)} s`);

  if (!chromiumPath()) throw new Error('no Chromium: apt-get install chromium, or set FLOWHOUND_CHROMIUM');
  const browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
  const drawnMs = [];
  const wallMs = [];
  /** The page's script starts once the HTML before it (tables, text) is parsed; the rest of drawnMs is drawing. */
  const scriptStartMs = [];
  try {
    for (let i = 0; i < REPEAT; i++) {
      const before = performance.now();
      const { page, consoleErrors, pageErrors, otherRequests } = await browser.open(html);
      wallMs.push(performance.now() - before);
      drawnMs.push(await page.evaluate(() => window.__reportDrawnMs));
      scriptStartMs.push(await page.evaluate(() => window.__reportScriptStartMs));
      if (consoleErrors.length + pageErrors.length > 0 || otherRequests().length > 0) {
        throw new Error(`the page misbehaved: ${JSON.stringify({ consoleErrors, pageErrors, requests: otherRequests() })}`);
      }
      if (i === 0) {
        const heatmap = await paintedPixels(page, '#heatmap');
        const plots = await page.locator('#plots canvas[data-drawn="true"]').count();
        if (heatmap < HOSTS * WINDOWS * 0.5 || plots !== Math.min(20, HOSTS)) throw new Error(`not drawn: heatmap ${heatmap} pixels, ${plots} plots`);
        mkdirSync(join(repoRoot, 'bench', 'out'), { recursive: true });
        await page.screenshot({ path: join(repoRoot, 'bench', 'out', 'report-render.png') });
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const result = {
    hosts: HOSTS,
    windows: WINDOWS,
    hostRows: rows,
    htmlBytes,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    chromium: chromiumPath(),
    date: new Date().toISOString(),
    historyWriteSeconds: historySeconds,
    reportWriteSeconds: reportSeconds,
    drawnMs: { median: median(drawnMs), runs: drawnMs },
    scriptStartMs: { median: median(scriptStartMs), runs: scriptStartMs },
    gotoToDrawnWallMs: { median: median(wallMs), runs: wallMs },
    targetMs: 2000,
  };
  mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'results', 'report-render.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `render: ${HOSTS} hosts × ${WINDOWS} windows fully drawn in ${median(drawnMs).toFixed(0)} ms (median of ${REPEAT}; runs ${drawnMs.map((ms) => ms.toFixed(0)).join(' ')}; ` +
      `target < 2000 ms; drawing starts at ${median(scriptStartMs).toFixed(0)} ms) → bench/results/report-render.json`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
