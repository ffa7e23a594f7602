// The one output model: analyze and report write the same ranking table (columns, names,
// times, numbers), and every JSON document follows one naming (snake_case keys, ISO 8601 UTC
// times).
import { join } from 'node:path';
import { tableFromIPC, Timestamp, Type, type DataType } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import type { AnalysisResult, HostRanking } from '../../src/analysis/types.js';
import { analysisJson, analysisOutput } from '../../src/commands/analyze/output.js';
import { SqliteHistory } from '../../src/history/sqlite-history.js';
import { HistoryStore } from '../../src/history/store.js';
import { assembleReport } from '../../src/report/report-data.js';
import { reportJson } from '../../src/report/report-json.js';
import { reportSummary } from '../../src/report/text.js';
import { rankingArrow } from '../../src/sinks/ranking-arrow.js';
import { RANKING_COLUMNS, rankingCsv } from '../../src/sinks/ranking-table.js';
import { runInfo, writeScenario6Run } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

const START_US = 1_313_480_000_000_000;

function ranked(host: string, rank: number, overrides: Partial<HostRanking> = {}): HostRanking {
  return {
    host, rank, score: 0.1, peakScore: 0.2, peakWindowStartUs: START_US, flows: 10, botnetFlows: 0, reasons: [], evidence: [], peakResemblance: 0.5,
    scores: [0.2, 0.1], suspiciousNow: false, suspiciousBefore: false, firstSuspiciousWindowStartUs: null, lastSuspiciousWindowStartUs: null, inputs: ['lab.pcap'],
    ...overrides,
  };
}

const RESULT: AnalysisResult = {
  run: { ...runInfo(), finishedAt: '2026-01-01T00:01:00.000Z' },
  threshold: 0.5,
  windowStartsUs: [START_US, START_US + 150e6],
  nowWindowStartUs: START_US + 150e6,
  hosts: [
    ranked('10.0.0.66', 1, { score: 0.9123456, peakScore: 0.95, peakWindowStartUs: START_US + 150e6, botnetFlows: 7, suspiciousNow: true, reasons: ['sent 1,481 "probes"', 'and more'] }),
    ranked('10.0.0.7', 2),
  ],
  windows: [
    { windowStartUs: START_US, hosts: 2, maxScore: 0.2, suspiciousHosts: 0, flowsEvictedEarly: 0, flowRowsDropped: 0 },
    { windowStartUs: START_US + 150e6, hosts: 2, maxScore: 0.9123456, suspiciousHosts: 1, flowsEvictedEarly: 12, flowRowsDropped: 3 },
  ],
  groups: [{ id: 1, hosts: ['10.0.0.66'], centroid: [1, 2] }],
};

/** Every key of a JSON value, at any depth, with its path. */
function keys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => keys(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [`${path}.${key}`, ...keys(item, `${path}.${key}`)]);
}

const SNAKE_CASE = /\.[a-z0-9]+(_[a-z0-9]+)*$/;

