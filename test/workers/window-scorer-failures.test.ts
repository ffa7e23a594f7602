// A window whose batches fail in the scoring threads fails its score() with the threads' error,
// and nothing else: the batches already handed over fail too, but none becomes an unhandled
// rejection (which would end `flowhound` with a stack trace) while later batches wait for room.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { WindowScorer } from '../../src/analysis/window-scorer.js';
import { loadScoringModels, type ScoringModels } from '../../src/models/scoring-models.js';
import { featureSchema, type FeatureWindow } from '../../src/pipeline/features.js';
import { ScoringPool } from '../../src/pool/scoring-pool.js';
import { MISMATCHED_MODEL, assertWorkerBuilt } from '../helpers/models.js';

/** Rows for three batches: a batch holds at most 65,536 rows. */
const FLOW_ROWS = 2 * 65_536 + 1;

let pool: ScoringPool;
let models: ScoringModels;
beforeAll(async () => {
  assertWorkerBuilt();
  // One thread and no queue: the second batch waits for the first to end.
  pool = new ScoringPool({ threads: 1, maxQueue: 0 });
  models = await loadScoringModels();
});
afterAll(async () => {
  await pool?.close();
});

describe('a window whose batches fail in the scoring threads', () => {
  it('fails with the threads’ error, and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const width = featureSchema().flow.length;
      // The flow model swapped for one that takes 12 columns: the worker refuses every batch.
      const scorer = new WindowScorer(pool, { ...models, flow: { ...models.flow, path: MISMATCHED_MODEL } }, featureSchema());
      const window = {
        windowStartUs: 0,
        flowCount: FLOW_ROWS,
        flowFeatures: new Float32Array(FLOW_ROWS * width),
        flowRepeatOf: new Int32Array(FLOW_ROWS).fill(-1),
      } as unknown as FeatureWindow;
      await expect(scorer.forInput('x.pcap').score(window)).rejects.toMatchObject({ code: 'ERR_MODEL_SCHEMA' });
      // Rejections are reported after the microtasks of the turn they happened in.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
