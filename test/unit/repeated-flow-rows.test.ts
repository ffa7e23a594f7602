// Flow rows that repeat the previous window's: which are scored, how they are packed for a
// worker, and how every flow's score is put back together.
import { describe, expect, it } from 'vitest';

import { flowScoresWithRepeats, gatherRows, rowsToScore } from '../../src/analysis/repeated-flow-rows.js';
import { FlowhoundError } from '../../src/errors.js';

describe('repeated flow rows', () => {
  it('score the rows that repeat nothing, and all rows (null) when none repeats', () => {
    expect(rowsToScore(Int32Array.of(-1, 4, -1, -1, 0))).toEqual(Int32Array.of(0, 2, 3));
    expect(rowsToScore(Int32Array.of(-1, -1))).toBeNull();
    expect(rowsToScore(new Int32Array(0))).toBeNull();
    expect(rowsToScore(Int32Array.of(3, 3))).toEqual(new Int32Array(0));
  });

  it('pack the rows to score, in runs and alone, into a matrix of their own', () => {
    const width = 2;
    const matrix = Float32Array.from({ length: 6 * width }, (_, i) => i);
    const gathered = gatherRows(matrix, Int32Array.of(0, 1, 2, 4), width);
    expect(Array.from(gathered)).toEqual([0, 1, 2, 3, 4, 5, 8, 9]);
    expect(gathered.buffer).not.toBe(matrix.buffer);
    expect(Array.from(gatherRows(matrix, Int32Array.of(5), width))).toEqual([10, 11]);
    expect(gatherRows(matrix, new Int32Array(0), width).length).toBe(0);
  });

  it("put each flow's score in its row: scored ones from the model, repeated ones from the window before", () => {
    const repeatOf = Int32Array.of(-1, 2, -1, 0);
    const scores = flowScoresWithRepeats(repeatOf, Int32Array.of(0, 2), Float32Array.of(0.5, 0.25), Float32Array.of(0.125, 0.375, 0.75), 'a.pcap');
    expect(Array.from(scores)).toEqual([0.5, 0.75, 0.25, 0.125]);
  });

  it('refuse to reuse scores of a window that was not the one scored before', () => {
    const refused = (previous: Float32Array | null) => {
      try {
        flowScoresWithRepeats(Int32Array.of(-1, 2), Int32Array.of(0), Float32Array.of(0.5), previous, 'a.pcap');
      } catch (error) {
        return error as FlowhoundError;
      }
      throw new Error('expected a refusal');
    };
    for (const previous of [null, Float32Array.of(0.1, 0.2)]) {
      const error = refused(previous);
      expect(error).toBeInstanceOf(FlowhoundError);
      expect(error.code).toBe('ERR_INFERENCE');
      expect(error.describe()).toContain('a.pcap');
      expect(error.message).toContain('flow row 1 repeats row 2 of the previous window');
    }
  });
});
