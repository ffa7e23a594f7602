// Results that explain themselves: the hints analyze ends with when its options do not fit its
// inputs (a CTU-13 file without its LAN or offset, no LAN host at all), the line every run ends
// with, and --at checked against the run's windows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { inputHints, isCtu13FlowText, rangeOf, sniffInput, type AddressCensus } from '../../src/analysis/input-hints.js';
import { Ranking } from '../../src/analysis/ranking.js';
import type { HostRanking, WindowResult } from '../../src/analysis/types.js';
import { verdictLine } from '../../src/commands/analyze/display.js';
import { FlowhoundError } from '../../src/errors.js';

const CTU13_HEAD =
  'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n' +
  '2011/08/16 10:01:46.972101,3550.182373,udp,212.50.71.179,39678,  <->,147.32.84.229,13363,CON,0,0,12,875,413,flow=Background-UDP-Established\n';
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

describe('CTU-13 inputs recognised by their first bytes', () => {
  it('knows a CTU-13 binetflow by its header, its 2011 dates and its 147.32/16 addresses', () => {
    expect(isCtu13FlowText(CTU13_HEAD)).toBe(true);
    expect(isCtu13FlowText(CTU13_HEAD.replace('2011/', '2024/'))).toBe(false);
    expect(isCtu13FlowText(CTU13_HEAD.replace(/147\.32\./g, '10.1.'))).toBe(false);
    expect(isCtu13FlowText(CTU13_HEAD.replace(',Label', ''))).toBe(false);
    expect(isCtu13FlowText('\xd4\xc3\xb2\xa1 a pcap')).toBe(false);
  });

  it('reads plain and gzip files, and says nothing of one it cannot read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-hints-'));
    writeFileSync(join(dir, 'a.binetflow'), CTU13_HEAD);
    writeFileSync(join(dir, 'a.binetflow.gz'), gzipSync(Buffer.from(CTU13_HEAD.repeat(2000))).subarray(0, 3000));
    expect(await sniffInput(join(dir, 'a.binetflow'))).toEqual({ ctu13FlowFile: true });
    expect(await sniffInput(join(dir, 'a.binetflow.gz'))).toEqual({ ctu13FlowFile: true });
    expect(await sniffInput(join(dir, 'missing'))).toEqual({ ctu13FlowFile: false });
  });

  it('says which --lan and --utc-offset a CTU-13 flow file needs, only those not given', () => {
    const base = { inputs: ['s6.binetflow.gz'], sniffs: [{ ctu13FlowFile: true }], census: null };
    expect(inputHints({ ...base, lan: PRIVATE, lanGiven: false, utcOffsetGiven: false })).toEqual([
      'hint: s6.binetflow.gz looks like CTU-13 (147.32/16 addresses, 2011): its hosts are in 147.32.0.0/16, outside the default --lan (the private ranges); add --lan 147.32.0.0/16',
      "hint: CTU-13's flow files are in CEST: add --utc-offset 120, or every time is read 2 hours late",
    ]);
    expect(inputHints({ ...base, lan: ['147.32.0.0/16'], lanGiven: true, utcOffsetGiven: true })).toEqual([]);
    expect(inputHints({ ...base, lan: ['147.32.0.0/16'], lanGiven: true, utcOffsetGiven: false })).toHaveLength(1);
  });
});

describe('no LAN host: the addresses seen, and the ranges with most traffic', () => {
  const census = (ranges: AddressCensus['ranges'], firstUs: number): AddressCensus => ({
    addresses: ranges.reduce((n, r) => n + r.addresses, 0),
    flows: 297,
    ranges,
    firstUs,
    partial: false,
  });

  it('counts the addresses, says none is in --lan, and suggests the busiest range', () => {
    const lines = inputHints({
      inputs: ['cc1.pcap'],
      lan: PRIVATE,
      lanGiven: false,
      utcOffsetGiven: false,
      sniffs: [{ ctu13FlowFile: false }],
      census: census(
        [
          { range: '147.32.0.0/16', flows: 297, addresses: 1, busiestAddressFlows: 297 },
          { range: '141.193.0.0/16', flows: 297, addresses: 2, busiestAddressFlows: 290 },
        ],
        Date.UTC(2024, 1, 8) * 1000,
      ),
    });
    expect(lines).toEqual([
      'no LAN host: 3 addresses seen, none in the default --lan (the private ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7)',
      '  the ranges with most traffic: 147.32.0.0/16 (297 flows, 1 address), 141.193.0.0/16 (297 flows, 2 addresses)',
      '  if your hosts are there, try --lan 147.32.0.0/16',
    ]);
  });

  it('takes a capture whose traffic is 147.32/16 in 2011 for CTU-13', () => {
    const lines = inputHints({
      inputs: ['slice.pcap'],
      lan: ['10.0.0.0/8'],
      lanGiven: true,
      utcOffsetGiven: false,
      sniffs: [{ ctu13FlowFile: false }],
      census: census([{ range: '147.32.0.0/16', flows: 1000, addresses: 56, busiestAddressFlows: 300 }], Date.UTC(2011, 7, 16) * 1000),
    });
    expect(lines[0]).toBe('no LAN host: 56 addresses seen, none in --lan 10.0.0.0/8');
    expect(lines.at(-1)).toMatch(/^hint: slice\.pcap looks like CTU-13 .* outside --lan 10\.0\.0\.0\/8; add --lan 147\.32\.0\.0\/16$/);
    // A capture's times are UTC already: no --utc-offset hint.
    expect(lines.some((line) => line.includes('--utc-offset'))).toBe(false);
  });

  it('groups IPv4 addresses by /16 and IPv6 by /48', () => {
    expect(rangeOf('147.32.84.165')).toBe('147.32.0.0/16');
    expect(rangeOf('2001:db8:0:1::5')).toBe('2001:db8:0::/48');
    expect(rangeOf('2001:0db8:00aa:1:2:3:4:5')).toBe('2001:db8:aa::/48');
    expect(rangeOf('::1')).toBe('0:0:0::/48');
  });
});

