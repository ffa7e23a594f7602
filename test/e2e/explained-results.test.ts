// Results that explain themselves (issue 18): a run that ranks nobody says why and what to
// give instead, a CTU-13 input is recognised, every analyze run ends with its verdict, and
// --at outside the run's windows is an error naming them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { repoRoot, runCli } from '../helpers/run-cli.js';

const DEMO = join(repoRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const CTU13_FLOWS = join(repoRoot, 'test', 'fixtures', 'synth', 'ctu13-round-trip.binetflow');
// The threshold the shipped anomaly model flags at, as its card writes it (the verdict line quotes it).
const THRESHOLD = (JSON.parse(readFileSync(join(repoRoot, 'models', 'host-anomaly-v2.card.json'), 'utf8')) as { threshold_text: string }).threshold_text;
const escaped = THRESHOLD.replace('.', '\\.');

describe('analyze explains an empty or odd result', () => {
  it('no LAN host: how many addresses were seen, none in --lan, the ranges with most traffic, and CTU-13 recognised', () => {
    const run = runCli(['analyze', DEMO, '--lan', '10.0.0.0/8', '--no-db']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^no LAN host: [\d,]+ addresses seen, none in --lan 10\.0\.0\.0\/8$/m);
    expect(run.stderr).toMatch(/^ {2}the ranges with most traffic: 147\.32\.0\.0\/16 \([\d,]+ flows, 56 addresses\), /m);
    expect(run.stderr).toContain('looks like CTU-13 (147.32/16 addresses, 2011): its hosts are in 147.32.0.0/16, outside --lan 10.0.0.0/8; add --lan 147.32.0.0/16');
    // A capture's times are UTC: no offset to give.
    expect(run.stderr).not.toContain('--utc-offset');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(`analyze: no host reached the threshold ${THRESHOLD} (no LAN host was ranked)`);
  });

  it('a CTU-13 flow file without --lan and --utc-offset: says it needs both', () => {
    const run = runCli(['analyze', CTU13_FLOWS, '--no-db']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`hint: ${CTU13_FLOWS} looks like CTU-13 (147.32/16 addresses, 2011): its hosts are in 147.32.0.0/16, outside the default --lan (the private ranges); add --lan 147.32.0.0/16`);
    expect(run.stderr).toContain("hint: CTU-13's flow files are in CEST: add --utc-offset 120, or every time is read 2 hours late");
    const given = runCli(['analyze', CTU13_FLOWS, '--lan', '147.32.0.0/16', '--utc-offset', '120', '--no-db']);
    expect(given.status, given.stderr).toBe(0);
    expect(given.stderr).not.toContain('hint:');
  });

  it('every run ends with the hosts suspicious now and before, or the highest score when none reached the threshold', () => {
    const demo = runCli(['demo', '--no-db']);
    expect(demo.stderr.trimEnd().split('\n').at(-1)).toBe(`analyze: 1 suspicious now, 0 before (threshold ${THRESHOLD})`);
    const none = runCli(['analyze', DEMO, '--lan', '147.32.84.132', '--no-db']);
    expect(none.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^analyze: no host reached the threshold ${escaped} \\(highest: 147\\.32\\.84\\.132, 0\\.\\d{3}\\)$`));
    // -q: nothing on standard error at all.
    expect(runCli(['demo', '--no-db', '-q']).stderr).toBe('');
  });

  it('--at outside the windows is ERR_AT_OUTSIDE_WINDOWS naming their span, exit 2; inside, its window is now', () => {
    const outside = runCli(['demo', '--no-db', '--at', '2011-08-16T12:00:00Z']);
    expect(outside.status).toBe(2);
    expect(outside.stderr).toContain(
      'flowhound: ERR_AT_OUTSIDE_WINDOWS: --at 2011-08-16T12:00:00Z is in no window of the run: its windows cover 2011-08-16T08:27:30Z to 2011-08-16T08:42:30Z',
    );
    const inside = runCli(['demo', '--no-db', '--at', '2011-08-16T08:33:10Z']);
    expect(inside.status, inside.stderr).toBe(0);
    expect(inside.stdout).toContain('now = window at 2011-08-16T08:32:30Z');
  });
});
