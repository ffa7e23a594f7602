#!/usr/bin/env node
// Screenshots of the HTML report at 1400×900, as a person first sees it: its first screen, and
// the evidence of a suspicious host, for the demo (`flowhound demo`, which ships with
// flowhound) and for CTU-13 scenario 6 (../shared/data: `analyze --lan 147.32.0.0/16
// --utc-offset 120`, as that file needs). Also the score plots, to see the time axes.
//
//   node bench/report-screenshots.mjs
//
// Runs the real command (bin/flowhound.mjs; needs `npm install`) into a history of its own,
// then `flowhound report`, and Chromium (Debian: apt-get install chromium; or
// FLOWHOUND_CHROMIUM). Writes bench/results/screenshots/report-{demo,scenario6}-*.png;
// scenario 6 is left out, saying so, without the shared data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromiumPath, launchChromium } from '../test/helpers/chromium.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(repoRoot, 'bench', 'results', 'screenshots');
const SCENARIO6 = join(process.env.FLOWHOUND_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data'), 'ctu13', 'capture20110816.binetflow.gz');
const BOT = '147.32.84.165';

if (chromiumPath() === null) {
  console.error('report-screenshots: no Chromium (apt-get install chromium, or set FLOWHOUND_CHROMIUM)');
  process.exit(2);
}

function flowhound(args, home) {
  const run = spawnSync(process.execPath, [join(repoRoot, 'bin', 'flowhound.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', XDG_DATA_HOME: home },
  });
  if (run.status !== 0) throw new Error(`flowhound ${args.join(' ')}: exit ${run.status}\n${run.stderr}`);
  return run;
}

const cases = [{ name: 'demo', analyze: ['demo'] }];
if (existsSync(SCENARIO6)) cases.push({ name: 'scenario6', analyze: ['analyze', SCENARIO6, '--lan', '147.32.0.0/16', '--utc-offset', '120'] });
else console.warn(`report-screenshots: ${SCENARIO6} absent: scenario 6 left out`);

const work = mkdtempSync(join(tmpdir(), 'flowhound-screenshots-'));
mkdirSync(OUT, { recursive: true });
const browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
try {
  for (const { name, analyze } of cases) {
    const db = join(work, `${name}.sqlite`);
    const html = join(work, `${name}.html`);
    flowhound([...analyze, '--db', db, '-q', '-o', join(work, `${name}.json`)], work);
    flowhound(['report', '--db', db, '-o', html], work);
    const { page, consoleErrors, pageErrors, otherRequests } = await browser.open(html);
    const shots = [];
    const shoot = async (what) => {
      const path = join(OUT, `report-${name}-${what}.png`);
      await page.screenshot({ path });
      shots.push(path);
    };
    await shoot('first-screen');
    // The bot's evidence card at the top of the screen.
    await page.locator(`#evidence .evidence-card[data-host="${BOT}"]`).evaluate((card) => {
      card.scrollIntoView({ block: 'start' });
      card.ownerDocument.defaultView.scrollBy(0, -16);
    });
    await shoot('evidence');
    await page.locator('#plots-section').evaluate((section) => section.scrollIntoView({ block: 'start' }));
    await shoot('plots');
    if (consoleErrors.length + pageErrors.length + otherRequests().length > 0) {
      throw new Error(`${name}: the page reported ${JSON.stringify({ consoleErrors, pageErrors, requests: otherRequests() })}`);
    }
    await page.close();
    for (const path of shots) console.log(`report-screenshots: ${path}`);
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
