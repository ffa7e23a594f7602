// Start-up: help, version and usage errors answer without loading the run's heavy modules
// (onnxruntime, Arrow, SQLite, the worker pool, the addon). The child records every module it
// resolves (ES module hooks), the CommonJS modules it required, and the shared objects it
// mapped; timing is bench/peers.mjs's business, this asserts what was loaded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from '../helpers/run-cli.js';

const RECORDER = `
import { createRequire, register } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const resolved = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => resolved.push(url));
port1.unref();
const hooks = 'let port; export function initialize(data) { port = data.port; }' +
  ' export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result; }';
register('data:text/javascript,' + encodeURIComponent(hooks), import.meta.url, { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  const sharedObjects = process.report.getReport().sharedObjects.filter((path) => path.endsWith('.node'));
  writeFileSync(process.env.FLOWHOUND_TEST_LOADED, JSON.stringify([...resolved, ...Object.keys(require.cache), ...sharedObjects]));
});
`;

const HEAVY = [/onnxruntime/, /apache-arrow/, /better-sqlite3/, /\/node_modules\/pg(-[a-z]+)?\//, /node_modules\/nats\//, /piscina/, /ml-kmeans/, /flowhound\.node$/, /dist\/src\/native\.js$/];

const dir = mkdtempSync(join(tmpdir(), 'flowhound-start-up-'));
const recorder = join(dir, 'recorder.mjs');
writeFileSync(recorder, RECORDER);

/** Runs the CLI with `args`; returns its exit status and every module and shared object it loaded. */
function loadedBy(args: string[]): { status: number | null; loaded: string[] } {
  const record = join(dir, `loaded-${args.join('_').replace(/\W/g, '')}.json`);
  const result = spawnSync(process.execPath, ['--import', recorder, join(repoRoot, 'bin', 'flowhound.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, FLOWHOUND_TEST_LOADED: record },
  });
  return { status: result.status, loaded: JSON.parse(readFileSync(record, 'utf8')) as string[] };
}

describe('start-up', () => {
  it.each([
    [['version'], 0],
    [['--version'], 0],
    [[], 2],
    [['help'], 0],
    [['help', 'analyze'], 0],
    [['analyze', '--help'], 0],
    [['flows', '--help'], 0],
    [['features', '--help'], 0],
    [['evaluate', '--help'], 0],
    [['synth', '--help'], 0],
    [['report', '--help'], 0],
    [['models', '--help'], 0],
    [['demo', '--help'], 0],
    [['live', '--help'], 0],
    [['serve', '--help'], 0],
    [['serve'], 2],
    [['analyze', 'x.pcap', '--publish', 'http://example.org'], 2],
    [['completion', '--help'], 0],
    [['analyze'], 2],
    [['analyze', 'x.pcap', '--window', 'soon'], 2],
    [['flows', 'a.pcap', 'b.pcap'], 2],
    [['features'], 2],
    [['evaluate'], 2],
    [['no-such-command'], 2],
  ])('flowhound %j loads no run modules and not the addon', (args, status) => {
    const run = loadedBy(args);
    expect(run.status).toBe(status);
    // The recorder works: the CLI itself was seen.
    expect(run.loaded.some((url) => url.endsWith('/dist/src/cli.js'))).toBe(true);
    expect(run.loaded.filter((url) => HEAVY.some((heavy) => heavy.test(url)))).toEqual([]);
  });

  it('the history loads the client of its engine only: SQLite for a file, pg for a postgres:// URL', () => {
    const sqlite = /better-sqlite3/;
    const pg = /\/node_modules\/pg\//;
    const file = loadedBy(['report', '--db', join(dir, 'no-such-history.sqlite')]);
    expect(file.status).toBe(2);
    expect([file.loaded.some((url) => sqlite.test(url)), file.loaded.some((url) => pg.test(url))]).toEqual([true, false]);
    const url = loadedBy(['report', '--db', 'postgres://flowhound@127.0.0.1:1/flowhound']);
    expect(url.status).toBe(2);
    expect([url.loaded.some((u) => sqlite.test(u)), url.loaded.some((u) => pg.test(u))]).toEqual([false, true]);
  });

  it('analyze loads Arrow only to write Arrow or Parquet, and the botnet grouping only once it has begun', () => {
    const arrow = /apache-arrow/;
    const input = join(repoRoot, 'test/fixtures/flowfiles/ctu13-scenario6-excerpt.binetflow');
    const analyze = (output: string) => loadedBy(['analyze', input, '--lan', '147.32.0.0/16', '--utc-offset', '120', '--no-db', '-q', '-y', '-o', join(dir, output)]);
    for (const output of ['ranking.json', 'ranking.csv', 'ranking.txt']) {
      const run = analyze(output);
      expect(run.status, output).toBe(0);
      expect(run.loaded.some((url) => arrow.test(url)), output).toBe(false);
      // The grouping ran (k-means), loaded by the ranking when the session began.
      expect(run.loaded.some((url) => /ml-kmeans/.test(url)), output).toBe(true);
    }
    const toArrow = analyze('ranking.arrow');
    expect(toArrow.status).toBe(0);
    expect(toArrow.loaded.some((url) => arrow.test(url))).toBe(true);
  });

  it('flows loads Arrow only to write Arrow', () => {
    const arrow = /apache-arrow/;
    const capture = join(repoRoot, 'test/fixtures/argus/edge-cases.pcap');
    const toCsv = loadedBy(['flows', capture, '-q', '-y', '-o', join(dir, 'flows.csv')]);
    expect(toCsv.status).toBe(0);
    expect(toCsv.loaded.some((url) => arrow.test(url))).toBe(false);
    const toArrow = loadedBy(['flows', capture, '-q', '-y', '-o', join(dir, 'flows.arrow')]);
    expect(toArrow.status).toBe(0);
    expect(toArrow.loaded.some((url) => arrow.test(url))).toBe(true);
  });

  it('a run does load them (the recorder sees the addon and the run modules)', () => {
    const run = loadedBy(['flows', join(repoRoot, 'test/fixtures/argus/edge-cases.pcap'), '-o', join(dir, 'out.csv'), '-q']);
    expect(run.status).toBe(0);
    expect(run.loaded.some((path) => path.endsWith('flowhound.node'))).toBe(true);
    expect(run.loaded.some((url) => url.endsWith('/dist/src/native.js'))).toBe(true);
  });
});
