// analyze as a session in stages, with small fakes of the window reader and the scorer and a
// real SQLite history: what Ctrl-C keeps, one history transaction per window, and an error
// from a window read ahead. The fakes stand for the addon's FeatureReader and the models'
// WindowScorer (src/analysis/session.ts, SessionParts); everything else is analyze's own.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { SessionParts, SessionScorer, WindowReader } from '../../src/analysis/session.js';
import type { WindowResult } from '../../src/analysis/types.js';
import { runAnalyze, type AnalyzeOptions } from '../../src/commands/analyze/run.js';
import { FlowhoundError } from '../../src/errors.js';
import { HistoryStore } from '../../src/history/store.js';
import type { EffectiveFeatureOptions, FeatureWindow } from '../../src/native.js';
import { hostRow, sha } from '../helpers/history.js';
import { tempDir } from '../helpers/run-cli.js';

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const FIRST_START_US = 1_313_480_000_000_000;
const STEP_US = 150e6;
const startOf = (window: number) => FIRST_START_US + (window - 1) * STEP_US;
const BOT = '10.0.0.66';
const CLEAN = '10.0.0.7';

/** What the fake reader reports it reads with. */
const READING: EffectiveFeatureOptions = {
  flows: { whole: false, windowSeconds: 300, stepSeconds: 150, maxActiveFlows: 1000, memcapBytes: 256 * 2 ** 20, uncertainDirection: 'first-sender', keepGoing: false, utcOffsetMinutes: 0, batchRecords: 100 },
  lan: ['10.0.0.0/8'],
};

/** A window of feature rows with nothing in it but its start and hosts (the fake scorer reads no features). */
function featureWindow(startUs: number): FeatureWindow {
  return {
    windowStartUs: startUs, flowCount: 0, flowClass: new Uint8Array(), flowFeatures: new Float32Array(), flowRepeatOf: new Int32Array(),
    flowSrcHost: new Int32Array(), flowDstHost: new Int32Array(), hosts: [BOT, CLEAN], hostLabel: new Uint8Array(2), hostFeatures: new Float32Array(),
    evidence: {} as FeatureWindow['evidence'],
    flowsEvictedEarly: 0,
    flowRowsDropped: 0,
  };
}

interface FakeInput {
  /** Windows 1…n of the input. */
  windows: number;
  /** The read of this window rejects with `error`. */
  failRead?: { window: number; error: unknown };
}

/** A reader of numbered windows, as the addon's FeatureReader hands them over. */
function fakeReader(input: FakeInput): WindowReader {
  let next = 1;
  return {
    options: READING,
    async next() {
      const window = next++;
      await tick();
      if (input.failRead?.window === window) throw input.failRead.error;
      return window <= input.windows ? featureWindow(startOf(window)) : null;
    },
    progress: () => ({ bytesConsumed: next, totalBytes: input.windows, packets: 0, records: next }),
    damage: () => null,
  };
}

interface FakeScoring {
  /** Called as window n is scored (after its scores are known); may throw, abort, or wait. */
  onScore?: (window: number) => void | Promise<void>;
  /** Host scores of window n: the bot at 0.9, a clean host at 0.1. */
  scores?: (window: number) => Record<string, number>;
}

/** A scorer that gives each host of a window a fixed score, as the models' WindowScorer would. */
function fakeScorer(fake: FakeScoring): SessionScorer {
  return {
    models: [
      { kind: 'flow', path: 'flow.onnx', sha256: sha('f'), threshold: 0.5 },
      { kind: 'host', path: 'host.onnx', sha256: sha('e'), threshold: 0.5 },
      { kind: 'anomaly', path: 'anomaly.onnx', sha256: sha('d'), threshold: 0.5 },
    ],
    hostThreshold: 0.5,
    forInput: (name) => ({
      async score(features): Promise<WindowResult> {
        const window = (features.windowStartUs - FIRST_START_US) / STEP_US + 1;
        const scores = fake.scores?.(window) ?? { [BOT]: 0.9, [CLEAN]: 0.1 };
        await tick();
        await fake.onScore?.(window);
        return { input: name, windowStartUs: features.windowStartUs, hosts: Object.entries(scores).map(([host, score], i) => hostRow(host, features.windowStartUs, score, [1, 2, 3], i)) };
      },
    }),
    times: { flowInferenceMs: 0, hostInferenceMs: 0, aggregateMs: 0, flowRowsScored: 0, flowRowsReused: 0 },
    close: async () => {},
  };
}

