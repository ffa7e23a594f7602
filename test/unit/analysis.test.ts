// The orchestrator's own logic: flow scores gathered per host, the ranking over windows,
// reasons in words, host filters, sparklines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { hostFlowCounts, hostScoreAggregates } from '../../src/analysis/host-aggregates.js';
import { hostFilter } from '../../src/analysis/host-filter.js';
import { Ranking } from '../../src/analysis/ranking.js';
import { reasonsFrom } from '../../src/analysis/reasons.js';
import type { WindowResult } from '../../src/analysis/types.js';
import { sparkline } from '../../src/sinks/ranking-output.js';

describe('host score aggregates', () => {
  it('gather each host\'s flows from both ends, a flow to itself once, as the training does', () => {
    // Host 0 initiates flows 0 and 1; flow 1 goes to host 1; flow 2 is host 1 to itself; host 2 has none.
    const src = Int32Array.from([0, 0, 1, -1]);
    const dst = Int32Array.from([-1, 1, 1, 1]);
    const scores = Float32Array.from([0.9, 0.2, 0.6, 0.1]);
    const aggregates = hostScoreAggregates(3, src, dst, scores, 0.5);
    const row = (host: number) => Array.from(aggregates.subarray(host * 4, host * 4 + 4));
    expect(row(0).map((v) => +v.toFixed(4))).toEqual([0.9, 0.55, 1, 0.5]);
    expect(row(1).map((v) => +v.toFixed(4))).toEqual([0.6, 0.3, 1, 0.3333]);
    expect(row(2)).toEqual([0, 0, 0, 0]);
    expect(Array.from(hostFlowCounts(3, src, dst))).toEqual([2, 3, 0]);
  });
});

function window(start: number, scores: Record<string, number>): WindowResult {
  return {
    input: 'x',
    windowStartUs: start,
    hosts: Object.entries(scores).map(([host, score]) => ({
      host, windowStartUs: start, score, flows: 10, botnetFlows: score > 0.5 ? 5 : 0, reasons: [`reason of ${host} at ${start}`], behaviour: [],
    })),
  };
}

describe('ranking', () => {
  // Windows of 300 every 150: the windows at 0 and 300 tile time and count the flows.
  const ranking = new Ranking(0.5, 300);
  ranking.add(window(0, { a: 0.9, b: 0.1, c: 0.3 }));
  ranking.add(window(150, { a: 0.2, b: 0.8, c: 0.4 }));
  ranking.add(window(300, { a: 0.1, b: 0.7 }));

  it('puts hosts suspicious now first, then the rest by their peak, and tells now from before', () => {
    const { nowWindowStartUs, hosts } = ranking.rank({ threshold: 0.5 });
    expect(nowWindowStartUs).toBe(300);
    expect(hosts.map((h) => [h.host, h.rank, h.suspiciousNow, h.suspiciousBefore])).toEqual([
      ['b', 1, true, false],
      ['a', 2, false, true],
      ['c', 3, false, false],
    ]);
    const a = hosts[1]!;
    expect([a.score, a.peakScore, a.peakWindowStartUs, a.flows, a.botnetFlows]).toEqual([0.1, 0.9, 0, 20, 5]);
    expect(a.reasons).toEqual(['reason of a at 0']);
    expect(hosts[2]!.scores).toEqual([0.3, 0.4, 0]);
  });

  it('takes another window as now, leaves out small and filtered hosts', () => {
    expect(ranking.rank({ threshold: 0.5, nowWindowStartUs: 0 }).hosts.map((h) => h.host)).toEqual(['a', 'b', 'c']);
    expect(ranking.rank({ threshold: 0.5, minFlows: 15 }).hosts.map((h) => h.host)).toEqual(['b', 'a']);
    expect(ranking.rank({ threshold: 0.5, hostFilter: (h) => h !== 'b' }).hosts.map((h) => h.host)).toEqual(['a', 'c']);
    expect(ranking.windows().map((w) => w.suspiciousHosts)).toEqual([1, 1, 1]);
  });
});

describe('reasons', () => {
  it('tell the inputs that pushed the score most, once each, in words', () => {
    const names = ['smtp_flows', 'distinct_smtp_servers', 'tcp_failed_share', 'dns_flows', 'dns_share'];
    const values = { smtp_flows: 412, distinct_smtp_servers: 301, tcp_failed_share: 0.93, dns_flows: 3, dns_share: 0.01 };
    const typical = [0, 0, 0.1, 10, 0.5];
    const reasons = reasonsFrom(names, values, [0.3, 0.2, 0.1, 0.0, -0.2], typical);
    expect(reasons).toEqual(['412 SMTP connection attempts to 301 servers', '93% of the TCP connections it opened failed or were reset']);
    // Fewer DNS flows than typical pushed the score up: not a reason a person can use.
    expect(reasonsFrom(names, values, [0, 0, 0, 0.4, 0], typical)).toEqual([]);
  });
});

describe('host filter (--ip/--range)', () => {
  it('takes addresses, CIDR ranges and files of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-filter-'));
    const file = join(dir, 'hosts.txt');
    writeFileSync(file, '# bots\n10.0.0.7\n2001:db8::/32  # lab\n');
    const accepts = hostFilter(['147.32.84.0/24', file])!;
    expect(['147.32.84.165', '10.0.0.7', '2001:db8::1'].every(accepts)).toBe(true);
    expect(['147.32.85.1', '10.0.0.8', 'fe80::1'].some(accepts)).toBe(false);
    expect(hostFilter([])).toBeUndefined();
    expect(() => hostFilter(['147.32.0.0/33'])).toThrow(/bad prefix/);
    expect(() => hostFilter([join(dir, 'absent.txt')])).toThrow(/cannot read the range file/);
  });
});

describe('sparkline', () => {
  it('draws a score per window and folds long runs to their peaks', () => {
    expect(sparkline([0, 0.1, 0.5, 1])).toBe('·▁▅█');
    expect(sparkline(Array.from({ length: 80 }, (_, i) => (i === 79 ? 1 : 0)), 40)).toBe(`${'·'.repeat(39)}█`);
  });
});
