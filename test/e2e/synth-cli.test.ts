// `flowhound synth` end to end: records → capture → records, labels, slices, generation, errors.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

/** 288 varied real CTU-13 rows (scenarios 6 and 11, the benign sample); times are CEST. */
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'synth', 'ctu13-round-trip.binetflow');
const CEST = ['--utc-offset', '120'];

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

/** The fields the round trip must give back, as one key (start time apart). */
function criterion(row: Record<string, string>): string {
  // rtp, rtcp and udt are Argus's names for UDP flows; a blank ICMP port is ra's zero.
  const proto = ['rtp', 'rtcp', 'udt'].includes(row.Proto!) ? 'udp' : row.Proto!;
  const zero = proto === 'icmp' ? '0x0000' : proto === 'ipv6-icmp' ? '0' : '';
  const port = (text: string) => (text === '' ? zero : text);
  return [proto, row.SrcAddr, port(row.Sport!), row.DstAddr, port(row.Dport!), row.State, row.TotPkts, row.TotBytes, row.SrcBytes].join(',');
}

function startUs(row: Record<string, string>): number {
  const [date, time] = row.StartTime!.split(' ');
  const [whole, fraction] = time!.split('.');
  return Date.parse(`${date!.replace(/\//g, '-')}T${whole}Z`) * 1000 + Number(fraction);
}

/** How many `expected` rows have a `read` row equal on the criterion, starting within 1 ms. */
function countMatches(expected: Record<string, string>[], read: Record<string, string>[]): number {
  const byKey = new Map<string, number[]>();
  for (const row of read) {
    const starts = byKey.get(criterion(row)) ?? [];
    starts.push(startUs(row));
    byKey.set(criterion(row), starts);
  }
  let matched = 0;
  for (const row of expected) {
    const starts = byKey.get(criterion(row)) ?? [];
    const at = starts.findIndex((start) => Math.abs(start - startUs(row)) <= 1000);
    if (at >= 0) {
      starts.splice(at, 1);
      matched++;
    }
  }
  return matched;
}

describe('flowhound synth FLOWS', () => {
  it('rebuilds a capture that flows --whole turns back into the same records', () => {
    const capture = join(dir, 'fixture.pcap');
    const made = runCli(['synth', FIXTURE, ...CEST, '-o', capture]);
    expect(made.status).toBe(0);
    const summary = /synth: (\d+) of (\d+) records → (\d+) packets/.exec(made.stderr);
    expect(summary).not.toBeNull();
    const [, synthesized, read] = summary!.map(Number);
    expect(read).toBe(288);

    const expected = parseCsv(runCli(['flows', FIXTURE, ...CEST, '-q']).stdout);
    const readBack = parseCsv(runCli(['flows', capture, '--whole', '--status-interval', '3600', '-q']).stdout);
    const matched = countMatches(expected, readBack);
    // The fixture leaves out the rows whose difference test/fixtures/synth/README.md explains,
    // so at least 99% of what was rebuilt must come back.
    expect(matched).toBeGreaterThanOrEqual(Math.ceil(0.99 * synthesized!));
  });

  it('writes a labels sidecar with one line per rebuilt record', () => {
    const capture = join(dir, 'labelled.pcap');
    const result = runCli(['synth', FIXTURE, ...CEST, '-o', capture]);
    expect(result.status).toBe(0);
    const labels = parseCsv(readFileSync(join(dir, 'labelled.labels.csv'), 'utf8'));
    const synthesized = Number(/synth: (\d+) of/.exec(result.stderr)![1]);
    expect(labels).toHaveLength(synthesized);
    expect(labels.some((row) => row.label!.startsWith('flow=From-Botnet'))).toBe(true);
    expect(Object.keys(labels[0]!)).toEqual([
      'start_us', 'last_us', 'proto', 'src_addr', 'src_port', 'dst_addr', 'dst_port', 'state',
      'total_pkts', 'total_bytes', 'src_bytes', 'label',
    ]);
  });

  it('--from/--to and --hosts select records; times are local at --utc-offset', () => {
    const capture = join(dir, 'slice.pcap');
    const result = runCli(['synth', FIXTURE, ...CEST, '--from', '2011/08/16 10:00', '--to', '2011/08/16 12:00', '--hosts', '147.32.84.0/24', '-o', capture]);
    expect(result.status).toBe(0);
    const labels = parseCsv(readFileSync(join(dir, 'slice.labels.csv'), 'utf8'));
    expect(labels.length).toBeGreaterThan(0);
    const fromUs = Date.UTC(2011, 7, 16, 8) * 1000;
    const toUs = Date.UTC(2011, 7, 16, 10) * 1000;
    for (const row of labels) {
      expect(Number(row.start_us)).toBeGreaterThanOrEqual(fromUs);
      expect(Number(row.start_us)).toBeLessThan(toUs);
      expect([row.src_addr, row.dst_addr].some((address) => address!.startsWith('147.32.84.'))).toBe(true);
    }
    expect(result.stderr).toMatch(/records outside --from\/--to/);
  });
});

