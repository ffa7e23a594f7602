// flowhound live's alert file: a line when a host crosses the threshold and when it falls back
// below it (or goes quiet), JSON or IDMEFv2, and a new file after the old one was moved away.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { ScoredWindow } from '../../src/analysis/session.js';
import type { HostWindowScore, WindowResult } from '../../src/analysis/types.js';
import { AlertWriter, idmef, topPeers, type AlertRecord } from '../../src/commands/live/alerts.js';
import type { FeatureWindow } from '../../src/pipeline/features.js';
import { hostRow } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

const STEP_US = 5e6;
const T0_US = Date.UTC(2026, 11, 1) * 1000;

function host(address: string, windowStartUs: number, score: number): HostWindowScore {
  const row = hostRow(address, windowStartUs, score, [0.1], 0, score >= 0.5 ? ['opened mail connections to 20 SMTP servers'] : []);
  return {
    ...row,
    evidence: [
      { feature: 'smtp_servers', value: 20, tail: 4, subject: null, service: 'tcp/25', peers: ['65.54.188.110', '65.55.37.72'], ports: [], periodS: null, jitterS: null, spanS: null, reason: '' },
      { feature: 'scan_service_targets', value: 9, tail: 3, subject: '65.55.37.72', service: 'tcp/25', peers: ['74.205.4.13'], ports: [], periodS: null, jitterS: null, spanS: null, reason: '' },
    ],
  };
}

function scored(index: number, hosts: [string, number][], partial = false): ScoredWindow {
  const windowStartUs = T0_US + index * STEP_US;
  const result: WindowResult = { input: 'live:mirror0', windowStartUs, hosts: hosts.map(([a, s]) => host(a, windowStartUs, s)), capture: { kernelReceived: 1, kernelDropped: 0, interfaceDropped: 0, partial } };
  return { inputIndex: 0, result, features: {} as FeatureWindow };
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as AlertRecord) : []);

describe('live alerts', () => {
  it('says when a host crosses the threshold, not while it stays above, and when it falls back or goes quiet', () => {
    const path = join(tempDir(), 'alerts.jsonl');
    const writer = new AlertWriter({ target: path, format: 'json', threshold: 0.5, interface: 'mirror0', windowUs: 10e6 });
    writer.onWindow(scored(0, [['10.0.0.1', 0.9], ['10.0.0.2', 0.1]]));
    writer.onWindow(scored(1, [['10.0.0.1', 0.8], ['10.0.0.2', 0.7]]));
    writer.onWindow(scored(2, [['10.0.0.1', 0.2], ['10.0.0.2', 0.7]]));
    writer.onWindow(scored(3, [['10.0.0.3', 0.1]], true));
    writer.onFinish();
    const written = lines(path);
    expect(written.map((a) => [a.event, a.host])).toEqual([
      ['raised', '10.0.0.1'],
      ['raised', '10.0.0.2'],
      ['cleared', '10.0.0.1'],
      ['cleared', '10.0.0.2'],
    ]);
    expect(written[0]).toMatchObject({
      score: 0.9,
      threshold: 0.5,
      window_start: '2026-12-01T00:00:00Z',
      window_end: '2026-12-01T00:00:10Z',
      partial: false,
      reasons: ['opened mail connections to 20 SMTP servers'],
      top_peers: ['65.54.188.110', '65.55.37.72', '74.205.4.13'],
      interface: 'mirror0',
    });
    expect(written[3]).toMatchObject({ score: 0, partial: true });
    expect(writer.written).toBe(4);
  });

  it('writes to a new file at its path after SIGHUP (reopen) when the old one was moved away', () => {
    const path = join(tempDir(), 'alerts.jsonl');
    const writer = new AlertWriter({ target: path, format: 'json', threshold: 0.5, interface: 'mirror0', windowUs: 10e6 });
    writer.onWindow(scored(0, [['10.0.0.1', 0.9]]));
    renameSync(path, `${path}.1`);
    writer.onWindow(scored(1, [['10.0.0.2', 0.9], ['10.0.0.1', 0.9]]));
    writer.reopen();
    writer.onWindow(scored(2, [['10.0.0.2', 0.9]]));
    writer.onFinish();
    // Before the reopen, lines still go to the moved file (it is the one open).
    expect(lines(`${path}.1`).map((a) => [a.event, a.host])).toEqual([
      ['raised', '10.0.0.1'],
      ['raised', '10.0.0.2'],
    ]);
    expect(lines(path).map((a) => [a.event, a.host])).toEqual([['cleared', '10.0.0.1']]);
  });

  it('as IDMEFv2: the host is the Source, its peers the Targets, the score the Confidence', () => {
    const record: AlertRecord = {
      time: '2026-12-01T00:00:12.000Z', event: 'raised', host: '147.32.84.165', score: 0.93, threshold: 0.39, window_start: '2026-12-01T00:00:00Z', window_end: '2026-12-01T00:00:10Z',
      partial: false, reasons: ['a', 'b'], top_peers: ['65.54.188.110'], interface: 'mirror0', sensor: 'sensor-1',
    };
    expect(idmef(record)).toMatchObject({
      Version: '2.0.3', Category: ['Intrusion.Botnet'], Status: 'Incident', Severity: 'High', Confidence: 0.93, Note: 'a; b', CreateTime: record.time, StartTime: record.window_start,
      Analyzer: { Name: 'flowhound', Hostname: 'sensor-1', Category: ['NIDS'] }, Source: [{ IP: '147.32.84.165' }], Target: [{ IP: '65.54.188.110' }],
    });
    expect(idmef({ ...record, event: 'cleared' })).toMatchObject({ Status: 'Event', Severity: 'Info' });
    expect(topPeers({ evidence: [] })).toEqual([]);
  });
});
