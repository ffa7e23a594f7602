// Histories for tests: the scenario 6 fixture (real host rows, fixture-rule scores: see
// test/fixtures/history/make-scenario6-windows.mjs), synthetic windows, and run records.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import type { HostWindowScore, RunInfo, RunOptions, WindowResult } from '../../src/analysis/types.js';
import { HistoryStore } from '../../src/history/store.js';
import { repoRoot } from './run-cli.js';

export interface Scenario6Fixture {
  about: string;
  input: { path: string; sizeBytes: number; sha256: string };
  behaviourNames: string[];
  threshold: number;
  windows: WindowResult[];
}

export const SCENARIO6_FIXTURE = join(repoRoot, 'test', 'fixtures', 'history', 'scenario6-windows.json.gz');

let cached: Scenario6Fixture | null = null;
export function scenario6(): Scenario6Fixture {
  cached ??= JSON.parse(gunzipSync(readFileSync(SCENARIO6_FIXTURE)).toString('utf8')) as Scenario6Fixture;
  return cached;
}

/** The options of a run on CTU-13 scenario 6 (--utc-offset 120 --lan 147.32.0.0/16), the rest as the core fills them in. */
export function runOptions(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    inputs: ['capture20110816.binetflow.gz'],
    lan: ['147.32.0.0/16'],
    windowSeconds: 300,
    stepSeconds: 150,
    utcOffsetMinutes: 120,
    threshold: 0.5,
    minFlows: 1,
    ranges: [],
    models: [],
    ...overrides,
  };
}

export function runInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    options: runOptions(),
    versions: { flowhound: '0.1.0', core: '0.1.0', node: process.version, schema: 2 },
    // The three models analyze scores with (src/models/scoring-models.ts).
    models: [
      { kind: 'flow', path: 'models/flow.onnx', sha256: 'f'.repeat(64), threshold: 0.5 },
      { kind: 'host', path: 'models/host.onnx', sha256: 'e'.repeat(64), threshold: 0.5 },
      { kind: 'anomaly', path: 'models/anomaly.onnx', sha256: 'd'.repeat(64), threshold: 0.5 },
    ],
    inputs: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    interrupted: false,
    ...overrides,
  };
}

/** Writes the scenario 6 fixture as one finished run; returns its id. */
export function writeScenario6Run(store: HistoryStore, overrides: Partial<RunInfo> = {}): number {
  const fixture = scenario6();
  const runId = store.beginRun(runInfo({ inputs: [fixture.input], ...overrides }));
  for (const window of fixture.windows) store.commitWindow(runId, window, fixture.threshold);
  store.finishRun(runId, { interrupted: false, finishedAt: '2026-01-01T00:01:00.000Z' });
  return runId;
}

/** Removes a database and its WAL and shared-memory files. */
export function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** A host row with a behaviour vector near `centre` (deterministic jitter from `seed`). */
export function hostRow(host: string, windowStartUs: number, score: number, centre: number[], seed = 0, reasons: string[] = []): HostWindowScore {
  let state = (seed * 2654435761 + 12345) >>> 0;
  const jitter = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 0.1;
  };
  return {
    host, windowStartUs, score, anomaly: 10 * score, resemblance: score, flows: 10, botnetFlows: score >= 0.5 ? 5 : 0, reasons, evidence: [],
    behaviour: centre.map((c) => c * (1 + jitter())),
  };
}

export const sha = (digit: string) => digit.repeat(64);
