// Flow rows that repeat, bit for bit, a row of the input's previous window (the addon's
// `flowRepeatOf`): windows overlap by half, so a flow that lives inside one step is in two
// windows with the same row. The model gives the same row the same score, so such a row takes
// its score from the previous window instead of being scored again: the same result, sooner.
import { FlowhoundError } from '../errors.js';

// Plain loops over typed arrays: these run on every flow row of every window, on the thread
// that also hands batches to the workers.

/** The rows to score: those that repeat nothing (-1). Null when that is every row. */
export function rowsToScore(flowRepeatOf: Int32Array): Int32Array | null {
  const rows = new Int32Array(flowRepeatOf.length);
  let count = 0;
  for (let row = 0; row < flowRepeatOf.length; row++) if (flowRepeatOf[row]! < 0) rows[count++] = row;
  return count === flowRepeatOf.length ? null : rows.subarray(0, count);
}

/**
 * Rows `rows` (ascending) of a row-major matrix, packed into `into` (at least `rows.length ×
 * width` values) or a new one; runs copied at once.
 */
export function gatherRows(matrix: Float32Array, rows: Int32Array, width: number, into?: Float32Array): Float32Array {
  const gathered = into ?? new Float32Array(rows.length * width);
  for (let first = 0; first < rows.length; ) {
    let end = first + 1;
    while (end < rows.length && rows[end] === rows[end - 1]! + 1) end++;
    gathered.set(matrix.subarray(rows[first]! * width, (rows[end - 1]! + 1) * width), first * width);
    first = end;
  }
  return gathered;
}

/**
 * Every flow's score: `scored[i]` for row `rows[i]`, and for a repeated row the score of the
 * row it repeats in the previous window. `input` names the input in the error thrown when
 * that window's scores are not the ones given (its windows were not all scored, in order).
 */
export function flowScoresWithRepeats(
  flowRepeatOf: Int32Array,
  rows: Int32Array,
  scored: Float32Array,
  previousScores: Float32Array | null,
  input: string,
): Float32Array {
  const scores = new Float32Array(flowRepeatOf.length);
  const previousCount = previousScores?.length ?? 0;
  for (let row = 0; row < flowRepeatOf.length; row++) {
    const repeatOf = flowRepeatOf[row]!;
    if (repeatOf < 0) continue;
    if (repeatOf >= previousCount) {
      throw new FlowhoundError(
        'ERR_INFERENCE',
        `flow row ${row} repeats row ${repeatOf} of the previous window, which was not scored here: the windows of an input must all be scored, in order`,
        { path: input },
      );
    }
    scores[row] = previousScores![repeatOf]!;
  }
  for (let i = 0; i < rows.length; i++) scores[rows[i]!] = scored[i]!;
  return scores;
}
