// How the history keeps what does not depend on its engine: a run's analysis key, a window
// length in µs, a behaviour vector as bytes. Shared by the SQLite store and the PostgreSQL one,
// and free of either client, so that each engine loads only its own.
import { createHash } from 'node:crypto';

import type { RunInfo } from '../analysis/types.js';

/** A run's window or step in whole µs, as the history keeps it. */
export const secondsToUs = (seconds: number) => Math.round(seconds * 1e6);

/**
 * The analysis key of a run (see the top of store.ts): hex SHA-256 of a canonical JSON of the
 * feature schema, the models and the options that change which hosts get a row or what their
 * scores are. The host threshold is not among them: it only decides alerts, which each commit
 * recomputes. The options are named and ordered as histories made before options were typed
 * recorded them (analyze's `lan`, `min_flows`, `ranges`, `step_s`, `utc_offset_minutes`,
 * `window_s`, without case, '-' or '_'; `exclude` only when given), so that a window scored the
 * same way keeps its key.
 */
export function analysisKeyOf(run: Pick<RunInfo, 'options' | 'versions' | 'models'>): string {
  const models = run.models
    .map((m) => [m.kind, m.sha256, m.kind === 'flow' ? m.threshold : null] as const)
    .sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1));
  const { lan, minFlows, ranges, stepSeconds, utcOffsetMinutes, windowSeconds } = run.options;
  const scoring = [
    ['lan', lan],
    ['minflows', minFlows],
    ['ranges', ranges],
    ['steps', stepSeconds],
    ['utcoffsetminutes', utcOffsetMinutes],
    ['windows', windowSeconds],
    // Only when given, so that the windows of runs without it keep their keys.
    ...(run.options.exclude !== undefined && run.options.exclude.length > 0 ? [['exclude', run.options.exclude]] : []),
  ];
  return createHash('sha256').update(JSON.stringify({ schema: run.versions.schema, models, scoring })).digest('hex');
}

export function behaviourBlob(behaviour: readonly number[]): Buffer {
  const values = Float64Array.from(behaviour);
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

export function behaviourFromBlob(blob: Buffer | null): number[] | null {
  if (blob === null) return null;
  const copy = new Float64Array(blob.byteLength / 8);
  Buffer.from(copy.buffer).set(blob);
  return Array.from(copy);
}
