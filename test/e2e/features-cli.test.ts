// `flowhound features` end to end: flow files and rebuilt captures → flow and host tables,
// labels and ground truth, formats, errors.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { featureSchema } from '../../src/pipeline/features.js';
import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

/** 288 real CTU-13 rows (scenarios 6 and 11, the benign sample); times are CEST. */
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'synth', 'ctu13-round-trip.binetflow');
const CTU = ['--utc-offset', '120', '--lan', '147.32.0.0/16'];

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

function readArrow(path: string) {
  return tableFromIPC(readFileSync(path));
}

function column(table: ReturnType<typeof readArrow>, name: string): unknown[] {
  return table.getChild(name)!.toArray() as unknown[];
}

describe('flowhound features', () => {
  it('writes a flow row per (window, piece of a record) and a host row per (window, LAN host), in schema order', () => {
    const flows = join(dir, 'fixture.arrow');
    const run = runCli(['features', FIXTURE, ...CTU, '-o', flows]);
    expect(run.status, run.stderr).toBe(0);
    const summary = /features: (\d+) flow rows → .*fixture\.arrow, \d+ host rows → .*fixture\.hosts\.arrow \(schema v2/.exec(run.stderr);
    expect(summary, run.stderr).not.toBeNull();

    const schema = featureSchema();
    const flowTable = readArrow(flows);
    expect(flowTable.numRows).toBe(Number(summary![1]));
    // Every record has a piece in each window its time span overlaps: at least the two
    // windows holding its start, more for a long one.
    expect(flowTable.numRows).toBeGreaterThan(2 * 288);
    const starts = column(flowTable, 'window_start_us') as number[];
    const pieceStarts = column(flowTable, 'start_us') as number[];
    expect(pieceStarts.every((start, i) => start >= starts[i]! - 150e6 && start < starts[i]! + 300e6)).toBe(true);
    expect(flowTable.schema.fields.map((f) => f.name).slice(-schema.flow.length)).toEqual(schema.flow.map((f) => f.name));
    const classes = column(flowTable, 'flow_class');
    expect(classes.filter((c) => c === 'botnet').length).toBeGreaterThanOrEqual(2 * 61);

    const hostTable = readArrow(join(dir, 'fixture.hosts.arrow'));
    expect(hostTable.schema.fields.map((f) => f.name)).toEqual(['input', 'window_start_us', 'host', 'host_label', ...schema.host.map((f) => f.name)]);
    const hosts = column(hostTable, 'host') as string[];
    expect(hosts.every((h) => h.startsWith('147.32.'))).toBe(true);
    // The bots that From-Botnet labels name are infected where a label names them, idle elsewhere.
    const labels = column(hostTable, 'host_label') as string[];
    for (const bot of ['147.32.84.165', '147.32.84.191', '147.32.84.192']) {
      const rows = hosts.flatMap((h, i) => (h === bot ? [labels[i]] : []));
      expect(rows, bot).toContain('infected');
      expect(rows.every((label) => label === 'infected' || label === 'infected_idle'), bot).toBe(true);
    }
    expect(labels.filter((l) => l === 'infected' || l === 'infected_idle').length).toBeLessThan(labels.length);
    expect(run.stderr).toContain('infected hosts (labels and --infected): 147.32.84.165 147.32.84.191 147.32.84.192');
  });

  it('labels the flows of a capture rebuilt by synth from its sidecar, found beside it', () => {
    const capture = join(dir, 'rebuilt.pcap');
    expect(runCli(['synth', FIXTURE, '--utc-offset', '120', '-q', '-o', capture]).status).toBe(0);
    expect(existsSync(join(dir, 'rebuilt.labels.csv'))).toBe(true);
    const run = runCli(['features', capture, '--lan', '147.32.0.0/16', '-o', join(dir, 'rebuilt.csv')]);
    expect(run.status, run.stderr).toBe(0);
    const sidecar = /labels from rebuilt\.labels\.csv: (\d+) flows labelled, (\d+) without a record/.exec(run.stderr);
    expect(sidecar, run.stderr).not.toBeNull();
    const [labelled, unmatched] = [Number(sidecar![1]), Number(sidecar![2])];
    expect(unmatched).toBeLessThanOrEqual(labelled * 0.02);
    const rows = parseCsv(readFileSync(join(dir, 'rebuilt.csv'), 'utf8'));
    expect(rows.length).toBe(labelled + unmatched);
    const bots = rows.filter((row) => row.flow_class === 'botnet');
    expect(bots.length).toBeGreaterThan(0);
    expect(bots.every((row) => row.label!.startsWith('flow=From-Botnet') || row.label!.startsWith('flow=To-Botnet'))).toBe(true);
    const hosts = parseCsv(readFileSync(join(dir, 'rebuilt.hosts.csv'), 'utf8'));
    expect(hosts.filter((row) => row.host === '147.32.84.191').map((row) => row.host_label)).toContain('infected');
  });

  it('takes infected hosts from --infected and only LAN hosts get rows', () => {
    const run = runCli(['features', FIXTURE, '--utc-offset', '120', '--lan', '147.32.80.0/24', '--infected', '147.32.80.9', '-q', '-o', join(dir, 'lan.csv')]);
    expect(run.status, run.stderr).toBe(0);
    const hosts = parseCsv(readFileSync(join(dir, 'lan.hosts.csv'), 'utf8'));
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts.every((row) => row.host!.startsWith('147.32.80.'))).toBe(true);
    // Given as infected, but no botnet label names the DNS server: idle in every window.
    const dns = hosts.filter((row) => row.host === '147.32.80.9');
    expect(dns.length).toBeGreaterThan(0);
    expect(dns.every((row) => row.host_label === 'infected_idle')).toBe(true);
  });

  it('refuses bad arguments and bad inputs with a code and exit status 2', () => {
    const missing = runCli(['features', join(dir, 'nope.binetflow'), '-o', join(dir, 'x.arrow')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/ERR_IO: .*nope\.binetflow/);
    expect(existsSync(join(dir, 'x.arrow'))).toBe(false);

    const format = runCli(['features', FIXTURE, '-o', join(dir, 'x.orc')]);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain("ERR_USAGE: cannot tell the table format from '");

    const twoWithLabels = runCli(['features', FIXTURE, FIXTURE, '--labels', FIXTURE, '-o', join(dir, 'x.arrow')]);
    expect(twoWithLabels.stderr).toContain('--labels goes with a single INPUT');

    const notSidecar = runCli(['features', FIXTURE, '--labels', FIXTURE, '-o', join(dir, 'x.arrow')]);
    expect(notSidecar.status).toBe(2);
    expect(notSidecar.stderr).toMatch(/ERR_LABELS_BAD_ROW: .*ctu13-round-trip\.binetflow:1/);

    const window = runCli(['features', FIXTURE, '--window', '200', '-o', join(dir, 'x.arrow')]);
    expect(window.status).toBe(2);
    expect(window.stderr).toContain('ERR_BAD_OPTION');

    const badRange = runCli(['features', FIXTURE, '--lan', '147.32.0.0/40', '-o', join(dir, 'x.arrow')]);
    expect(badRange.stderr).toContain('ERR_BAD_OPTION');

    const garbage = join(dir, 'garbage.bin');
    writeFileSync(garbage, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 9, 9, 9, 9]));
    const notAnInput = runCli(['features', garbage, '-o', join(dir, 'x.arrow')]);
    expect(notAnInput.status).toBe(2);
    expect(notAnInput.stderr).toContain('ERR_NOT_A_CAPTURE');
    expect(existsSync(join(dir, 'x.arrow'))).toBe(false);
    expect(existsSync(join(dir, 'x.hosts.arrow'))).toBe(false);
  });

  it('writes tables with their columns even when no window has a row', () => {
    const empty = join(dir, 'header-only.binetflow');
    writeFileSync(empty, `${readFileSync(FIXTURE, 'utf8').split('\n')[0]}\n`);
    const run = runCli(['features', empty, '-q', '-o', join(dir, 'empty.arrow')]);
    expect(run.status, run.stderr).toBe(0);
    const table = readArrow(join(dir, 'empty.arrow'));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.length).toBe(12 + featureSchema().flow.length);
  });
});
