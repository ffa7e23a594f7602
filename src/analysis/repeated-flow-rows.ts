// Flow rows that repeat, bit for bit, a row of the input's previous window (the addon's
// `flowRepeatOf`): windows overlap by half, so a flow that lives inside one step is in two
// windows with the same row. The model gives the same row the same score, so such a row takes
// its score from the previous window instead of being scored again: the same result, sooner.
import { FlowhoundError } from '../errors.js';

/** The rows to score: those that repeat nothing (-1). Null when that is every row. */
export function rowsToScore(flowRepeatOf: Int32Array): Int32Array | null {
  let fresh = 0;
  for (const repeatOf of flowRepeatOf) if (repeatOf < 0) fresh++;
  if (fresh === flowRepeatOf.length) return null;
  const rows = new Int32Array(fresh);
  let at = 0;
  flowRepeatOf.forEach((repeatOf, row) => {
    if (repeatOf < 0) rows[at++] = row;
  });
  return rows;
}

/** Rows `rows` (ascending) of a row-major matrix, packed into a new one; runs copied at once. */
export function gatherRows(matrix: Float32Array, rows: Int32Array, width: number): Float32Array {
  const gathered = new Float32Array(rows.length * width);
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
  flowRepeatOf.forEach((repeatOf, row) => {
    if (repeatOf < 0) return;
    if (previousScores === null || repeatOf >= previousScores.length) {
      throw new FlowhoundError(
        'ERR_INFERENCE',
        `flow row ${row} repeats row ${repeatOf} of the previous window, which was not scored here: the windows of an input must all be scored, in order`,
        { path: input },
      );
    }
    scores[row] = previousScores[repeatOf]!;
  });
  rows.forEach((row, i) => (scores[row] = scored[i]!));
  return scores;
}
