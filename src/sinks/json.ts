// The naming every JSON document flowhound writes follows (analyze, evaluate, report, the
// history's record of a run's options): keys in snake_case, units in their names (`window_s`,
// `size_bytes`), and times as ISO 8601 in UTC (`2011-08-16T09:55:00Z`), never µs. The HTML
// report's embedded data is the page script's own and keeps its internal form.
import type { RunInfo, RunOptions } from '../analysis/types.js';

/** A capture time (µs since the epoch) as ISO 8601 UTC, without milliseconds when they are zero. */
export function isoTime(us: number): string {
  return new Date(us / 1000).toISOString().replace('.000Z', 'Z');
}

/** A run's options as JSON: what analyze writes in its `run` block and the history keeps. */
export function runOptionsJson(options: RunOptions) {
  return {
    inputs: options.inputs,
    lan: options.lan,
    window_s: options.windowSeconds,
    step_s: options.stepSeconds,
    utc_offset_minutes: options.utcOffsetMinutes,
    threshold: options.threshold,
    min_flows: options.minFlows,
    ranges: options.ranges,
    // Only when given: the history's record of runs made without it stays as it was.
    ...(options.exclude !== undefined && options.exclude.length > 0 ? { exclude: options.exclude } : {}),
    models: options.models,
  };
}

/** The inputs of a run as JSON. */
export function inputsJson(inputs: RunInfo['inputs']) {
  return inputs.map((input) => ({ path: input.path, size_bytes: input.sizeBytes, sha256: input.sha256 }));
}

/** A run as JSON: its options (as stored: the history may hold another form for older runs), versions, models, inputs, times. */
export function runJson(run: Omit<RunInfo, 'options'>, options: Record<string, unknown> | null) {
  return {
    options,
    versions: run.versions,
    models: run.models,
    inputs: inputsJson(run.inputs),
    started_at: run.startedAt,
    finished_at: run.finishedAt ?? null,
    interrupted: run.interrupted,
  };
}

/** camelCase → snake_case, for a summary object whose keys are TypeScript's. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** An object with its keys in snake_case, at any depth: the run summaries that --json writes. */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [snakeCase(key), snakeCaseKeys(item)]));
}

/** A command's summary as one JSON line on standard output (--json of flows, features, synth). */
export function summaryJson(command: string, summary: object): string {
  return `${JSON.stringify({ command, ...(snakeCaseKeys(summary) as object) })}\n`;
}
