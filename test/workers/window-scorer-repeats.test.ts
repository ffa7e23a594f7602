// Reusing the scores of flow rows that repeat the previous window changes no result: the
// windows of real captures and flow files, scored by the shipped models in the real pool,
// once as analyze does and once with every row scored, give the same flow scores, the same
// host scores and reasons, and the same ranking.
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Ranking } from '../../src/analysis/ranking.js';
import type { WindowResult } from '../../src/analysis/types.js';
import { WindowScorer, type ScoringTimes } from '../../src/analysis/window-scorer.js';
import { loadScoringModels } from '../../src/models/scoring-models.js';
import { FeatureReader, featureSchema, type FeatureReaderOptions, type FeatureWindow } from '../../src/pipeline/features.js';
import { ScoringPool } from '../../src/pool/scoring-pool.js';
import { ROOT, assertWorkerBuilt, rejection } from '../helpers/models.js';

const DEMO = join(ROOT, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const FLOW_FILE = join(ROOT, 'test', 'fixtures', 'synth', 'ctu13-round-trip.binetflow');
const CTU: FeatureReaderOptions = { lan: ['147.32.0.0/16'], flowColumns: false };

let pool: ScoringPool;
let models: Awaited<ReturnType<typeof loadScoringModels>>;
beforeAll(async () => {
  assertWorkerBuilt();
  pool = new ScoringPool({ threads: 2 });
  models = await loadScoringModels();
});
afterAll(async () => {
  await pool?.close();
});

async function readWindows(path: string, options: FeatureReaderOptions): Promise<FeatureWindow[]> {
  const windows: FeatureWindow[] = [];
  for await (const window of FeatureReader.open(path, options)) windows.push(window);
  return windows;
}

/** As if the addon had found no repeated rows: every flow is scored. */
function withoutRepeats(window: FeatureWindow): FeatureWindow {
  return { ...window, flowRepeatOf: new Int32Array(window.flowRepeatOf.length).fill(-1) };
}

interface Run {
  results: WindowResult[];
  flowScores: Float32Array[];
  times: ScoringTimes;
}

async function scoreInOrder(windows: FeatureWindow[], input: string): Promise<Run> {
  const scorer = new WindowScorer(pool, models, featureSchema());
  const inputScorer = scorer.forInput(input);
  const run: Run = { results: [], flowScores: [], times: scorer.times };
  for (const window of windows) {
    run.results.push(await inputScorer.score(window));
    run.flowScores.push(inputScorer.lastFlowScores!);
  }
  return run;
}

function ranked(results: WindowResult[]) {
  const ranking = new Ranking(models.host.threshold, 300e6);
  for (const result of results) ranking.add(result);
  return { ...ranking.rank({ threshold: models.host.threshold, minFlows: 1 }), windows: ranking.windows() };
}

describe('flow rows repeated from the previous window', () => {
  for (const [name, path, options] of [
    ['the demo capture (CTU-13 scenario 6, 5 windows)', DEMO, CTU],
    ['a CTU-13 flow file (windows with gaps between them)', FLOW_FILE, { ...CTU, utcOffsetMinutes: 120 }],
  ] as const) {
    it(`keep their scores and change no result: ${name}`, async () => {
      const windows = await readWindows(path, options);
      const flowRows = windows.reduce((sum, w) => sum + w.flowCount, 0);
      const repeated = windows.reduce((sum, w) => sum + w.flowRepeatOf.filter((row) => row >= 0).length, 0);
      // Not a vacuous comparison: a good share of the rows is reused.
      expect(repeated).toBeGreaterThan(flowRows / 4);

      const reusing = await scoreInOrder(windows, 'input');
      const scoringAll = await scoreInOrder(windows.map(withoutRepeats), 'input');
      expect([reusing.times.flowRowsScored, reusing.times.flowRowsReused]).toEqual([flowRows - repeated, repeated]);
      expect([scoringAll.times.flowRowsScored, scoringAll.times.flowRowsReused]).toEqual([flowRows, 0]);

      // Every flow's score, exactly; then what is made of them.
      reusing.flowScores.forEach((scores, i) => expect(scores, `window ${i}`).toEqual(scoringAll.flowScores[i]));
      expect(reusing.results).toEqual(scoringAll.results);
      expect(ranked(reusing.results)).toEqual(ranked(scoringAll.results));
    });
  }

  it('scores the same when the addon hands over only the rows that repeat nothing (as a session reads)', async () => {
    for (const [path, options] of [
      [DEMO, CTU],
      [FLOW_FILE, { ...CTU, utcOffsetMinutes: 120 }],
    ] as const) {
      const every = await readWindows(path, options);
      const omitted = await readWindows(path, { ...options, omitRepeatedRows: true });
      const width = featureSchema().flow.length;
      expect(omitted.map((w) => w.repeatedRowsOmitted)).toEqual(every.map(() => true));
      expect(every.map((w) => w.repeatedRowsOmitted), "absent when every row is there").toEqual(every.map(() => undefined));
      omitted.forEach((window, i) => {
        const unrepeated = every[i]!.flowRepeatOf.reduce((count, row) => count + (row < 0 ? 1 : 0), 0);
        expect(window.flowFeatures.length).toBe(unrepeated * width);
        expect(window.flowCount).toBe(every[i]!.flowCount);
      });
      const fromOmitted = await scoreInOrder(omitted, 'input');
      const fromEvery = await scoreInOrder(every, 'input');
      fromOmitted.flowScores.forEach((scores, i) => expect(scores, `window ${i}`).toEqual(fromEvery.flowScores[i]));
      expect(fromOmitted.results).toEqual(fromEvery.results);
      expect(fromOmitted.times.flowRowsScored).toBe(fromEvery.times.flowRowsScored);

      // Held by the stream (as a session reads): copied into the batches, then released.
      const held = await readWindows(path, { ...options, omitRepeatedRows: true, holdFlowRows: true });
      expect(held.every((w) => w.flowRowsHeld === true && w.flowFeatures.length === 0 && w.heldFlowRows !== undefined)).toBe(true);
      const first = new Float32Array(width);
      held[0]!.heldFlowRows!.copy(0, 1, first);
      expect(Array.from(first)).toEqual(Array.from(omitted[0]!.flowFeatures.subarray(0, width)));
      const fromHeld = await scoreInOrder(held, 'input');
      fromHeld.flowScores.forEach((scores, i) => expect(scores, `window ${i}`).toEqual(fromEvery.flowScores[i]));
      expect(fromHeld.results).toEqual(fromEvery.results);
      expect(() => held[0]!.heldFlowRows!.copy(0, 1, first)).toThrow(/no flow rows are held/);
    }
  });

  it('a repeated row has the features, and so the score, of the row it names', async () => {
    const windows = await readWindows(DEMO, CTU);
    const width = featureSchema().flow.length;
    const run = await scoreInOrder(windows, 'demo');
    expect(windows[0]!.flowRepeatOf.every((row) => row === -1)).toBe(true);
    const bits = (w: FeatureWindow, row: number) => Array.from(new Uint32Array(w.flowFeatures.buffer, w.flowFeatures.byteOffset + row * width * 4, width));
    const mismatches: string[] = [];
    let checked = 0;
    windows.forEach((window, i) => {
      window.flowRepeatOf.forEach((repeatOf, row) => {
        if (repeatOf < 0) return;
        checked++;
        const before = windows[i - 1]!;
        if (bits(window, row).join() !== bits(before, repeatOf).join()) mismatches.push(`window ${i} row ${row}: features differ`);
        if (run.flowScores[i]![row] !== run.flowScores[i - 1]![repeatOf]) mismatches.push(`window ${i} row ${row}: score differs`);
      });
    });
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });

  it('cannot take scores from a window that was not scored just before', async () => {
    const windows = await readWindows(DEMO, CTU);
    const scorer = new WindowScorer(pool, models, featureSchema());
    // The second window repeats rows of the first, which this input never scored.
    const error = await rejection(scorer.forInput('demo').score(windows[1]!));
    expect(error.code).toBe('ERR_INFERENCE');
    expect(error.message).toContain('must all be scored, in order');
    // A window after one that failed fails too: it cannot know the scores it would repeat.
    const failing = scorer.forInput('demo-failing');
    const failed = failing.score(windows[1]!);
    const after = failing.score(windows[2]!);
    expect((await rejection(failed)).code).toBe('ERR_INFERENCE');
    expect((await rejection(after)).code).toBe('ERR_INFERENCE');
  });

  it('windows handed before the one before is scored take its scores once known: the same results as one at a time', async () => {
    const windows = await readWindows(DEMO, CTU);
    const inOrder = await scoreInOrder(windows, 'demo');
    const scorer = new WindowScorer(pool, models, featureSchema());
    const inputScorer = scorer.forInput('demo');
    // Every window at once, as a session hands them while reading the next.
    const results = await Promise.all(windows.map((window) => inputScorer.score(window)));
    expect(results).toEqual(inOrder.results);
    expect([scorer.times.flowRowsScored, scorer.times.flowRowsReused]).toEqual([inOrder.times.flowRowsScored, inOrder.times.flowRowsReused]);
  });
});