function fakeParts(inputs: FakeInput[], scoring: FakeScoring = {}): SessionParts {
  let opened = 0;
  return {
    openInput: () => fakeReader(inputs[opened++]!),
    loadScorer: () => Promise.resolve(fakeScorer(scoring)),
  };
}

let dir: string;
let db: string;
let output: string;
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  dir = tempDir();
  db = join(dir, 'history.sqlite');
  output = join(dir, 'ranking.json');
  // The run describes its inputs by their content: they must exist.
  writeFileSync(join(dir, 'a.pcap'), 'capture a');
  writeFileSync(join(dir, 'b.pcap'), 'capture b');
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await tick(20);
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function options(overrides: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  return {
    inputs: [join(dir, 'a.pcap')], reader: {}, modelPaths: [], minFlows: 0, ranges: [], output, format: null, quiet: true, verbose: false, colour: false,
    log: () => {}, write: () => Promise.resolve(), history: { path: db, passphrase: null }, ...overrides,
  };
}

/** What the history holds: its runs' status, its windows' starts, host score rows per window start. */
function stored(): { status: string[]; starts: number[]; rowsByStart: Map<number, number> } {
  const store = HistoryStore.open(db, { mode: 'read' });
  try {
    const windows = store.windows();
    const startOfId = new Map(windows.map((w) => [w.id, w.windowStartUs]));
    const rowsByStart = new Map<number, number>();
    for (const row of store.hostScores()) rowsByStart.set(startOfId.get(row.windowId)!, (rowsByStart.get(startOfId.get(row.windowId)!) ?? 0) + 1);
    return { status: store.runs().map((r) => r.status), starts: windows.map((w) => w.windowStartUs), rowsByStart };
  } finally {
    store.close();
  }
}

