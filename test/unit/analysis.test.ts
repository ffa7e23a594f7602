// The orchestrator's own logic: flow scores gathered per host, the ranking over windows,
// reasons in words (the evidence rare among clean hosts), host filters, sparklines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { hostFlowCounts, hostScoreAggregates } from '../../src/analysis/host-aggregates.js';
import { hostFilter } from '../../src/analysis/host-filter.js';
import { Ranking } from '../../src/analysis/ranking.js';
import { describeEvidence, type EvidenceFinding, evidenceDetails, findings, MAX_REASONS, REASON_MIN_TAIL, rarity } from '../../src/analysis/reasons.js';
import type { WindowResult } from '../../src/analysis/types.js';
import type { FeatureWindow } from '../../src/pipeline/features.js';
import { SCHEMA } from '../helpers/models.js';
import { sparkline } from '../../src/sinks/ranking-table.js';

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

/** A finding that only names where it comes from, for the ranking's bookkeeping. */
function marker(host: string, start: number): EvidenceFinding {
  return {
    feature: 'smtp_servers', value: start, tail: 5, subject: host, service: null, peers: [], ports: [],
    periodS: null, jitterS: null, spanS: null, reason: `reason of ${host} at ${start}`,
  };
}

function window(start: number, scores: Record<string, number>): WindowResult {
  return {
    input: 'x',
    windowStartUs: start,
    hosts: Object.entries(scores).map(([host, score]) => ({
      host, windowStartUs: start, score, anomaly: 10 * score, resemblance: score / 2, flows: 10, botnetFlows: score > 0.5 ? 5 : 0,
      reasons: [`reason of ${host} at ${start}`], evidence: [marker(host, start)], behaviour: [],
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
    // The reasons, evidence and resemblance of its peak window, not of now.
    expect(a.reasons).toEqual(['reason of a at 0']);
    expect(a.evidence).toEqual([marker('a', 0)]);
    expect(a.peakResemblance).toBe(0.45);
    expect(hosts[2]!.scores).toEqual([0.3, 0.4, 0]);
  });

  it('takes another window as now, leaves out small and filtered hosts', () => {
    expect(ranking.rank({ threshold: 0.5, nowWindowStartUs: 0 }).hosts.map((h) => h.host)).toEqual(['a', 'b', 'c']);
    expect(ranking.rank({ threshold: 0.5, minFlows: 15 }).hosts.map((h) => h.host)).toEqual(['b', 'a']);
    expect(ranking.rank({ threshold: 0.5, hostFilter: (h) => h !== 'b' }).hosts.map((h) => h.host)).toEqual(['a', 'c']);
    expect(ranking.windows().map((w) => w.suspiciousHosts)).toEqual([1, 1, 1]);
  });
});

describe('reasons: the evidence rare among clean hosts, in words', () => {
  const EVIDENCE = SCHEMA.hostEvidence;
  const at = (name: string) => {
    const k = EVIDENCE.indexOf(name);
    expect(k, name).toBeGreaterThanOrEqual(0);
    return k;
  };
  const none = { subject: null, service: null, peers: [], ports: [], periodS: null, jitterS: null, spanS: null };
  const five = ['4.59.182.109', '12.17.175.148', '12.34.32.242', '12.96.222.10', '24.71.223.11'];

  it('rarity: a tail score as "1 in N", N to two figures', () => {
    expect(rarity(3)).toBe('1 in 1,000');
    expect(rarity(4)).toBe('1 in 10,000');
    expect(rarity(4.49)).toBe('1 in 31,000'); // 10^4.49 = 30,903
    expect(rarity(2.5)).toBe('1 in 320'); // 316.2
    expect(rarity(6.186)).toBe('1 in 1,500,000'); // 1,534,617
    expect(rarity(0)).toBe('1 in 1');
  });

  it('tells each evidence with its number, the address and service it was counted on, and its peers', () => {
    const sentences: [string, Parameters<typeof describeEvidence>[1], string][] = [
      ['scan_service_targets', { ...none, value: 104, service: 'tcp/25', peers: five },
        'tried tcp/25 on 104 new addresses that did not answer or refused (4.59.182.109, 12.17.175.148, 12.34.32.242, 12.96.222.10, 24.71.223.11, … 99 more)'],
      ['scan_ports_one_target', { ...none, value: 7, subject: '10.0.0.9', ports: [22, 23, 80, 443, 3389] },
        'tried 7 TCP ports of 10.0.0.9, in vain (22, 23, 80, 443, 3389, …)'],
      ['failed_retries_one_service', { ...none, value: 40, subject: '203.0.113.7', service: 'tcp/8080' },
        '203.0.113.7 (tcp/8080) did not answer 40 attempts'],
      ['unanswered_pkts_one_target', { ...none, value: 5270, subject: '198.51.100.1' },
        'sent 5,270 packets that 198.51.100.1 never answered: a flood'],
      ['smtp_servers', { ...none, value: 2, peers: five.slice(0, 2) },
        'opened mail connections to 2 SMTP servers (4.59.182.109, 12.17.175.148)'],
      ['irc_connections', { ...none, value: 1, subject: '147.32.96.69', service: 'tcp/6667' },
        '1 IRC connection to 147.32.96.69 (tcp/6667)'],
      ['dns_unanswered', { ...none, value: 12, subject: '192.168.1.1', service: 'udp/53' },
        '12 DNS queries got no answer (resolver 192.168.1.1)'],
      ['dns_queries_outside', { ...none, value: 1204, subject: '8.8.8.8', service: 'udp/53' },
        '1,204 DNS queries to 8.8.8.8 outside the LAN'],
      ['conns_one_outside_service', { ...none, value: 413, subject: '93.184.216.34', service: 'tcp/443' },
        'opened 413 connections to 93.184.216.34 (tcp/443)'],
      ['beacon_contacts', { ...none, value: 60, subject: '198.51.100.20', service: 'tcp/80', periodS: 1.4, jitterS: 0.12, spanS: 84 },
        'contacted 198.51.100.20 (tcp/80) every 1.4 s ± 0.1 s, 60 times in 84 s'],
    ];
    // One sentence for every evidence feature of the schema.
    expect(sentences.map(([feature]) => feature)).toEqual(EVIDENCE);
    for (const [feature, detail, sentence] of sentences) {
      const told = describeEvidence(feature, detail);
      expect(told, feature).toBe(sentence);
      expect(told).toContain(Math.round(detail.value).toLocaleString('en-US'));
      for (const part of [detail.subject, ...detail.peers]) if (part !== null) expect(told, feature).toContain(part);
      // The service by its port, or for DNS by its name.
      if (detail.service !== null) expect(told.includes(detail.service) || (detail.service === 'udp/53' && told.includes('DNS')), feature).toBe(true);
    }
    // Longer periods in minutes; a value that is not whole (addresses times a share) rounded.
    expect(describeEvidence('beacon_contacts', { ...none, value: 12, subject: '10.9.9.9', service: 'udp/123', periodS: 150, jitterS: 3, spanS: 1650 }))
      .toBe('contacted 10.9.9.9 (udp/123) every 2.5 min ± 3.0 s, 12 times in 28 min');
    expect(describeEvidence('scan_service_targets', { ...none, value: 6.6, service: 'tcp/23', peers: five }))
      .toBe('tried tcp/23 on 7 new addresses that did not answer or refused (4.59.182.109, 12.17.175.148, 12.34.32.242, 12.96.222.10, 24.71.223.11, … 2 more)');
    // Without the details, the number is still told.
    expect(describeEvidence('failed_retries_one_service', { ...none, value: 1 })).toBe('one server did not answer 1 attempt');
    expect(describeEvidence('not_an_evidence', { ...none, value: 3 })).toBe('not_an_evidence = 3');
  });

  it('findings: the evidence at least REASON_MIN_TAIL rare, the rarest first, at most MAX_REASONS, with their details', () => {
    expect([REASON_MIN_TAIL, MAX_REASONS]).toEqual([3, 3]);
    const values = new Array<number>(EVIDENCE.length).fill(0);
    const tails = new Float32Array(EVIDENCE.length);
    const set = (name: string, value: number, tail: number) => {
      values[at(name)] = value;
      tails[at(name)] = tail;
    };
    set('scan_service_targets', 104, 5.25);
    set('smtp_servers', 128, 6.25);
    set('dns_queries_outside', 182, 4);
    set('conns_one_outside_service', 40, 3.5); // rare enough, but a fourth
    set('failed_retries_one_service', 6, 2.75); // below REASON_MIN_TAIL
    tails[at('irc_connections')] = 7; // a tail without a value: nothing to tell
    const details = new Map([
      [at('smtp_servers'), { ...none, peers: five }],
      [at('scan_service_targets'), { ...none, service: 'tcp/25', peers: five }],
      [at('dns_queries_outside'), { ...none, subject: '8.8.8.8', service: 'udp/53' }],
    ]);
    const found = findings(EVIDENCE, values, tails, details);
    expect(found.map((f) => [f.feature, f.value, f.tail])).toEqual([
      ['smtp_servers', 128, 6.25],
      ['scan_service_targets', 104, 5.25],
      ['dns_queries_outside', 182, 4],
    ]);
    expect(found[0]).toEqual({ feature: 'smtp_servers', value: 128, tail: 6.25, ...none, peers: five,
      reason: 'opened mail connections to 128 SMTP servers (4.59.182.109, 12.17.175.148, 12.34.32.242, 12.96.222.10, 24.71.223.11, … 123 more)' });
    expect(found[1]!.reason).toBe(describeEvidence('scan_service_targets', { ...none, service: 'tcp/25', peers: five, value: 104 }));
    expect(found[2]!.reason).toBe('182 DNS queries to 8.8.8.8 outside the LAN');

    // Fewer rare ones: all told; exactly REASON_MIN_TAIL is rare enough, just below is not.
    tails.fill(0);
    set('conns_one_outside_service', 40, REASON_MIN_TAIL);
    set('beacon_contacts', 9, REASON_MIN_TAIL - 0.01);
    expect(findings(EVIDENCE, values, tails, undefined).map((f) => [f.feature, f.reason])).toEqual([
      ['conns_one_outside_service', 'opened 40 connections to one server'],
    ]);
    // Nothing rare: nothing told.
    expect(findings(EVIDENCE, values, new Float32Array(EVIDENCE.length).fill(2.9), details)).toEqual([]);
  });

  it("evidenceDetails: the native builder's columns, by host row and evidence", () => {
    const evidence = {
      host: Int32Array.from([0, 0, 2]),
      evidence: Uint8Array.from([at('smtp_servers'), at('beacon_contacts'), at('scan_ports_one_target')]),
      subject: ['', '198.51.100.20', '10.0.0.9'],
      protocol: Uint8Array.from([0, 6, 6]),
      port: Int32Array.from([-1, 443, -1]),
      peerOffsets: Int32Array.from([0, 2, 2, 2]),
      peers: ['4.59.182.109', '12.17.175.148'],
      portOffsets: Int32Array.from([0, 0, 0, 3]),
      ports: Int32Array.from([22, 23, 3389]),
      periodUs: Float64Array.from([0, 60e6, 0]),
      jitterUs: Float64Array.from([0, 2.5e6, 0]),
      spanUs: Float64Array.from([0, 1_800e6, 0]),
    };
    const byHost = evidenceDetails({ evidence } as unknown as FeatureWindow);
    expect([...byHost.keys()]).toEqual([0, 2]);
    expect(byHost.get(0)!.get(at('smtp_servers'))).toEqual({ ...none, peers: ['4.59.182.109', '12.17.175.148'] });
    expect(byHost.get(0)!.get(at('beacon_contacts'))).toEqual({ ...none, subject: '198.51.100.20', service: 'tcp/443', periodS: 60, jitterS: 2.5, spanS: 1800 });
    expect(byHost.get(2)!.get(at('scan_ports_one_target'))).toEqual({ ...none, subject: '10.0.0.9', service: 'tcp', ports: [22, 23, 3389] });
    // Told as findings of host 0.
    const values = new Array<number>(EVIDENCE.length).fill(0);
    const tails = new Array<number>(EVIDENCE.length).fill(0);
    values[at('beacon_contacts')] = 31;
    tails[at('beacon_contacts')] = 4.5;
    expect(findings(EVIDENCE, values, tails, byHost.get(0)).map((f) => f.reason)).toEqual([
      'contacted 198.51.100.20 (tcp/443) every 60 s ± 2.5 s, 31 times in 30 min',
    ]);
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
