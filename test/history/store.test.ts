// The history store: what goes in comes back, re-analysis does not duplicate rows, the schema
// migrates forward and refuses what it cannot read, with stable error codes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';

import { FlowhoundError } from '../../src/errors.js';
import { defaultHistoryPath } from '../../src/history/paths.js';
import { APPLICATION_ID, migrate, MIGRATIONS, SCHEMA_VERSION } from '../../src/history/schema.js';
import { analysisKeyOf, HistoryStore } from '../../src/history/store.js';
import type { RunOptions } from '../../src/analysis/types.js';
import { hostRow, removeDatabase, runInfo, runOptions, scenario6, sha, writeScenario6Run } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = tempDir();
  db = join(dir, 'history.sqlite');
});

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    return (error as FlowhoundError).code;
  }
  return undefined;
}

describe('history store', () => {
  it('gives back the runs, windows, scores, reasons and alerts written', () => {
    const store = HistoryStore.open(db);
    const runId = writeScenario6Run(store);
    const fixture = scenario6();
    const rows = fixture.windows.reduce((n, w) => n + w.hosts.length, 0);
    const alerts = fixture.windows.reduce((n, w) => n + w.hosts.filter((h) => h.score >= fixture.threshold).length, 0);
    expect(store.counts()).toEqual({ runs: 1, inputs: 1, windows: fixture.windows.length, hosts: 60, hostScores: rows, alerts });

    const [run] = store.runs();
    expect(run).toMatchObject({ id: runId, status: 'finished', interrupted: false, windows: fixture.windows.length, optionsSealed: false });
    // The options in JSON's naming, and the window and step as typed fields.
    expect(run!.options).toEqual({
      inputs: ['capture20110816.binetflow.gz'], lan: ['147.32.0.0/16'], window_s: 300, step_s: 150, utc_offset_minutes: 120, threshold: 0.5, min_flows: 1, ranges: [], models: [],
    });
    expect([run!.windowUs, run!.stepUs]).toEqual([300e6, 150e6]);
    expect(run!.inputs).toEqual([fixture.input]);
    expect(run!.models).toEqual([...runInfo().models].sort((a, b) => (a.kind < b.kind ? -1 : 1)));
    expect(run!.models.map((m) => m.kind)).toEqual(['anomaly', 'flow', 'host']);

    const windows = store.windows();
    expect(windows.map((w) => w.windowStartUs)).toEqual(fixture.windows.map((w) => w.windowStartUs));
    expect(windows[0]).toMatchObject({ inputPath: 'capture20110816.binetflow.gz', threshold: 0.5, runIds: [runId] });

    // The bot's peak window: its reasons come back word for word.
    const botRows = fixture.windows.flatMap((w, i) => w.hosts.filter((h) => h.host === '147.32.84.165').map((h) => ({ h, window: windows[i]! })));
    const peak = botRows.reduce((a, b) => (b.h.score > a.h.score ? b : a));
    const botId = [...store.hostLabels(new Set([...store.hostScores()].map((r) => r.hostId)))].find(([, l]) => l.label === '147.32.84.165')![0];
    expect(store.reasonsOf(peak.window.id, botId)).toEqual(peak.h.reasons);
    const botAlerts = store.alerts().filter((a) => a.hostId === botId);
    expect(botAlerts.length).toBe(botRows.filter((r) => r.h.score >= 0.5).length);
    expect(botAlerts[0]!.behaviour).toHaveLength(fixture.behaviourNames.length);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  it('does not duplicate rows when the same input is analysed again, under another path, with another host threshold', () => {
    const store = HistoryStore.open(db);
    const first = writeScenario6Run(store);
    const before = store.counts();
    const input = { ...scenario6().input, path: '/elsewhere/copy-of-capture.binetflow.gz' };
    const second = writeScenario6Run(store, {
      inputs: [input],
      options: runOptions({ inputs: [input.path], threshold: 0.7 }),
      startedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(store.counts()).toEqual({ ...before, runs: 2 });
    // Both runs hold the windows; the input row now carries the latest path.
    expect(store.windows({ runIds: [first] })).toHaveLength(before.windows);
    expect(store.windows({ runIds: [second] })).toHaveLength(before.windows);
    expect(store.windows()[0]!.runIds).toEqual([first, second]);
    expect(store.runs().map((r) => r.inputs[0]!.path)).toEqual(['capture20110816.binetflow.gz', '/elsewhere/copy-of-capture.binetflow.gz']);
    // A commit of an already-stored window says it replaced it.
    const again = store.beginRun(runInfo({ inputs: [input] }));
    expect(store.commitWindow(again, scenario6().windows[0]!, 0.5).replaced).toBe(true);
    store.close();
  });

  it('writes a window once however often it is committed, by one process or two (a redelivered window)', () => {
    const input = { path: 'sensor-1:eth0', sizeBytes: 0, sha256: sha('c') };
    const window = { input: input.path, windowStartUs: 1_313_500_000_000_000, hosts: [hostRow('10.0.0.1', 0, 0.9, [1, 2]), hostRow('10.0.0.2', 0, 0.1, [3, 4])] };
    const first = HistoryStore.open(db);
    const second = HistoryStore.open(db);
    const [runA, runB] = [first.beginRun(runInfo({ inputs: [input] })), second.beginRun(runInfo({ inputs: [input] }))];
    const commits = [first.commitWindow(runA, window, 0.5), first.commitWindow(runA, window, 0.5), second.commitWindow(runB, window, 0.5)];
    expect(commits.map((c) => c.replaced)).toEqual([false, true, true]);
    expect(new Set(commits.map((c) => c.windowId)).size).toBe(1);
    expect(second.counts()).toMatchObject({ windows: 1, hostScores: 2, alerts: 1, hosts: 2 });
    expect(first.windows()[0]!.runIds).toEqual([runA, runB]);
    first.close();
    second.close();
  });

  it('keeps windows scored another way (another model, another LAN) apart', () => {
    const store = HistoryStore.open(db);
    writeScenario6Run(store);
    const before = store.counts();
    const models = runInfo().models.map((m) => (m.kind === 'host' ? { ...m, sha256: sha('1') } : m));
    writeScenario6Run(store, { models });
    expect(store.counts()).toMatchObject({ runs: 2, inputs: 1, hosts: before.hosts, windows: 2 * before.windows, hostScores: 2 * before.hostScores });
    store.close();
    // What the analysis key hashes, and what it ignores.
    const base = runInfo();
    const withOptions = (change: Partial<RunOptions>) => ({ ...base, options: { ...base.options, ...change } });
    expect(analysisKeyOf(withOptions({ inputs: ['b.pcap'], threshold: 0.7, models: ['m.onnx'] }))).toBe(analysisKeyOf(base));
    for (const change of [{ lan: ['10.0.0.0/8'] }, { windowSeconds: 600 }, { stepSeconds: 300 }, { utcOffsetMinutes: 0 }, { ranges: ['147.32.84.165'] }, { minFlows: 5 }]) {
      expect(analysisKeyOf(withOptions(change)), JSON.stringify(change)).not.toBe(analysisKeyOf(base));
    }
    // A window scored the same way keeps the key it had before options were typed: this is the
    // key of analyze's record { inputs: ['a.pcap'], lan: ['147.32.0.0/16'], window_s: 300,
    // step_s: 150, utc_offset_minutes: 120, threshold: 0.5, min_flows: 1, ranges: [], models: [] }
    // with these models, as the loose name matching of the earlier store computed it.
    expect(analysisKeyOf(withOptions({ inputs: ['a.pcap'] }))).toBe('6e38ffcdcf654f4d0e2546c8277ebbccbfc9992aa70022aecd6a07b8d759eed4');
    expect(analysisKeyOf({ ...base, models: [...base.models].reverse() })).toBe(analysisKeyOf(base));
    expect(analysisKeyOf({ ...base, models: base.models.map((m) => (m.kind === 'host' ? { ...m, threshold: 0.9 } : m)) })).toBe(analysisKeyOf(base));
    expect(analysisKeyOf({ ...base, models: base.models.map((m) => (m.kind === 'flow' ? { ...m, threshold: 0.9 } : m)) })).not.toBe(analysisKeyOf(base));
  });

  it('records interrupted and unfinished runs', () => {
    const store = HistoryStore.open(db);
    const interrupted = store.beginRun(runInfo({ inputs: [{ path: 'a.pcap', sizeBytes: 1, sha256: sha('a') }] }));
    store.commitWindow(interrupted, { input: 'a.pcap', windowStartUs: 0, hosts: [hostRow('10.0.0.1', 0, 0.9, [1, 2])] }, 0.5);
    store.finishRun(interrupted, { interrupted: true });
    const unfinished = store.beginRun(runInfo({ inputs: [{ path: 'b.pcap', sizeBytes: 1, sha256: sha('b') }] }));
    expect(store.runs().map((r) => [r.id, r.status, r.interrupted])).toEqual([
      [interrupted, 'interrupted', true],
      [unfinished, 'unfinished', true],
    ]);
    store.close();
  });

  it('names windows of unknown inputs and unknown runs with their codes', () => {
    const store = HistoryStore.open(db);
    const runId = store.beginRun(
      runInfo({ inputs: [{ path: 'a.pcap', sizeBytes: 1, sha256: sha('a') }, { path: 'b.pcap', sizeBytes: 1, sha256: sha('b') }] }),
    );
    // An input is found by its path or by its base name.
    expect(store.commitWindow(runId, { input: '/data/b.pcap', windowStartUs: 0, hosts: [] }, 0.5).hosts).toBe(0);
    expect(codeOf(() => store.commitWindow(runId, { input: 'c.pcap', windowStartUs: 0, hosts: [] }, 0.5))).toBe('ERR_HISTORY_UNKNOWN_INPUT');
    expect(codeOf(() => store.commitWindow(999, { input: 'a.pcap', windowStartUs: 0, hosts: [] }, 0.5))).toBe('ERR_HISTORY_UNKNOWN_RUN');
    expect(codeOf(() => store.finishRun(999, { interrupted: false }))).toBe('ERR_HISTORY_UNKNOWN_RUN');
    expect(codeOf(() => store.runs([runId, 42]))).toBe('ERR_HISTORY_UNKNOWN_RUN');
    expect(codeOf(() => store.addInput(runId, { path: 'x', sizeBytes: 1, sha256: 'nothex' }))).toBe('ERR_USAGE');
    // Large inputs are identified by sampled blocks (src/pipeline/input-fingerprint.ts).
    expect(store.addInput(runId, { path: 'big.pcap', sizeBytes: 5e9, sha256: `sample:${sha('5')}` })).toBeGreaterThan(0);
    store.close();
    const reader = HistoryStore.open(db, { mode: 'read' });
    expect(codeOf(() => reader.beginRun(runInfo()))).toBe('ERR_USAGE');
    reader.close();
  });

  it('puts the default database in the XDG data directory', () => {
    expect(defaultHistoryPath({ XDG_DATA_HOME: '/data/alice', HOME: '/home/alice' }, 'linux')).toBe('/data/alice/flowhound/history.sqlite');
    expect(defaultHistoryPath({ HOME: '/home/alice' }, 'linux')).toBe('/home/alice/.local/share/flowhound/history.sqlite');
    // A relative XDG_DATA_HOME is invalid by the specification and ignored.
    expect(defaultHistoryPath({ XDG_DATA_HOME: 'relative', HOME: '/home/alice' }, 'darwin')).toBe('/home/alice/.local/share/flowhound/history.sqlite');
  });
});

describe('history schema and damaged files', () => {
  it('upgrades a database of an older version, keeping its rows', () => {
    // A history as the first schema version made it, with a run and a window in it.
    const old = new Database(db);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    migrate(old, 1);
    old.prepare("INSERT INTO meta (key, value) VALUES ('privacy', '{\"kdf\":\"none\"}')").run();
    old.prepare("INSERT INTO runs (id, started_at, options, versions, analysis_key) VALUES (1, '2025-12-01T00:00:00Z', '{}', ?, 'k')").run(JSON.stringify(runInfo().versions));
    old.prepare("INSERT INTO inputs (id, sha256, size_bytes, path) VALUES (1, ?, 10, 'old.pcap')").run(sha('0'));
    old.prepare("INSERT INTO run_inputs (run_id, input_id, path) VALUES (1, 1, 'old.pcap')").run();
    old.prepare("INSERT INTO windows (id, input_id, window_start_us, analysis_key, threshold, run_id, committed_at) VALUES (1, 1, 0, 'k', 0.5, 1, 'x')").run();
    old.prepare("INSERT INTO run_windows VALUES (1, 1)").run();
    old.prepare("INSERT INTO hosts (id, key) VALUES (1, '10.1.1.1')").run();
    old.prepare('INSERT INTO host_scores (window_id, host_id, score, flows, botnet_flows) VALUES (1, 1, 0.9, 3, 1)').run();
    old.prepare('INSERT INTO alerts (window_id, host_id, score, threshold) VALUES (1, 1, 0.9, 0.5)').run();
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    expect(old.prepare('SELECT name FROM pragma_table_info(\'alerts\')').all().map((r) => (r as { name: string }).name)).not.toContain('behaviour');
    old.close();

    const store = HistoryStore.open(db, { mode: 'read' });
    expect(store.runs().map((r) => [r.id, r.inputs[0]!.path])).toEqual([[1, 'old.pcap']]);
    expect(store.alerts()).toEqual([{ windowId: 1, hostId: 1, score: 0.9, threshold: 0.5, behaviour: null }]);
    expect(store.windows()[0]!.windowUs).toBe(300e6);
    store.close();
    const check = new Database(db, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(check.prepare('SELECT name FROM pragma_table_info(\'alerts\')').all().map((r) => (r as { name: string }).name)).toContain('behaviour');
    check.close();
  });

  it('migration 3: a version-2 history keeps its runs and rows, and takes runs with an anomaly model', () => {
    // A history as version 2 made it: one run scored with the two forests, a window, a host, an alert.
    const old = new Database(db);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    migrate(old, 2);
    expect(old.pragma('user_version', { simple: true })).toBe(2);
    old.prepare("INSERT INTO meta (key, value) VALUES ('privacy', '{\"kdf\":\"none\"}')").run();
    old.prepare("INSERT INTO runs (id, started_at, finished_at, options, versions, analysis_key) VALUES (1, '2025-11-01T00:00:00Z', '2025-11-01T00:01:00Z', '{}', ?, 'k')")
      .run(JSON.stringify({ ...runInfo().versions, schema: 1 }));
    const insertModel = old.prepare('INSERT INTO run_models (run_id, kind, path, sha256, threshold) VALUES (1, ?, ?, ?, ?)');
    insertModel.run('flow', 'models/flow-rf-v1.onnx', sha('a'), 0.62);
    insertModel.run('host', 'models/host-rf-v1.onnx', sha('b'), 0.71);
    // Version 2 has no room for an anomaly model.
    expect(() => insertModel.run('anomaly', 'models/host-anomaly-v2.onnx', sha('c'), 0.39)).toThrow(/CHECK constraint/);
    old.prepare("INSERT INTO inputs (id, sha256, size_bytes, path) VALUES (1, ?, 10, 'old.pcap')").run(sha('0'));
    old.prepare("INSERT INTO run_inputs (run_id, input_id, path) VALUES (1, 1, 'old.pcap')").run();
    old.prepare("INSERT INTO windows (id, input_id, window_start_us, analysis_key, threshold, run_id, committed_at, window_us) VALUES (1, 1, 0, 'k', 0.71, 1, 'x', 300000000)").run();
    old.prepare('INSERT INTO run_windows VALUES (1, 1)').run();
    old.prepare("INSERT INTO hosts (id, key) VALUES (1, '10.1.1.1')").run();
    old.prepare('INSERT INTO host_scores (window_id, host_id, score, flows, botnet_flows, reasons) VALUES (1, 1, 0.9, 3, 1, ?)').run('["412 SMTP connection attempts to 301 servers"]');
    const behaviour = Buffer.from(Float64Array.from([1, 2.5]).buffer);
    old.prepare('INSERT INTO alerts (window_id, host_id, score, threshold, behaviour) VALUES (1, 1, 0.9, 0.71, ?)').run(behaviour);
    old.close();

    const store = HistoryStore.open(db);
    expect(store.counts()).toEqual({ runs: 1, inputs: 1, windows: 1, hosts: 1, hostScores: 1, alerts: 1 });
    const [run] = store.runs();
    expect(run).toMatchObject({ id: 1, status: 'finished', interrupted: false });
    expect(run!.models).toEqual([
      { kind: 'flow', path: 'models/flow-rf-v1.onnx', sha256: sha('a'), threshold: 0.62 },
      { kind: 'host', path: 'models/host-rf-v1.onnx', sha256: sha('b'), threshold: 0.71 },
    ]);
    expect(store.reasonsOf(1, 1)).toEqual(['412 SMTP connection attempts to 301 servers']);
    expect(store.alerts()).toEqual([{ windowId: 1, hostId: 1, score: 0.9, threshold: 0.71, behaviour: [1, 2.5] }]);
    // A run of this version, with its three models, goes in beside it.
    const runId = writeScenario6Run(store);
    expect(store.runs().map((r) => [r.id, r.models.map((m) => m.kind)])).toEqual([
      [1, ['flow', 'host']],
      [runId, ['anomaly', 'flow', 'host']],
    ]);
    expect(store.runs([runId])[0]!.models.find((m) => m.kind === 'anomaly')).toEqual(runInfo().models[2]);
    expect(store.integrityCheck()).toBe('ok');
    store.close();

    const check = new Database(db, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    // The table made anew keeps its key: one model of each kind per run.
    const sql = (check.prepare("SELECT sql FROM sqlite_master WHERE name = 'run_models'").get() as { sql: string }).sql;
    expect(sql).toContain("CHECK (kind IN ('flow', 'host', 'anomaly'))");
    expect(sql).toContain('PRIMARY KEY (run_id, kind)');
    expect(sql).toContain('REFERENCES runs(id) ON DELETE CASCADE');
    check.close();
  });

  it("migration 4: a version-3 history's runs get their window and step as typed fields, from what they recorded", () => {
    const old = new Database(db);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    migrate(old, 3);
    old.prepare("INSERT INTO meta (key, value) VALUES ('privacy', '{\"kdf\":\"none\"}')").run();
    const insertRun = old.prepare("INSERT INTO runs (id, started_at, finished_at, options, versions, analysis_key) VALUES (?, '2025-12-01T00:00:00Z', '2025-12-01T00:01:00Z', ?, ?, 'k')");
    const versions = JSON.stringify(runInfo().versions);
    // Run 1 as analyze recorded it; run 2 with its options sealed (a BLOB); run 3 recorded nothing.
    insertRun.run(1, JSON.stringify({ inputs: ['a.pcap'], lan: null, window_s: 600, step_s: 300, utc_offset_minutes: 0, threshold: 0.5, min_flows: 1, ranges: [], models: [] }), versions);
    insertRun.run(2, Buffer.from('sealed options'), versions);
    insertRun.run(3, '{}', versions);
    old.prepare("INSERT INTO inputs (id, sha256, size_bytes, path) VALUES (1, ?, 10, 'a.pcap')").run(sha('0'));
    old.prepare("INSERT INTO run_inputs (run_id, input_id, path) VALUES (2, 1, 'a.pcap')").run();
    old.prepare("INSERT INTO windows (id, input_id, window_start_us, analysis_key, threshold, run_id, committed_at, window_us) VALUES (1, 1, 0, 'k', 0.5, 2, 'x', 120000000)").run();
    old.prepare('INSERT INTO run_windows VALUES (2, 1)').run();
    old.close();

    const store = HistoryStore.open(db);
    expect(store.runs().map((r) => [r.id, r.windowUs, r.stepUs, r.optionsSealed])).toEqual([
      [1, 600e6, 300e6, false],
      [2, 120e6, null, true],
      [3, null, null, false],
    ]);
    // A run that says nothing of its window length takes no new windows (the length decides the flow counts).
    expect(codeOf(() => store.commitWindow(3, { input: 'a.pcap', windowStartUs: 0, hosts: [] }, 0.5))).toBe('ERR_HISTORY_INVALID');
    // New runs record theirs.
    const runId = writeScenario6Run(store, { options: runOptions({ windowSeconds: 60, stepSeconds: 30 }) });
    expect(store.runs([runId]).map((r) => [r.windowUs, r.stepUs])).toEqual([[60e6, 30e6]]);
    expect(store.windows({ runIds: [runId] })[0]!.windowUs).toBe(60e6);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  it('refuses a database from a newer flowhound with ERR_HISTORY_VERSION', () => {
    HistoryStore.open(db).close();
    const newer = new Database(db);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    let error: FlowhoundError | undefined;
    try {
      HistoryStore.open(db, { mode: 'read' });
    } catch (caught) {
      error = caught as FlowhoundError;
    }
    expect(error?.code).toBe('ERR_HISTORY_VERSION');
    expect(error?.describe()).toContain(db);
    expect(error?.message).toMatch(new RegExp(`schema v${SCHEMA_VERSION + 1}; this version reads up to v${SCHEMA_VERSION}`));
    expect(codeOf(() => HistoryStore.open(db))).toBe('ERR_HISTORY_VERSION');
  });

  it('refuses files that are not flowhound histories with ERR_HISTORY_INVALID, and a missing one with ERR_IO', () => {
    writeFileSync(db, 'StartTime,Dur,Proto\n2011/08/16 10:00:00,1,tcp\n');
    expect(codeOf(() => HistoryStore.open(db))).toBe('ERR_HISTORY_INVALID');
    expect(readFileSync(db, 'utf8')).toContain('StartTime'); // untouched

    const other = join(dir, 'other.sqlite');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE notes (text TEXT)');
    foreign.close();
    expect(codeOf(() => HistoryStore.open(other))).toBe('ERR_HISTORY_INVALID');

    writeFileSync(join(dir, 'empty.sqlite'), '');
    expect(codeOf(() => HistoryStore.open(join(dir, 'empty.sqlite'), { mode: 'read' }))).toBe('ERR_HISTORY_INVALID');
    expect(codeOf(() => HistoryStore.open(join(dir, 'missing.sqlite'), { mode: 'read' }))).toBe('ERR_IO');
    expect(codeOf(() => HistoryStore.open(dir))).toBe('ERR_HISTORY_INVALID');
  });

  it('reports a damaged database as ERR_HISTORY_INVALID instead of crashing', () => {
    const store = HistoryStore.open(db);
    writeScenario6Run(store);
    store.close();
    const bytes = readFileSync(db);
    // Keep the header page, scribble over the rest.
    for (let i = 4096; i < bytes.length; i += 7) bytes[i] = (i * 31) & 0xff;
    writeFileSync(db, bytes);
    const code = codeOf(() => {
      const damaged = HistoryStore.open(db, { mode: 'read' });
      try {
        damaged.runs();
        Array.from(damaged.hostScores());
        damaged.alerts();
      } finally {
        damaged.close();
      }
    });
    expect(code).toBe('ERR_HISTORY_INVALID');
  });

  it('checks the passphrase and keeps a history encrypted, or in clear, as it was made', () => {
    const secret = join(dir, 'secret.sqlite');
    HistoryStore.open(secret, { passphrase: 'correct horse' }).close();
    expect(codeOf(() => HistoryStore.open(secret, { passphrase: 'wrong horse' }))).toBe('ERR_HISTORY_PASSPHRASE');
    expect(codeOf(() => HistoryStore.open(secret, { passphrase: 'wrong horse', mode: 'read' }))).toBe('ERR_HISTORY_PASSPHRASE');
    // Writing an encrypted history needs its passphrase; reading it without shows HMAC labels.
    expect(codeOf(() => HistoryStore.open(secret))).toBe('ERR_HISTORY_PASSPHRASE');
    const reader = HistoryStore.open(secret, { mode: 'read' });
    expect(reader.addressMode).toBe('hmac');
    reader.close();
    // A history made in clear refuses to take a passphrase for new runs (it would not protect them).
    HistoryStore.open(db).close();
    expect(codeOf(() => HistoryStore.open(db, { passphrase: 'late' }))).toBe('ERR_HISTORY_PASSPHRASE');
    const plainReader = HistoryStore.open(db, { passphrase: 'late', mode: 'read' });
    expect(plainReader.addressMode).toBe('plain');
    plainReader.close();
    removeDatabase(secret);
  });
});