describe('analyze, a session in stages', () => {
  it('ranks, records and writes every window of every input, and finishes the run', async () => {
    const outcome = await runAnalyze(options({ inputs: [join(dir, 'a.pcap'), join(dir, 'b.pcap')] }), fakeParts([{ windows: 3 }, { windows: 4 }]));
    expect(outcome.result.run.interrupted).toBe(false);
    expect(outcome.result.windowStartsUs).toEqual([1, 2, 3, 4].map(startOf));
    expect(outcome.result.hosts.map((h) => [h.host, h.suspiciousNow])).toEqual([[BOT, true], [CLEAN, false]]);
    expect(outcome.detected).toBe(true);
    // Two inputs, each window its own row: 3 + 4 windows, two hosts each.
    const history = stored();
    expect(history.status).toEqual(['finished']);
    expect(history.starts).toHaveLength(7);
    const json = JSON.parse(readFileSync(output, 'utf8')) as { windows: unknown[]; run: { interrupted: boolean; options: { window_s: number; lan: string[] } } };
    expect(json.windows).toHaveLength(4);
    // The run records what the readers ran with.
    expect(json.run.options).toMatchObject({ window_s: 300, lan: ['10.0.0.0/8'] });
  });

  it('scores on one thread less than the cores (at least one) unless told, since its own reading takes one', async () => {
    const asked: (number | undefined)[] = [];
    const withThreads = (parts: SessionParts): SessionParts => ({
      ...parts,
      loadScorer: (scorerOptions) => {
        asked.push(scorerOptions.threads);
        return parts.loadScorer(scorerOptions);
      },
    });
    await runAnalyze(options({ history: null }), withThreads(fakeParts([{ windows: 1 }])));
    await runAnalyze(options({ history: null, threads: 3 }), withThreads(fakeParts([{ windows: 1 }])));
    expect(asked).toEqual([Math.max(1, availableParallelism() - 1), 3]);
  });

  it('on Ctrl-C between windows keeps the windows read before: scored, ranked, recorded and written; the run is interrupted', async () => {
    const controller = new AbortController();
    const parts = fakeParts([{ windows: 5 }], {
      // Ctrl-C comes while window 2 is being scored. Windows are scored while the next is
      // read: window 3 was read and handed to the scorer by then, and is finished too; window
      // 4, read when Ctrl-C came, is not handed over.
      onScore: (window) => {
        if (window === 2) controller.abort(new FlowhoundError('ERR_INTERRUPTED', 'interrupted'));
      },
    });
    const outcome = await runAnalyze(options({ signal: controller.signal }), parts);
    expect(outcome.result.run.interrupted).toBe(true);
    expect(outcome.result.windowStartsUs).toEqual([startOf(1), startOf(2), startOf(3)]);
    expect(outcome.result.hosts[0]).toMatchObject({ host: BOT, suspiciousNow: true });

    const history = stored();
    expect(history.status).toEqual(['interrupted']);
    expect(history.starts).toEqual([startOf(1), startOf(2), startOf(3)]);

    const json = JSON.parse(readFileSync(output, 'utf8')) as { windows: { window_start: string }[]; hosts: { host: string }[]; run: { interrupted: boolean; finished_at: string } };
    expect(json.windows.map((w) => w.window_start)).toEqual(['2011-08-16T07:33:20Z', '2011-08-16T07:35:50Z', '2011-08-16T07:38:20Z']);
    expect(json.hosts.map((h) => h.host)).toEqual([BOT, CLEAN]);
    expect(json.run.interrupted).toBe(true);
    expect(json.run.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('commits each window in one transaction: a failure inside window 3 leaves windows 1–2 committed and nothing of 3', async () => {
    // Window 3's second host has no score to store (NaN): its commit fails after the first host's row went in.
    const parts = fakeParts([{ windows: 5 }], { scores: (window) => (window === 3 ? { [BOT]: 0.9, [CLEAN]: Number.NaN } : { [BOT]: 0.9, [CLEAN]: 0.1 }) });
    const thrown = await runAnalyze(options(), parts).catch((caught: unknown) => caught);
    expect(thrown).toBeInstanceOf(FlowhoundError);
    expect((thrown as FlowhoundError).message).toMatch(/cannot commit the window at 1313480300000000 µs: NOT NULL constraint failed: host_scores.score/);

    const history = stored();
    expect(history.starts).toEqual([startOf(1), startOf(2)]);
    expect([...history.rowsByStart]).toEqual([[startOf(1), 2], [startOf(2), 2]]);
    // The run that failed part way is recorded as interrupted: what it stored is complete.
    expect(history.status).toEqual(['interrupted']);
    // No ranking is written for a run that failed.
    expect(existsSync(output)).toBe(false);
    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((raw.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n).toBe(2);
    raw.close();
  });

  it('when scoring window 3 fails, keeps windows 1–2 in the history and throws the scorer’s error', async () => {
    const error = new FlowhoundError('ERR_INFERENCE', 'onnxruntime failed on window 3');
    const parts = fakeParts([{ windows: 5 }], {
      onScore: (window) => {
        if (window === 3) throw error;
      },
    });
    expect(await runAnalyze(options(), parts).catch((caught: unknown) => caught)).toBe(error);
    const history = stored();
    expect(history.starts).toEqual([startOf(1), startOf(2)]);
    expect(history.status).toEqual(['interrupted']);
  });

  it('throws the error of a window read ahead once, as it is, after the window being scored is finished, with no rejection unhandled', async () => {
    const error = new FlowhoundError('ERR_PCAP_TRUNCATED', 'truncated record', { path: 'a.pcap', byteOffset: 4242 });
    const finished: number[] = [];
    const parts = fakeParts([{ windows: 5, failRead: { window: 3, error } }], {
      // Window 3 is read (and fails) while window 2 is still being scored.
      onScore: async (window) => {
        if (window === 2) await tick(30);
        finished.push(window);
      },
    });
    const lines: string[] = [];
    const thrown = await runAnalyze(options({ quiet: false, log: (line) => lines.push(line) }), parts).catch((caught: unknown) => caught);
    expect(thrown).toBe(error);
    expect(finished).toEqual([1, 2]);
    // Window 2 was finished (recorded) before the error came out.
    const history = stored();
    expect(history.starts).toEqual([startOf(1), startOf(2)]);
    expect(history.status).toEqual(['interrupted']);
    // The error is the command's to print, once: the session does not log it too.
    expect(lines.filter((line) => line.includes('truncated record'))).toEqual([]);
  });
});