describe('the ranking table', () => {
  it('writes CSV under the column names, times in ISO 8601 UTC, scores with every digit, the group, quoted where needed', () => {
    const [header, bot, clean] = rankingCsv({ hosts: [{ ...RESULT.hosts[0]!, group: 1 }, { ...RESULT.hosts[1]!, group: null }] }).trimEnd().split('\n');
    expect(header).toBe(RANKING_COLUMNS.map((c) => c.name).join(','));
    expect(header).toBe('rank,host,score,peak_score,peak_window_start,flows,model_botnet_flows,suspicious_now,suspicious_before,group,reasons');
    expect(bot).toBe('1,10.0.0.66,0.9123456,0.95,2011-08-16T07:35:50Z,10,7,true,false,1,"sent 1,481 ""probes""; and more"');
    expect(clean).toBe('2,10.0.0.7,0.1,0.2,2011-08-16T07:33:20Z,10,0,false,false,,');
  });

  it('writes Arrow with the same columns, times as timestamp[us, UTC], counts as int64', () => {
    const table = tableFromIPC(rankingArrow({ hosts: [{ ...RESULT.hosts[0]!, group: 1 }, { ...RESULT.hosts[1]!, group: null }] }));
    expect(table.schema.fields.map((f) => f.name)).toEqual(RANKING_COLUMNS.map((c) => c.name));
    const peak = table.schema.fields.find((f) => f.name === 'peak_window_start')!.type as Timestamp;
    expect([peak.unit, peak.timezone]).toEqual([2, 'UTC']); // TimeUnit.MICROSECOND
    const group = table.getChild('group')!;
    expect([group.get(0), group.get(1)]).toEqual([1, null]);
    // Counts as integers, so that pandas reads (and writes back) int64, not float64.
    for (const name of ['flows', 'model_botnet_flows', 'rank']) {
      const type = table.schema.fields.find((f) => f.name === name)!.type as DataType;
      expect(type.typeId, name).toBe(Type.Int);
    }
    expect(table.getChild('flows')!.get(0)).toBe(BigInt(RESULT.hosts[0]!.flows));
  });

  it("is analyze's terminal table and CSV, and report's, with the same columns", async () => {
    const text = (await analysisOutput(RESULT, 'table', { colour: false, verbose: false })) as string;
    expect(text).toMatch(/\n\s+1 {2}10\.0\.0\.66 {2}0\.912 {2}0\.950 {2}2011-08-16T07:35:50Z +10 +7 {2}NOW +1 {2}▂▁\n/);
    expect(await analysisOutput(RESULT, 'csv', { colour: false, verbose: false })).toMatch(/^rank,host,score,peak_score,peak_window_start,flows,model_botnet_flows,suspicious_now,suspicious_before,group,reasons\n1,10\.0\.0\.66,/);

    const db = join(tempDir(), 'history.sqlite');
    const store = HistoryStore.open(db);
    writeScenario6Run(store);
    const { report } = await assembleReport(new SqliteHistory(store), { selection: {}, generatedAt: '2026-01-02T00:00:00.000Z' });
    store.close();
    const columns = (out: string) => out.split('\n').find((line) => line.startsWith('rank'))!.split(/ {2,}/);
    expect(columns(text)).toEqual(['rank', 'host', 'now', 'peak', 'peak at', 'flows', 'model botnet', 'status', 'group', 'score over time']);
    expect(columns(reportSummary(report))).toEqual(columns(text));
    expect(rankingCsv(report).split('\n')[0]).toBe(rankingCsv({ hosts: [] }).trimEnd());
  });

  it('with -v, tells under a suspicious host since when, until when, and the command that shows its flows', async () => {
    const result = { ...RESULT, hosts: [{ ...RESULT.hosts[0]!, firstSuspiciousWindowStartUs: START_US, lastSuspiciousWindowStartUs: START_US + 150e6, inputs: ['lab day.pcap'] }] };
    const text = (await analysisOutput(result, 'table', { colour: false, verbose: true })) as string;
    expect(text).toContain('suspicious from the window at 2011-08-16T07:33:20Z to the one at 2011-08-16T07:35:50Z');
    expect(text).toContain("its flows: flowhound flows 'lab day.pcap' --host 10.0.0.66 --utc-offset 120");
    expect(await analysisOutput(result, 'table', { colour: false, verbose: false })).not.toContain('its flows');
  });
});

describe('evidence per host in JSON', () => {
  it("names the model's count as such, and gives the first and last suspicious window, the inputs and the flows command", () => {
    const host = { ...RESULT.hosts[0]!, firstSuspiciousWindowStartUs: START_US + 150e6, lastSuspiciousWindowStartUs: START_US + 150e6, inputs: ['a.pcap', 'b.pcap'] };
    const [json] = (JSON.parse(analysisJson({ ...RESULT, hosts: [host] })) as { hosts: Record<string, unknown>[] }).hosts;
    expect(json).toMatchObject({
      model_botnet_flows: 7,
      first_suspicious_window: '2011-08-16T07:35:50Z',
      last_suspicious_window: '2011-08-16T07:35:50Z',
      inputs: ['a.pcap', 'b.pcap'],
      // Read with the run's --utc-offset (120), so that a flow file's times match the windows'.
      flows_commands: ['flowhound flows a.pcap --host 10.0.0.66 --utc-offset 120', 'flowhound flows b.pcap --host 10.0.0.66 --utc-offset 120'],
    });
    expect(json).not.toHaveProperty('botnet_flows');
  });
});

describe('every JSON document', () => {
  it('has snake_case keys and ISO 8601 UTC times: analyze and report alike', async () => {
    const analyze = JSON.parse(analysisJson(RESULT)) as Record<string, unknown>;
    const db = join(tempDir(), 'history.sqlite');
    const store = HistoryStore.open(db);
    const first = writeScenario6Run(store);
    const second = writeScenario6Run(store, { startedAt: '2026-01-02T00:00:00.000Z', options: { ...runInfo().options, lan: ['147.32.84.0/24'] } });
    const { report } = await assembleReport(new SqliteHistory(store), { selection: { fromUs: START_US }, compare: [first, second], generatedAt: '2026-01-02T00:00:00.000Z' });
    store.close();
    const reported = JSON.parse(reportJson(report)) as Record<string, unknown>;
    for (const document of [analyze, reported]) {
      // run.options are as the history recorded them, in the same naming for runs of this version.
      expect(keys(document).filter((key) => !SNAKE_CASE.test(key))).toEqual([]);
    }
    expect(analyze).toMatchObject({ now_window_start: '2011-08-16T07:35:50Z', run: { started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:01:00.000Z' } });
    expect(reported).toMatchObject({ generated_at: '2026-01-02T00:00:00.000Z', selection: { from: '2011-08-16T07:33:20Z', to: null } });
    // A ranked host has the same fields in both; analyze adds the evidence, report the group.
    const hostKeys = (document: Record<string, unknown>) => Object.keys((document.hosts as Record<string, unknown>[])[0]!);
    expect(hostKeys(analyze).filter((key) => !['evidence', 'resemblance_to_known_families'].includes(key))).toEqual(hostKeys(reported).filter((key) => key !== 'group'));
  });
});
