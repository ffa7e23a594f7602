// `flowhound analyze`: inputs → windows of features (native) → flow and host scores (the
// Piscina pool) → the ranking of LAN hosts, now and over the run → terminal, JSON, CSV, Arrow.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { hostFilter } from '../../analysis/host-filter.js';
import { Ranking } from '../../analysis/ranking.js';
import { groupHosts, suspiciousBehaviours } from '../../analysis/grouping.js';
import { ScoringRun } from '../../analysis/scoring-run.js';
import type { AnalysisResult, HostWindowScore, RunInfo, WindowResult } from '../../analysis/types.js';
import type { ScoringTimes } from '../../analysis/window-scorer.js';
import { HistoryStore } from '../../history/store.js';
import { usageError } from '../../errors.js';
import { native, packageRoot } from '../../native.js';
import { describeInput } from '../../pipeline/input-fingerprint.js';
import { featureSchema, type FeatureReaderOptions } from '../../pipeline/features.js';
import { openOutput, writeChunk } from '../../sinks/output-file.js';
import { isoTime, renderTable, toArrow, toCsv, toJson } from '../../sinks/ranking-output.js';

export type AnalyzeFormat = 'table' | 'json' | 'csv' | 'arrow';

export interface AnalyzeOptions {
  inputs: string[];
  /** Windows, LAN, flow-file reading. */
  reader: Omit<FeatureReaderOptions, 'labelsPath' | 'infected' | 'flowColumns'>;
  /** A user's own models (--model). */
  modelPaths: string[];
  /** Host threshold; default: the host model's card. */
  threshold?: number;
  minFlows: number;
  /** --ip/--range values. */
  ranges: string[];
  /** The window that is "now"; default: the last. */
  nowUs?: number;
  output: string | null;
  format: AnalyzeFormat | null;
  quiet: boolean;
  verbose: boolean;
  /** Colour in the terminal table. */
  colour: boolean;
  /** Scoring threads; default: the cores. */
  threads?: number;
  log: (line: string) => void;
  /** Standard output (the ranking when there is no -o). */
  write: (data: string | Uint8Array) => Promise<void>;
  signal?: AbortSignal;
  /** The SQLite history to record the run in (one transaction per closed window); null: none. */
  history: { path: string; passphrase: string | null } | null;
}

/** Wall time by stage, ms. Reading, flows and features run natively while windows are scored. */
export interface StageTimes extends ScoringTimes {
  totalMs: number;
  /** Waiting for the next window of features (read, decode, flows, features not yet hidden by scoring). */
  waitForFeaturesMs: number;
  modelLoadMs: number;
  rankingMs: number;
  outputMs: number;
}

export interface AnalyzeOutcome {
  result: AnalysisResult;
  times: StageTimes;
  packets: number;
  records: number;
  /** Some host scored at or above the threshold in some window. */
  detected: boolean;
}

export function formatFromPath(path: string): AnalyzeFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.arrow') || lower.endsWith('.ipc')) return 'arrow';
  if (lower.endsWith('.txt')) return 'table';
  return null;
}