describe('flowhound synth --generate', () => {
  it('is deterministic for a seed and stays under the size asked for', () => {
    const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    const paths = ['a', 'b', 'c'].map((name) => join(dir, `gen-${name}.pcap`));
    expect(runCli(['synth', '--generate', '--size', '300kB', '--seed', '5', '-q', '-o', paths[0]!]).status).toBe(0);
    expect(runCli(['synth', '--generate', '--size', '300kB', '--seed', '5', '-q', '-o', paths[1]!]).status).toBe(0);
    expect(runCli(['synth', '--generate', '--size', '300kB', '--seed', '6', '-q', '-o', paths[2]!]).status).toBe(0);
    expect(hash(paths[0]!)).toBe(hash(paths[1]!));
    expect(hash(paths[0]!)).not.toBe(hash(paths[2]!));
    const size = readFileSync(paths[0]!).length;
    expect(size).toBeLessThanOrEqual(300_000);
    expect(size).toBeGreaterThan(290_000);
    const flows = runCli(['flows', paths[0]!, '--whole', '-q']);
    expect(flows.status).toBe(0);
    expect(parseCsv(flows.stdout).length).toBeGreaterThan(10);
  });
});

/** The capture times of a classic little-endian microsecond pcap's records, µs. */
function recordTimesUs(capture: Buffer): number[] {
  const times: number[] = [];
  for (let at = 24; at + 16 <= capture.length; at += 16 + capture.readUInt32LE(at + 8)) {
    times.push(capture.readUInt32LE(at) * 1e6 + capture.readUInt32LE(at + 4));
  }
  return times;
}

