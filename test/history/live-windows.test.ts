// A live capture's windows in the history: what the kernel dropped while each was open and
// whether the stop cut it short (migration 6), and --retain-days' pruning.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';

import { migrate } from '../../src/history/schema.js';
import { HistoryStore } from '../../src/history/store.js';
import { hostRow, runInfo, runOptions, sha } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

const STEP_US = 5e6;
const T0_US = Date.UTC(2026, 11, 1) * 1000;
const input = { path: 'live:mirror0', sizeBytes: 0, sha256: sha('a') };
const live = () => runInfo({ inputs: [input], options: runOptions({ inputs: [input.path], windowSeconds: 10, stepSeconds: 5 }) });
const centre = [0.1, 0.2, 0.3];

let db: string;
beforeEach(() => {
  db = join(tempDir(), 'history.sqlite');
});

describe('a live capture in the history', () => {
  it("keeps each window's kernel drops and partial mark; files' windows have none", () => {
    const store = HistoryStore.open(db);
    const runId = store.beginRun(live());
    store.commitWindow(runId, { input: input.path, windowStartUs: T0_US, hosts: [hostRow('10.0.0.1', T0_US, 0.9, centre)], capture: { kernelReceived: 900, kernelDropped: 12, interfaceDropped: 3, partial: false } }, 0.5);
    store.commitWindow(runId, { input: input.path, windowStartUs: T0_US + STEP_US, hosts: [hostRow('10.0.0.1', T0_US + STEP_US, 0.2, centre)], capture: { kernelReceived: 10, kernelDropped: 0, interfaceDropped: 0, partial: true } }, 0.5);
    store.commitWindow(runId, { input: input.path, windowStartUs: T0_US + 2 * STEP_US, hosts: [hostRow('10.0.0.2', T0_US + 2 * STEP_US, 0.1, centre)] }, 0.5);
    expect(store.windows().map((w) => [w.packetsDroppedKernel, w.packetsDroppedInterface, w.partial])).toEqual([
      [12, 3, false],
      [0, 0, true],
      [0, 0, false],
    ]);
    store.close();
  });

  it('prunes the windows before a time, with their scores and alerts, and the hosts no window names any more', () => {
    const store = HistoryStore.open(db);
    const runId = store.beginRun(live());
    for (let i = 0; i < 4; i++) {
      const start = T0_US + i * STEP_US;
      store.commitWindow(runId, { input: input.path, windowStartUs: start, hosts: [hostRow(i < 2 ? '10.0.0.1' : '10.0.0.2', start, 0.9, centre), hostRow('10.0.0.3', start, 0.1, centre)] }, 0.5);
    }
    expect(store.counts()).toMatchObject({ windows: 4, hosts: 3, hostScores: 8, alerts: 4 });
    expect(store.pruneWindowsBefore(T0_US + 2 * STEP_US)).toBe(2);
    expect(store.counts()).toMatchObject({ windows: 2, hosts: 2, hostScores: 4, alerts: 2 });
    expect(store.windows().map((w) => w.windowStartUs)).toEqual([T0_US + 2 * STEP_US, T0_US + 3 * STEP_US]);
    expect(store.pruneWindowsBefore(T0_US)).toBe(0);
    // A host pruned away and seen again gets a row anew.
    store.commitWindow(runId, { input: input.path, windowStartUs: T0_US + 4 * STEP_US, hosts: [hostRow('10.0.0.1', T0_US + 4 * STEP_US, 0.9, centre)] }, 0.5);
    expect(store.counts()).toMatchObject({ windows: 3, hosts: 3 });
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  it('migration 6 gives older windows no drops and no partial mark, and refuses negative counts', () => {
    const old = new Database(db);
    migrate(old, 5);
    old.exec(`INSERT INTO inputs (id, sha256, size_bytes, path) VALUES (1, '${sha('b')}', 1, 'x.pcap');
      INSERT INTO runs (id, started_at, options, versions, analysis_key) VALUES (1, '2026-01-01', '{}', '{}', 'k');
      INSERT INTO windows (input_id, window_start_us, analysis_key, threshold, run_id, committed_at) VALUES (1, 0, 'k', 0.5, 1, '2026-01-01');`);
    migrate(old);
    expect(old.prepare('SELECT packets_dropped_kernel, packets_dropped_interface, partial FROM windows').get()).toEqual({ packets_dropped_kernel: 0, packets_dropped_interface: 0, partial: 0 });
    expect(() => old.prepare('UPDATE windows SET packets_dropped_kernel = -1').run()).toThrow(/CHECK constraint/);
    old.close();
  });
});
