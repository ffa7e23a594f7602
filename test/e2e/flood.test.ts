// A SYN flood, small enough for seconds (issue 15, item 3): 60,000 SYNs from one host with
// random source ports to 4,096 addresses × 8 ports over 300 s, among 10 clean hosts, read with
// the smallest memory budget (16 MiB) so that it runs out as the 5 M-SYN flood of bench/
// runs out of the default. The flows evicted early are counted per window and reported in
// analyze's summary, -v, JSON and history, in the report, and by flows and features; the
// flooder still ranks first. The same capture with the default budget evicts nothing, so the
// counts are the budget's doing. (Memory itself is measured in bench/flood-memory.mjs.)
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

import { native } from '../../src/native.js';
import { runCli, tempDir } from '../helpers/run-cli.js';

const FLOODER = '192.168.10.66';
const LAN = '192.168.0.0/16';
let dir: string;
let flood: string;

interface AnalyzeJson {
  hosts: { host: string; rank: number; score: number; flows: number }[];
  windows: { window_start: string; flows_evicted_early: number; flow_rows_dropped: number }[];
}

beforeAll(async () => {
  dir = tempDir();
  flood = join(dir, 'flood.pcap');
  await native.SynthJob.synFlood(flood, { seed: 15, syns: 60_000, durationSeconds: 300, targetAddresses: 4_096, backgroundHosts: 10 }).run();
}, 60_000);

describe('a SYN flood under the memory budget', () => {
  it('analyze counts the evictions per window in the summary, -v, the JSON and the history, and ranks the flooder first', () => {
    const out = join(dir, 'analyze.json');
    const db = join(dir, 'history.sqlite');
    const run = runCli(['analyze', flood, '--lan', LAN, '--memcap', '16MiB', '--db', db, '-o', out, '-v']);
    expect(run.stderr).not.toMatch(/ERR_|Error/);
    expect(run.status).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as AnalyzeJson;
    // Every SYN is a flow of the flooder's, counted once over the windows that tile time,
    // though most of their rows were left out: the host rows count them all.
    expect(result.hosts[0]).toMatchObject({ host: FLOODER, rank: 1, flows: 60_000 });
    expect(result.hosts[0]!.score).toBeGreaterThan(0.5);
    expect(result.hosts.slice(1).every((h) => h.score < 0.5)).toBe(true);

    const flooded = result.windows.filter((w) => w.flows_evicted_early > 0);
    expect(flooded.length).toBeGreaterThanOrEqual(3);
    expect(result.windows.every((w) => w.flow_rows_dropped >= 0)).toBe(true);
    expect(result.windows.some((w) => w.flow_rows_dropped > 10_000)).toBe(true);
    const evicted = result.windows.reduce((sum, w) => sum + w.flows_evicted_early, 0);
    const dropped = result.windows.reduce((sum, w) => sum + w.flow_rows_dropped, 0);
    // Summary and -v say the same numbers as the JSON.
    const count = (n: number) => n.toLocaleString('en-US');
    expect(run.stderr).toContain(`memory budget (--memcap 16 MiB): ${count(evicted)} flows evicted early, ${count(dropped)} flow rows left unscored, in ${result.windows.length} windows`);
    for (const w of flooded) {
      expect(run.stderr).toMatch(new RegExp(`window ${w.window_start} \\(flood\\.pcap\\): .*, ${count(w.flows_evicted_early)} flows evicted early under the memory budget`));
    }

    // The history keeps them; the report shows them.
    const report = runCli(['report', '--db', db]);
    expect(report.status).toBe(0);
    for (const w of flooded) expect(report.stdout).toContain(`window ${w.window_start}: ${count(w.flows_evicted_early)} flows evicted early under the memory budget`);
    const reportJson = join(dir, 'report.json');
    expect(runCli(['report', '--db', db, '-o', reportJson]).status).toBe(0);
    const stored = JSON.parse(readFileSync(reportJson, 'utf8')) as AnalyzeJson;
    expect(stored.windows.map((w) => [w.window_start, w.flows_evicted_early, w.flow_rows_dropped])).toEqual(
      result.windows.map((w) => [w.window_start, w.flows_evicted_early, w.flow_rows_dropped]),
    );
  });

  it('with the default budget nothing is evicted and nothing is said of it', () => {
    const out = join(dir, 'default.json');
    const run = runCli(['analyze', flood, '--lan', LAN, '--no-db', '-o', out]);
    expect(run.status).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as AnalyzeJson;
    expect(result.hosts[0]!.host).toBe(FLOODER);
    expect(result.windows.every((w) => w.flows_evicted_early === 0 && w.flow_rows_dropped === 0)).toBe(true);
    expect(run.stderr).not.toContain('memory budget');
  });

  it('flows and features report their early evictions', () => {
    const flows = runCli(['flows', flood, '--memcap', '16MiB', '-o', join(dir, 'flows.csv')]);
    expect(flows.status).toBe(0);
    const memcapLine = /flows emitted early under the memory budget \(--memcap\): (\d+)/.exec(flows.stderr);
    expect(Number(memcapLine?.[1])).toBeGreaterThan(50_000);
    const whole = runCli(['flows', flood, '--whole', '--memcap', '16MiB', '-o', join(dir, 'whole.csv')]);
    expect(Number(/under the memory budget \(--memcap\): (\d+)/.exec(whole.stderr)?.[1])).toBeGreaterThan(20_000);

    const features = runCli(['features', flood, '--lan', LAN, '--memcap', '16MiB', '-o', join(dir, 'features.arrow')]);
    expect(features.status).toBe(0);
    expect(features.stderr).toMatch(/flood\.pcap: memory budget \(--memcap\): [1-9]\d* flows evicted early, [1-9]\d* flow rows left out of the table/);
  });

  it('refuses a budget outside its limits with the unit, the limits and exit 2', () => {
    for (const memcap of ['1MiB', '2TiB', 'lots']) {
      const run = runCli(['analyze', flood, '--no-db', '--memcap', memcap]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`ERR_USAGE: --memcap needs a size from 16 MiB to 1 TiB (a number of bytes, or with a unit: KiB, MiB, GiB, TiB, kB, MB, GB, TB), got '${memcap}'`);
    }
  });
});
