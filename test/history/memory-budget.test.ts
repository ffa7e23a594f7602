// What the memory budget did to each window, in the history (migration 5): stored with the
// window, replaced with it when a later run scores it again, summed per window start by the
// report, and 0 for windows stored before the budget existed.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';

import { APPLICATION_ID, migrate } from '../../src/history/schema.js';
import { SqliteHistory } from '../../src/history/sqlite-history.js';
import { HistoryStore } from '../../src/history/store.js';
import { assembleReport } from '../../src/report/report-data.js';
import { reportSummary } from '../../src/report/text.js';
import { hostRow, runInfo, sha } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

let db: string;
const input = { path: 'flood.pcap', sizeBytes: 100, sha256: sha('a') };
const start = 1_700_000_000_000_000;

beforeEach(() => {
  db = join(tempDir(), 'history.sqlite');
});

describe('the history: early evictions per window', () => {
  it('keeps each window’s evictions and dropped rows, replaces them with the window, and the report shows them', async () => {
    const store = HistoryStore.open(db);
    const run = store.beginRun(runInfo({ inputs: [input] }));
    const hosts = [hostRow('192.168.10.66', start, 0.99, [1, 2])];
    store.commitWindow(run, { input: 'flood.pcap', windowStartUs: start, hosts, flowsEvictedEarly: 1_204_118, flowRowsDropped: 900_001 }, 0.5);
    store.commitWindow(run, { input: 'flood.pcap', windowStartUs: start + 150e6, hosts, flowsEvictedEarly: 7, flowRowsDropped: 0 }, 0.5);
    // A result made before the budget existed says nothing: 0.
    store.commitWindow(run, { input: 'flood.pcap', windowStartUs: start + 300e6, hosts }, 0.5);
    expect(store.windows().map((w) => [w.flowsEvictedEarly, w.flowRowsDropped])).toEqual([[1_204_118, 900_001], [7, 0], [0, 0]]);

    // The same window scored again the same way takes the new counts.
    const again = store.beginRun(runInfo({ inputs: [input] }));
    store.commitWindow(again, { input: 'flood.pcap', windowStartUs: start, hosts, flowsEvictedEarly: 5, flowRowsDropped: 3 }, 0.5);
    expect(store.windows()[0]).toMatchObject({ flowsEvictedEarly: 5, flowRowsDropped: 3 });
    store.commitWindow(again, { input: 'flood.pcap', windowStartUs: start, hosts, flowsEvictedEarly: 1_204_118, flowRowsDropped: 900_001 }, 0.5);

    const { report } = await assembleReport(new SqliteHistory(store), { selection: {} });
    expect(report.windows.map((w) => [w.flowsEvictedEarly, w.flowRowsDropped])).toEqual([[1_204_118, 900_001], [7, 0], [0, 0]]);
    const text = reportSummary(report, { colour: false });
    expect(text).toContain('window 2023-11-14T22:13:20Z: 1,204,118 flows evicted early under the memory budget, 900,001 flow rows left unscored');
    expect(text).toContain('window 2023-11-14T22:15:50Z: 7 flows evicted early under the memory budget\n');
    expect(text).not.toContain('2023-11-14T22:18:20Z: 0 flows');
    store.close();
  });

  it('migration 5: a version-4 history keeps its windows, with nothing evicted', () => {
    const old = new Database(db);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    migrate(old, 4);
    old.prepare("INSERT INTO runs (id, started_at, options, versions, analysis_key) VALUES (1, 'x', '{}', '{}', 'k')").run();
    old.prepare("INSERT INTO inputs (id, sha256, size_bytes, path) VALUES (1, ?, 10, 'old.pcap')").run(sha('0'));
    old.prepare("INSERT INTO windows (id, input_id, window_start_us, analysis_key, threshold, run_id, committed_at) VALUES (1, 1, 0, 'k', 0.5, 1, 'x')").run();
    expect(() => old.prepare('SELECT flows_evicted_early FROM windows').get()).toThrow(/no such column/);
    migrate(old);
    expect(old.prepare('SELECT flows_evicted_early, flow_rows_dropped FROM windows').get()).toEqual({ flows_evicted_early: 0, flow_rows_dropped: 0 });
    expect(() => old.prepare('UPDATE windows SET flows_evicted_early = -1').run()).toThrow(/CHECK constraint/);
    old.close();
  });
});