describe('flowhound synth --generate --duration', () => {
  it('writes that much capture time, the start of a longer capture of the same seed', () => {
    const [short, long] = [join(dir, 'ten-s.pcap'), join(dir, 'twenty-s.pcap')];
    const shortRun = runCli(['synth', '--generate', '--duration', '10s', '--seed', '5', '-o', short]);
    expect(shortRun.status).toBe(0);
    expect(runCli(['synth', '--generate', '--duration', '20', '--seed', '5', '-q', '-o', long]).status).toBe(0);

    const shortBytes = readFileSync(short);
    const longBytes = readFileSync(long);
    expect(longBytes.length).toBeGreaterThan(shortBytes.length);
    expect(longBytes.subarray(0, shortBytes.length).equals(shortBytes)).toBe(true);
    const shortTimes = recordTimesUs(shortBytes);
    const longTimes = recordTimesUs(longBytes);
    const first = shortTimes[0]!;
    expect(shortTimes.at(-1)! - first).toBeLessThan(10e6);
    expect(longTimes[shortTimes.length]! - first).toBeGreaterThanOrEqual(10e6);
    expect(longTimes.at(-1)! - first).toBeLessThan(20e6);

    // The summary gives the capture time written; the ground-truth line stays as scripts read it.
    const summary = /synth: generated (\d+) packets of \d+ flows, (\d+) bytes in [\d.]+ s → .*ten-s\.pcap \(([\d.]+) s of traffic\)/.exec(shortRun.stderr);
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBe(shortTimes.length);
    expect(Number(summary![2])).toBe(shortBytes.length);
    expect(Number(summary![3])).toBeCloseTo((shortTimes.at(-1)! - first) / 1e6, 1);
    expect(shortRun.stderr).toMatch(/^ {2}infected hosts: \d+\.\d+\.\d+\.\d+( \d+\.\d+\.\d+\.\d+)*$/m);
  });

  it('with --size too, stops at whichever comes first', () => {
    const sizeOnly = join(dir, 'size-only.pcap');
    const both = join(dir, 'size-and-hour.pcap');
    expect(runCli(['synth', '--generate', '--size', '300kB', '--seed', '5', '-q', '-o', sizeOnly]).status).toBe(0);
    expect(runCli(['synth', '--generate', '--size', '300kB', '--duration', '1h', '--seed', '5', '-q', '-o', both]).status).toBe(0);
    expect(readFileSync(both).equals(readFileSync(sizeOnly))).toBe(true);

    const durationOnly = join(dir, 'six-s.pcap');
    const durationAndGigabyte = join(dir, 'six-s-of-1GB.pcap');
    expect(runCli(['synth', '--generate', '--duration', '6s', '--seed', '5', '-q', '-o', durationOnly]).status).toBe(0);
    expect(runCli(['synth', '--generate', '--size', '1GB', '--duration', '0.1m', '--seed', '5', '-q', '-o', durationAndGigabyte]).status).toBe(0);
    expect(readFileSync(durationAndGigabyte).equals(readFileSync(durationOnly))).toBe(true);
  });

  it('refuses durations it cannot use, naming the option and the limit', () => {
    const out = join(dir, 'refused.pcap');
    const cases: [string[], RegExp][] = [
      [['--duration', '0'], /--duration must be positive/],
      [['--duration=-5m'], /--duration must be positive/],
      [['--duration', '32d'], /--duration must be at most 31 days/],
      [['--duration', 'soon'], /--duration needs a duration: .*600, 10m, 2h or 1d/],
      [['--duration', 'Infinity'], /--duration needs a duration/],
      [[], /--generate needs --size or --duration/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(['synth', '--generate', ...args, '-o', out]);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('ERR_USAGE');
      expect(result.stderr).toMatch(message);
    }
    const withoutGenerate = runCli(['synth', FIXTURE, '--duration', '10m', '-o', out]);
    expect(withoutGenerate.status).toBe(2);
    expect(withoutGenerate.stderr).toMatch(/ERR_USAGE: --duration goes with --generate/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('flowhound synth on flow tables', () => {
  it('reads the Parquet and Arrow tables flows writes, and rebuilds the capture their text gives', () => {
    const fromText = join(dir, 'from-text.pcap');
    expect(runCli(['synth', FIXTURE, ...CEST, '-o', fromText, '--no-labels']).status).toBe(0);
    for (const table of ['fixture.parquet', 'fixture.arrow']) {
      const path = join(dir, table);
      expect(runCli(['flows', FIXTURE, ...CEST, '-o', path, '-q']).status).toBe(0);
      const rebuilt = join(dir, `from-${table}.pcap`);
      const made = runCli(['synth', path, '-o', rebuilt, '--no-labels']);
      expect(made.status, made.stderr).toBe(0);
      expect(made.stderr).toMatch(/synth: \d+ of 288 records/);
      expect(readFileSync(rebuilt).equals(readFileSync(fromText)), table).toBe(true);
    }
  });
});

describe('flowhound synth errors', () => {
  it('usage errors and bad options exit 2 and leave no partial files', () => {
    const noOutput = runCli(['synth', FIXTURE]);
    expect(noOutput.status).toBe(2);
    expect(noOutput.stderr).toContain('ERR_USAGE');

    const badCidr = runCli(['synth', FIXTURE, '--hosts', '10.0.0.0/33', '-o', join(dir, 'bad.pcap')]);
    expect(badCidr.status).toBe(2);
    expect(badCidr.stderr).toContain('ERR_BAD_OPTION');

    const badTime = runCli(['synth', FIXTURE, '--from', 'yesterday', '-o', join(dir, 'bad.pcap')]);
    expect(badTime.status).toBe(2);
    expect(badTime.stderr).toContain('--from');

    const missing = runCli(['synth', join(dir, 'missing.binetflow'), '-o', join(dir, 'missing.pcap')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/ERR_IO: .*missing\.binetflow/);

    // A capture is no flow file: said so, rather than its binary bytes quoted as a header.
    const capture = join(dir, 'fixture-for-errors.pcap');
    expect(runCli(['synth', FIXTURE, ...CEST, '-o', capture, '--no-labels']).status).toBe(0);
    const fromCapture = runCli(['synth', capture, '-o', join(dir, 'from-capture.pcap')]);
    expect(fromCapture.status).toBe(2);
    expect(fromCapture.stderr).toContain(`ERR_FLOWFILE_BAD_HEADER: ${capture} at byte 0: a packet capture (pcap or pcapng), not a flow file`);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(existsSync(join(dir, 'missing.pcap'))).toBe(false);
  });
});