function host(partial: Partial<HostRanking> & { host: string }): HostRanking {
  return {
    rank: 1, score: 0, peakScore: 0, peakWindowStartUs: 0, flows: 1, botnetFlows: 0, reasons: [], evidence: [], peakResemblance: 0, scores: [],
    suspiciousNow: false, suspiciousBefore: false, firstSuspiciousWindowStartUs: null, lastSuspiciousWindowStartUs: null, inputs: [], ...partial,
  };
}

describe('the line every analyze run ends with', () => {
  it('counts the hosts suspicious now and before', () => {
    const hosts = [host({ host: 'a', suspiciousNow: true }), host({ host: 'b', suspiciousBefore: true }), host({ host: 'c', suspiciousBefore: true }), host({ host: 'd' })];
    expect(verdictLine({ hosts, threshold: 0.3943 })).toBe('analyze: 1 suspicious now, 2 before (threshold 0.3943)');
  });

  it('says that no host reached the threshold, and the highest score reached', () => {
    const hosts = [host({ host: '192.168.88.36', peakScore: 0.1451 }), host({ host: '192.168.1.2', peakScore: 0.02 })];
    expect(verdictLine({ hosts, threshold: 0.3943 })).toBe('analyze: no host reached the threshold 0.3943 (highest: 192.168.88.36, 0.145)');
    expect(verdictLine({ hosts: [], threshold: 0.3943 })).toBe('analyze: no host reached the threshold 0.3943 (no LAN host was ranked)');
    const windows = [{ windowStartUs: 0, hosts: 3, maxScore: 0.9, suspiciousHosts: 1, flowsEvictedEarly: 0, flowRowsDropped: 0 }];
    expect(verdictLine({ hosts: [], threshold: 0.3943, windows })).toBe('analyze: no host reached the threshold 0.3943 (no LAN host passed --ip/--range, --exclude and --min-flows)');
  });
});

describe('--at: the window that is now, or an error naming the windows', () => {
  const window = (start: number, input: string, score: number): WindowResult => ({
    input,
    windowStartUs: start,
    hosts: [{ host: 'h', windowStartUs: start, score, anomaly: 0, resemblance: 0, flows: 1, botnetFlows: 0, reasons: [], evidence: [], behaviour: [] }],
  });
  const ranking = new Ranking(0.5, 300e6);
  ranking.add(window(0, 'a.pcap', 0.9), '/data/a.pcap');
  ranking.add(window(150e6, 'a.pcap', 0.1), '/data/a.pcap');
  ranking.add(window(300e6, 'b.pcap', 0.7), '/data/b.pcap');

  it('takes the latest window that holds the time', () => {
    expect(ranking.rank({ threshold: 0.5, nowWindowStartUs: 200e6 }).nowWindowStartUs).toBe(150e6);
    expect(ranking.rank({ threshold: 0.5, nowWindowStartUs: 599e6 }).nowWindowStartUs).toBe(300e6);
  });

  it('refuses a time no window holds with ERR_AT_OUTSIDE_WINDOWS, naming their span', () => {
    let error: unknown;
    try {
      ranking.rank({ threshold: 0.5, nowWindowStartUs: 600e6 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlowhoundError);
    expect((error as FlowhoundError).code).toBe('ERR_AT_OUTSIDE_WINDOWS');
    expect((error as FlowhoundError).message).toBe('--at 1970-01-01T00:10:00Z is in no window of the run: its windows cover 1970-01-01T00:00:00Z to 1970-01-01T00:10:00Z');
  });

  it("gives each host its first and last suspicious window and the inputs that hold it", () => {
    const [h] = ranking.rank({ threshold: 0.5 }).hosts;
    expect([h!.firstSuspiciousWindowStartUs, h!.lastSuspiciousWindowStartUs, h!.inputs]).toEqual([0, 300e6, ['/data/a.pcap', '/data/b.pcap']]);
  });
});
