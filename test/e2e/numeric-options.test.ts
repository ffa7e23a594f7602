// Numeric options through the real CLI: a value out of range is refused before any work, with
// the option, its unit and its limits in the message (ERR_USAGE, exit 2), never wrapped into
// range by the addon's u32s. Rows G and H of issue 15: on main before the checks, --threads 1000
// started a thousand scoring threads (5.3 GB for a 300-packet capture), and
// --max-active-flows 4294967297 and --snaplen 4294967361 wrapped to 1 and 65 without a word.
import { availableParallelism } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { repoRoot, runCli, tempDir, type CliResult } from '../helpers/run-cli.js';

/** 238 packets of synthetic flows (test/fixtures/argus/README.md). */
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'argus', 'status-interval.pcap');
const FLOW_FILE = join(repoRoot, 'test', 'fixtures', 'evaluate', 'small-lan-unlabelled.binetflow');

function expectRefused(result: CliResult, message: string): void {
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr.trim()).toBe(`flowhound: ERR_USAGE: ${message}`);
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

describe('--threads (row G)', () => {
  it('is at most 4 per core, refused before any input is read or any thread started', () => {
    const cores = availableParallelism();
    const limits = `from 1 to ${4 * cores} (4 per core, ${cores} core${cores === 1 ? '' : 's'})`;
    for (const args of [['analyze', FIXTURE, '--no-db'], ['evaluate', FIXTURE, '--infected', '10.9.0.1']]) {
      expectRefused(runCli([...args, '--threads', '1000']), `--threads needs a whole number of scoring threads ${limits}, got '1000'`);
    }
    expectRefused(runCli(['analyze', FIXTURE, '--no-db', '--threads', '0']), `--threads needs a whole number of scoring threads ${limits}, got '0'`);
  });
});

describe('counts and offsets are never wrapped (row H)', () => {
  it('--max-active-flows past the core\'s table is refused, not wrapped to 1', () => {
    const out = join(dir, 'wrapped.csv');
    expectRefused(runCli(['flows', FIXTURE, '--max-active-flows', '4294967297', '-o', out]), "--max-active-flows needs a whole number of flows from 1 to 2147483647, got '4294967297'");
    expect(existsSync(out)).toBe(false);
  });

  it('--utc-offset is whole minutes within ±18 h, not 4294967416 wrapped to 120', () => {
    expectRefused(runCli(['flows', FLOW_FILE, '--utc-offset', '4294967416']), "--utc-offset needs whole minutes from -1080 to 1080, got '4294967416'");
  });

  it('--snaplen past the largest snap length is refused, not wrapped to 65', () => {
    const out = join(dir, 'wrapped.pcap');
    expectRefused(runCli(['synth', '--generate', '--size', '300kB', '--snaplen', '4294967361', '-o', out]), "--snaplen needs a whole number of bytes from 1 to 262144, got '4294967361'");
    expect(readdirSync(dir)).not.toContain('wrapped.pcap');
  });

  it('every other numeric option names its unit and limits, and reads no empty or hexadecimal text as a number', () => {
    const cases: [string[], string][] = [
      [['flows', FIXTURE, '--window', '0'], "--window needs a number of seconds from 0.000001 to 1000000000, got '0'"],
      [['flows', FIXTURE, '--step', '2e9'], "--step needs a number of seconds from 0.000001 to 1000000000, got '2e9'"],
      [['flows', FIXTURE, '--whole', '--status-interval', ''], "--status-interval needs a number of seconds from 0.000001 to 1000000000, got ''"],
      [['flows', FIXTURE, '--max-active-flows', '0x10'], "--max-active-flows needs a whole number of flows from 1 to 2147483647, got '0x10'"],
      [['analyze', FIXTURE, '--no-db', '--min-flows', ''], "--min-flows needs a whole number of flows from 0 to 9007199254740991, got ''"],
      [['analyze', FIXTURE, '--no-db', '--threshold', '1.5'], "--threshold needs a probability from 0 to 1, got '1.5'"],
      [['evaluate', FIXTURE, '--infected', '10.9.0.1', '--alpha=-1'], "--alpha needs a decay rate per window from 0 to 1000, got '-1'"],
      [['synth', '--generate', '--size', '300kB', '--seed', '4294967296', '-o', join(dir, 's.pcap')], "--seed needs a whole number from 0 to 4294967295, got '4294967296'"],
      [['synth', '--generate', '--size', '300kB', '--lan-hosts', '4294967297', '-o', join(dir, 's.pcap')], "--lan-hosts needs a whole number of hosts from 1 to 65024, got '4294967297'"],
      [['synth', '--generate', '--size', '2PB', '-o', join(dir, 's.pcap')], "--size needs a size such as 500MB or 4GB, got '2PB'"],
      [['synth', '--generate', '--size', '2000TB', '-o', join(dir, 's.pcap')], "--size needs a size from 24 bytes (a pcap header) to 1PB, got '2000TB'"],
      [['analyze', FIXTURE, '--no-db', '--at', '99999999999'], "--at needs a time from 1970-01-01 to 2100-01-01 UTC, got '99999999999'"],
      [['report', '--run', '99999999999999999999'], "--run needs a run id (a whole number from 1 to 9007199254740991, as 'flowhound report --list' shows them), got '99999999999999999999'"],
    ];
    for (const [args, message] of cases) expectRefused(runCli(args), message);
  });
});