export async function runAnalyze(options: AnalyzeOptions): Promise<AnalyzeOutcome> {
  if (options.inputs.length === 0) throw usageError("analyze needs at least one INPUT; see 'flowhound help analyze'");
  const format = options.format ?? (options.output ? formatFromPath(options.output) : 'table') ?? null;
  if (format === null) throw usageError(`cannot tell the output format from '${options.output}': use .json, .csv, .arrow or .txt, or --format`);
  if (format === 'arrow' && options.output === null && process.stdout.isTTY) {
    throw usageError('refusing to write binary Arrow data to a terminal: give -o FILE.arrow or redirect the output');
  }
  const filter = hostFilter(options.ranges);
  const started = performance.now();
  const times: StageTimes = {
    totalMs: 0, waitForFeaturesMs: 0, modelLoadMs: 0, flowInferenceMs: 0, hostInferenceMs: 0, aggregateMs: 0, rankingMs: 0, outputMs: 0, flowRowsScored: 0, flowRowsReused: 0,
  };

  const scoring = await ScoringRun.open({
    inputs: options.inputs,
    reader: options.reader,
    modelPaths: options.modelPaths,
    threads: options.threads,
    quiet: options.quiet,
    label: 'analyze',
    log: options.log,
    signal: options.signal,
  });
  const models = scoring.models;
  times.modelLoadMs = scoring.modelLoadMs;
  const threshold = options.threshold ?? models.anomaly.threshold;
  const run: RunInfo = {
    options: {
      inputs: options.inputs, lan: options.reader.lan ?? null, window_s: options.reader.windowSeconds ?? 300, step_s: options.reader.stepSeconds ?? 150,
      utc_offset_minutes: options.reader.utcOffsetMinutes ?? 0, threshold, min_flows: options.minFlows, ranges: options.ranges, models: options.modelPaths,
    },
    versions: await runVersions(),
    models: [models.flow, models.host, models.anomaly].map((m) => ({ kind: m.kind, path: m.path, sha256: m.sha256, threshold: m.threshold })),
    inputs: await describeInputs(options.inputs),
    startedAt: new Date().toISOString(),
    interrupted: false,
  };
  const history = options.history === null ? null : HistoryStore.open(options.history.path, { passphrase: options.history.passphrase ?? undefined });
  let runId: number | null = null;
  try {
    runId = history?.beginRun(run) ?? null;
  } catch (error) {
    history?.close();
    throw error;
  }

  const ranking = new Ranking(threshold, (options.reader.windowSeconds ?? 300) * 1e6);
  let detected = false;
  /** Host rows at or above the threshold: what the botnet grouping looks at. */
  const suspiciousRows: HostWindowScore[] = [];
  let failed = false;
  try {
    await scoring.scoreAll(({ result }) => {
      const rankStarted = performance.now();
      ranking.add(result);
      for (const host of result.hosts) {
        if (host.score < threshold || (filter && !filter(host.host))) continue;
        detected = true;
        suspiciousRows.push(host);
      }
      times.rankingMs += performance.now() - rankStarted;
      if (history !== null && runId !== null) history.commitWindow(runId, result, threshold);
      if (options.verbose) options.log(describeWindow(result, threshold));
    });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A run that failed part way is recorded as interrupted: what is stored was complete.
    run.interrupted = options.signal?.aborted === true || failed;
    run.finishedAt = new Date().toISOString();
    if (history !== null && runId !== null) history.finishRun(runId, { interrupted: run.interrupted, finishedAt: run.finishedAt });
    history?.close();
  }
  Object.assign(times, scoring.scoringTimes);
  times.waitForFeaturesMs = scoring.waitForFeaturesMs;

  let stage = performance.now();
  const ranked = ranking.rank({ threshold, nowWindowStartUs: options.nowUs, minFlows: options.minFlows, hostFilter: filter });
  times.rankingMs += performance.now() - stage;
  const result: AnalysisResult = {
    run,
    threshold,
    windowStartsUs: ranking.windowStartsUs(),
    nowWindowStartUs: ranked.nowWindowStartUs,
    hosts: ranked.hosts,
    windows: ranking.windows(),
    groups: groupHosts(suspiciousBehaviours(suspiciousRows, threshold)),
  };

  stage = performance.now();
  await writeResult(result, format, options);
  times.outputMs = performance.now() - stage;
  times.totalMs = performance.now() - started;

  const totals = scoring.progress();
  if (!options.quiet) {
    const what = totals.packets > 0 ? `${totals.packets} packets` : `${totals.records} flow records`;
    options.log(
      `analyze: ${what} from ${plural(options.inputs.length, 'input')} → ${plural(result.windowStartsUs.length, 'window')}, ${plural(result.hosts.length, 'host')} ranked in ${(times.totalMs / 1000).toFixed(2)} s` +
        (options.output ? ` → ${options.output}` : ''),
    );
    if (options.verbose) {
      const ms = (value: number) => `${(value / 1000).toFixed(2)} s`;
      const count = (value: number) => value.toLocaleString('en-US');
      const flowRows = `${count(times.flowRowsScored)} rows scored, ${count(times.flowRowsReused)} repeated rows reused`;
      options.log(
        `  stages: waiting for features ${ms(times.waitForFeaturesMs)}, flow inference ${ms(times.flowInferenceMs)} (${flowRows}), host inference and reasons ${ms(times.hostInferenceMs)}, ` +
          `aggregates ${ms(times.aggregateMs)}, ranking ${ms(times.rankingMs)}, output ${ms(times.outputMs)}, models ${ms(times.modelLoadMs)}`,
      );
    }
    if (options.history) options.log(`  history: ${options.history.path} (run ${runId})`);
    if (run.interrupted) options.log('analyze: interrupted; the ranking covers the windows finished before that');
  }
  return { result, times, packets: totals.packets, records: totals.records, detected };
}

async function writeResult(result: AnalysisResult, format: AnalyzeFormat, options: AnalyzeOptions): Promise<void> {
  const text =
    format === 'json' ? toJson(result)
    : format === 'csv' ? await toCsv(result)
    : format === 'arrow' ? toArrow(result)
    : renderTable(result, { colour: options.colour && options.output === null, verbose: options.verbose });
  if (options.output === null || options.output === '-') {
    await options.write(text);
    return;
  }
  const output = openOutput(options.output);
  try {
    await writeChunk(output.stream, text);
    await output.commit();
  } catch (error) {
    await output.discard();
    throw error;
  }
}

/** A line per closed window (--verbose): what a watcher of a long run wants to see. */
function describeWindow(result: WindowResult, threshold: number): string {
  let top = result.hosts[0];
  for (const host of result.hosts) if (top === undefined || host.score > top.score) top = host;
  const suspicious = result.hosts.filter((h) => h.score >= threshold).length;
  const best = top === undefined ? 'no hosts' : `top ${top.host} ${top.score.toFixed(3)}`;
  return `window ${isoTime(result.windowStartUs)} (${result.input}): ${result.hosts.length} hosts, ${suspicious} suspicious, ${best}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

let version: string | null = null;
async function packageVersion(): Promise<string> {
  if (version === null) {
    version = (JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  }
  return version;
}

/** The versions a run's results depend on. */
export async function runVersions(): Promise<RunInfo['versions']> {
  return { flowhound: await packageVersion(), core: native.coreVersion(), node: process.version, schema: featureSchema().version };
}

/** Each input's path, size and fingerprint, as a run records them. */
export async function describeInputs(inputs: string[]): Promise<RunInfo['inputs']> {
  return Promise.all(inputs.map(describeInput));
}
