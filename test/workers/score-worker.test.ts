// The scoring pool with its real worker: Piscina threads holding onnxruntime-node sessions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readOnnxModelFile } from '../../src/models/onnx-model-file.js';
import { ScoringPool } from '../../src/pool/scoring-pool.js';
import {
  MISMATCHED_MODEL,
  SCHEMA,
  TINY_ANOMALY,
  TINY_ANOMALY_PARITY,
  TINY_MODEL,
  TINY_PARITY,
  assertWorkerBuilt,
  parityFiles,
  readParity,
  rejection,
} from '../helpers/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'flowhound-scoring-'));
let pool: ScoringPool;

beforeAll(() => {
  assertWorkerBuilt();
  pool = new ScoringPool({ threads: 2 });
});
afterAll(async () => {
  await pool?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function rowMajor(rows: number[][]): Float32Array {
  const columns = rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * columns);
  rows.forEach((row, i) => values.set(row, i * columns));
  return values;
}

describe('parity with the trainer, inside a worker', () => {
  // models/*.parity.json of the shipped models, and the fixtures': the forests' against
  // scikit-learn, the anomaly models' against models/train/anomaly.py's tail_scores.
  it('covers the shipped models and both tiny fixtures', () => {
    const names = parityFiles().map((path) => basename(path));
    expect(names).toEqual(expect.arrayContaining(['flow-rf-v2.parity.json', 'host-rf-v2.parity.json', 'host-anomaly-v2.parity.json', 'tiny-flow-rf.parity.json', 'tiny-anomaly.parity.json']));
  });

  it.each(parityFiles().map((path) => [basename(path), path]))('%s', async (_name, path) => {
    const parity = readParity(path);
    const columns = parity.featureNames.length;
    expect(parity.rows.every((row) => row.length === columns)).toBe(true);
    // A forest gives a probability per row; an anomaly model [probability, anomaly, tails…].
    const width = parity.kind === 'anomaly' ? 2 + parity.evidenceNames.length : 1;
    const scored = await pool.score(parity.modelPath, rowMajor(parity.rows), parity.rows.length, columns);
    expect(scored).toBeInstanceOf(Float32Array);
    expect(scored.length).toBe(parity.rows.length * width);
    let worst = 0;
    parity.expected.forEach((expected, row) => {
      expect(expected).toHaveLength(width);
      expected.forEach((value, j) => (worst = Math.max(worst, Math.abs(scored[row * width + j]! - value))));
    });
    expect(worst).toBeLessThanOrEqual(parity.tolerance);
    expect(parity.tolerance).toBeLessThanOrEqual(1e-5);
    const metadata = (await readOnnxModelFile(parity.modelPath)).metadata;
    if (parity.kind === 'anomaly') {
      // Its tails are the schema's evidence, in order, and the anomaly is their largest.
      expect(parity.evidenceNames).toEqual(SCHEMA.hostEvidence);
      expect(parity.featureNames).toEqual(SCHEMA.host);
      parity.tails.forEach((tails, row) => expect(parity.anomaly[row]).toBeCloseTo(Math.max(...tails), 6));
      // Host-windows on both sides of the model's anomaly threshold, so the comparison says something about both.
      const threshold = Number(metadata.get('flowhound.anomaly_threshold'));
      expect(parity.anomaly.some((a) => a >= threshold) && parity.anomaly.some((a) => a < threshold)).toBe(true);
    } else {
      // Both classes are present, so the comparison says something about class 1.
      const threshold = Number(metadata.get('flowhound.threshold'));
      expect(parity.probabilities.some((p) => p >= threshold) && parity.probabilities.some((p) => p < threshold)).toBe(true);
    }
  });

  it('gives the same scores for rows in any batch split and on either thread', async () => {
    const parity = readParity(TINY_PARITY);
    const columns = parity.featureNames.length;
    const halves = [parity.rows.slice(0, 20), parity.rows.slice(20)];
    const scored = await Promise.all(halves.map((rows) => pool.score(TINY_MODEL, rowMajor(rows), rows.length, columns)));
    const joined = [...scored[0]!, ...scored[1]!];
    const whole = await pool.score(TINY_MODEL, rowMajor(parity.rows), parity.rows.length, columns);
    expect(joined).toEqual([...whole]);
  });

  it('returns an anomaly model\'s rows as [probability, anomaly, tails…], whole rows in any batch split', async () => {
    const parity = readParity(TINY_ANOMALY_PARITY);
    const columns = parity.featureNames.length;
    const width = 2 + parity.evidenceNames.length;
    expect(width).toBe(12);
    const cuts = [0, 1, 30, 31, parity.rows.length];
    const parts = await Promise.all(
      cuts.slice(1).map((end, i) => pool.score(TINY_ANOMALY, rowMajor(parity.rows.slice(cuts[i], end)), end - cuts[i]!, columns)),
    );
    const joined = parts.flatMap((part) => [...part]);
    const whole = await pool.score(TINY_ANOMALY, rowMajor(parity.rows), parity.rows.length, columns);
    expect(joined).toEqual([...whole]);
    // Row by row: the probability first, then the anomaly, then one tail per evidence.
    for (let row = 0; row < parity.rows.length; row++) {
      const packed = whole.subarray(row * width, (row + 1) * width);
      expect(packed[0]).toBeCloseTo(parity.probabilities[row]!, 5);
      expect(packed[1]).toBeCloseTo(parity.anomaly[row]!, 5);
      expect(packed[1]).toBe(Math.max(...packed.subarray(2)));
      parity.tails[row]!.forEach((tail, k) => expect(packed[2 + k]).toBeCloseTo(tail, 5));
    }
    // A host-window without any evidence: every tail 0, so the anomaly is 0.
    const quiet = parity.rows.findIndex((row) => SCHEMA.hostEvidence.every((name) => row[SCHEMA.host.indexOf(name)] === 0));
    expect(quiet).toBeGreaterThanOrEqual(0);
    expect([...whole.subarray(quiet * width + 1, (quiet + 1) * width)]).toEqual(new Array(width - 1).fill(0));
  });
});

describe('what the worker refuses', () => {
  it('a model of another schema: ERR_MODEL_SCHEMA naming the file', async () => {
    const error = await rejection(pool.score(MISMATCHED_MODEL, new Float32Array(2 * 38), 2, 38));
    expect(error.code).toBe('ERR_MODEL_SCHEMA');
    expect(error.location.path).toBe(MISMATCHED_MODEL);
    expect(error.describe()).toBe(`ERR_MODEL_SCHEMA: ${MISMATCHED_MODEL}: model takes 12 feature columns, the batch has 38`);
  });

  it('garbage bytes: ERR_MODEL_INVALID; a missing file: ERR_IO', async () => {
    const garbage = join(scratch, 'garbage.onnx');
    writeFileSync(garbage, Buffer.from('this is not a model, only some bytes\n'.repeat(20)));
    const invalid = await rejection(pool.score(garbage, new Float32Array(38), 1, 38));
    expect(invalid.code).toBe('ERR_MODEL_INVALID');
    expect(invalid.describe()).toContain(`${garbage}: onnxruntime cannot load the model`);

    const missing = await rejection(pool.score(join(scratch, 'missing.onnx'), new Float32Array(38), 1, 38));
    expect(missing.code).toBe('ERR_IO');
    expect(missing.location.path).toBe(join(scratch, 'missing.onnx'));
  });

  it('a batch whose size is not rows × columns', async () => {
    const error = await rejection(pool.score(TINY_MODEL, new Float32Array(37), 1, 38));
    expect(error.code).toBe('ERR_INFERENCE');
    expect(error.message).toContain('needs 38 values, it has 37');
  });
});

describe('moving batches, not copying them', () => {
  it('detaches the buffer handed to score() as soon as it is called', async () => {
    const features = new Float32Array(4 * 38).fill(1);
    const buffer = features.buffer;
    const scored = pool.score(TINY_MODEL, features, 4, 38);
    expect(buffer.byteLength).toBe(0);
    expect(features.length).toBe(0);
    const probabilities = await scored;
    expect(probabilities.length).toBe(4);
    expect(probabilities.buffer.byteLength).toBe(4 * 4);
  });

  it('scores a view into a larger buffer at its offset (and takes the whole buffer)', async () => {
    const parity = readParity(TINY_PARITY);
    const rows = parity.rows.slice(0, 8);
    const backing = new Float32Array(10 + rows.length * 38);
    backing.set(rowMajor(rows), 10);
    const probabilities = await pool.score(TINY_MODEL, backing.subarray(10), rows.length, 38);
    expect(backing.length).toBe(0);
    probabilities.forEach((p, i) => expect(p).toBeCloseTo(parity.probabilities[i]!, 5));
  });

  it('has a batch buffer back from its worker once scored, and hands it out again', async () => {
    const own = new ScoringPool({ threads: 1 });
    try {
      const parity = readParity(TINY_PARITY);
      const rows = 2_000;
      const first = own.batchBuffer(rows * 38);
      for (let row = 0; row < rows; row++) first.set(parity.rows[row % 8]!, row * 38);
      const buffer = first.buffer;
      // A new buffer: an eighth more than asked, in steps of 64 KiB.
      expect(buffer.byteLength).toBe(6 * 65_536);
      const probabilities = await own.score(TINY_MODEL, first, rows, 38);
      probabilities.forEach((p, i) => expect(p).toBeCloseTo(parity.probabilities[i % 8]!, 5));
      expect(buffer.byteLength).toBe(0);
      // The same memory, moved back: a smaller batch is put in it (a new one would be 64 KiB).
      const again = own.batchBuffer(2 * 38);
      expect([again.length, again.buffer.byteLength]).toEqual([2 * 38, 6 * 65_536]);
      again.set(rowMajor(parity.rows.slice(0, 2)));
      const next = await own.score(TINY_MODEL, again, 2, 38);
      next.forEach((p, i) => expect(p).toBeCloseTo(parity.probabilities[i]!, 5));
      // None spare is large enough: a new one.
      expect(own.batchBuffer(rows * 38 * 2).buffer.byteLength).toBe(11 * 65_536);
    } finally {
      await own.close();
    }
  });
});

describe('backpressure', () => {
  it('makes producers wait when the queue is full, never failing, and every batch completes', async () => {
    const small = new ScoringPool({ threads: 1, maxQueue: 2 });
    try {
      const parity = readParity(TINY_PARITY);
      const expected = parity.probabilities[0]!;
      const results: Promise<Float32Array>[] = [];
      let mostPending = 0;
      for (let i = 0; i < 40; i++) {
        const { result } = await small.submit(TINY_MODEL, rowMajor([parity.rows[0]!]), 1, 38);
        results.push(result);
        mostPending = Math.max(mostPending, small.pending);
      }
      expect(mostPending).toBeLessThanOrEqual(3); // threads + maxQueue
      // score() without waiting in between: the excess waits inside the pool, none is refused.
      for (let i = 0; i < 40; i++) results.push(small.score(TINY_MODEL, rowMajor([parity.rows[0]!]), 1, 38));
      const all = await Promise.all(results);
      expect(all).toHaveLength(80);
      for (const probabilities of all) expect(probabilities[0]).toBeCloseTo(expected, 5);
      expect(small.pending).toBe(0);
    } finally {
      await small.close();
    }
    const closed = await rejection(small.score(TINY_MODEL, new Float32Array(38), 1, 38));
    expect(closed.message).toBe('the scoring pool is closed');
  });
});
