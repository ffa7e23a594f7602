#!/usr/bin/env node
// Window commits per second into the history, SQLite and PostgreSQL: what one scorer of
// `flowhound serve` can write, and several at once. Each writer is a store of its own (as each
// scorer is a process with its own connections) writing new windows of its own sensor stream:
// the 54 windows of CTU-13 scenario 6 (test/fixtures/history, 56 hosts a window on average),
// shifted in time for each pass, so every commit is a new window with its host rows and alerts.
//
//   node bench/history-commit.mjs [--db postgres://USER@HOST:PORT/DB] [--writers 1,2,4] [--passes 5]
//
// Without --db only SQLite is measured (a temporary file). The PostgreSQL database must exist and
// should be empty (createdb). Needs `npm install` (dist/). Writes bench/results/history-commit.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

import { openHistory } from '../dist/src/history/open-history.js';
import { streamInput } from '../dist/src/history/paths.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { db: { type: 'string' }, writers: { type: 'string', default: '1,2,4' }, passes: { type: 'string', default: '5' } } });
const PASSES = Number(values.passes);
const WRITERS = values.writers.split(',').map(Number);
const fixture = JSON.parse(gunzipSync(readFileSync(join(repoRoot, 'test/fixtures/history/scenario6-windows.json.gz'))).toString('utf8'));
const hostsPerPass = fixture.windows.reduce((n, w) => n + w.hosts.length, 0);
const spanUs = fixture.windows.length * 150e6 + 300e6;

function runInfo(input) {
  return {
    options: { inputs: [input.path], lan: ['147.32.0.0/16'], windowSeconds: 300, stepSeconds: 150, utcOffsetMinutes: 120, threshold: fixture.threshold, minFlows: 1, ranges: [], models: [] },
    versions: { flowhound: 'bench', core: 'bench', node: process.version, schema: 2 },
    models: [{ kind: 'host', path: 'bench', sha256: 'a'.repeat(64), threshold: 0.5 }],
    inputs: [input],
    startedAt: new Date().toISOString(),
    interrupted: false,
  };
}

/** `writers` stores writing at once, each PASSES × 54 new windows of its own sensor; returns the figures. */
async function measure(location, writers, round) {
  const stores = await Promise.all(Array.from({ length: writers }, () => openHistory(location)));
  const started = performance.now();
  await Promise.all(
    stores.map(async (store, i) => {
      const input = streamInput({ sensor: `bench-${round}-${i}`, input: 'eth0' });
      const runId = await store.beginRun(runInfo(input));
      for (let pass = 0; pass < PASSES; pass++) {
        for (const window of fixture.windows) {
          const shift = pass * spanUs;
          await store.commitWindow(runId, { ...window, input: input.path, windowStartUs: window.windowStartUs + shift }, fixture.threshold);
        }
      }
      await store.finishRun(runId, { interrupted: false });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(stores.map((store) => store.close()));
  const windows = writers * PASSES * fixture.windows.length;
  return { writers, windows, host_rows: writers * PASSES * hostsPerPass, seconds: +seconds.toFixed(3), windows_per_s: Math.round(windows / seconds), host_rows_per_s: Math.round((writers * PASSES * hostsPerPass) / seconds) };
}

const scratch = mkdtempSync(join(tmpdir(), 'flowhound-bench-history-'));
const results = [];
try {
  const targets = [['sqlite', join(scratch, 'history.sqlite')], ...(values.db ? [['postgres', values.db]] : [])];
  for (const [engine, location] of targets) {
    for (const [round, writers] of WRITERS.entries()) {
      const figures = { engine, ...(await measure(location, writers, round)) };
      results.push(figures);
      console.log(`${engine}: ${writers} writer${writers === 1 ? '' : 's'}: ${figures.windows} windows (${figures.host_rows} host rows) in ${figures.seconds} s: ${figures.windows_per_s} windows/s, ${figures.host_rows_per_s} host rows/s`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench', 'results', 'history-commit.json'),
  `${JSON.stringify({ machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version }, hosts_per_window: +(hostsPerPass / fixture.windows.length).toFixed(1), passes: PASSES, results }, null, 2)}\n`,
);
