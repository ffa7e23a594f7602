// `flowhound analyze`: inputs → windows of features (native) → flow and host scores (the
// Piscina pool) → the ranking of LAN hosts, now and over the run → terminal, JSON, CSV, Arrow.
// A scoring session in stages: open the inputs, load the models, then per window score it and
// hand it to the listeners (rank, record in the history, show), then finish: the ranking over
// the run, written out. This file wires the stages; each is its own module.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import { EndAfterOutput } from '../../analysis/end-after-output.js';
import { hostFilter } from '../../analysis/host-filter.js';
import { addressCensus, inputHints, sniffInput } from '../../analysis/input-hints.js';
import { RankingListener } from '../../analysis/ranking-listener.js';
import { nativeParts, ScoringSession, type SessionParts, type SessionScorer, type WindowListener } from '../../analysis/session.js';
import type { AnalysisResult, RunInfo } from '../../analysis/types.js';
import { usageError } from '../../errors.js';
import { HistoryRecorder } from '../../history/recorder.js';
import { isPostgresUrl } from '../../history/postgres-url.js';
import { native, packageRoot } from '../../native.js';
import { featureSchema, type FeatureReaderOptions } from '../../pipeline/features.js';
import { describeInput } from '../../pipeline/input-fingerprint.js';
import { writeWholeOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets, type OutputTarget } from '../../sinks/output-target.js';
import { requireParquet } from '../../sinks/parquet-availability.js';
import { AnalyzeDisplay, type StageTimes } from './display.js';
import { analysisOutput, analysisParquet, type AnalyzeFormat } from './output.js';

export type { StageTimes } from './display.js';

export type { AnalyzeFormat } from './output.js';

export interface AnalyzeOptions extends OverwriteConfirmation {
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
  /** --exclude values: hosts never ranked nor flagged (Slips' whitelist). */
  exclude?: string[];
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
  /** The history to record the run in, a SQLite file or a postgres:// URL (one transaction per closed window); null: none. */
  history: { path: string; passphrase: string | null } | null;
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
  if (lower.endsWith('.arrow') || lower.endsWith('.ipc') || lower.endsWith('.feather')) return 'arrow';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.txt')) return 'table';
  return null;
}

/** Runs analyze; `parts` are the readers and scorer (the addon's and the models' unless a test gives fakes). */
export async function runAnalyze(options: AnalyzeOptions, parts: SessionParts = nativeParts): Promise<AnalyzeOutcome> {
  if (options.inputs.length === 0) throw usageError("analyze needs at least one INPUT; see 'flowhound help analyze'");
  const format = options.format ?? (options.output ? formatFromPath(options.output) : 'table') ?? null;
  if (format === null) throw usageError(`cannot tell the output format from '${options.output}': use .json, .csv, .arrow, .parquet or .txt, or --format`);
  if (format === 'parquet') requireParquet(options.output);
  if ((format === 'arrow' || format === 'parquet') && options.output === null && process.stdout.isTTY) {
    throw usageError(`refusing to write binary ${format === 'arrow' ? 'Arrow' : 'Parquet'} data to a terminal: give -o FILE.${format} or redirect the output`);
  }
  const filter = combinedFilter(hostFilter(options.ranges), hostFilter(options.exclude ?? [], '--exclude'));
  const [target] = checkOutputTargets({
    outputs: [options.output],
    inputs: [...options.inputs, ...options.modelPaths, ...(options.history && !isPostgresUrl(options.history.path) ? [options.history.path] : [])],
  });
  await options.confirmOverwrite?.([target!]);
  const started = performance.now();
  // What the first bytes of each input say (a CTU-13 flow file), for the hints at the end.
  const sniffs = Promise.all(options.inputs.map(sniffInput));

  // Open: every input, before any work.
  const session = ScoringSession.open(
    { inputs: options.inputs, reader: options.reader, modelPaths: options.modelPaths, threads: options.threads, explain: true, quiet: options.quiet, label: 'analyze', log: options.log, signal: options.signal },
    parts,
  );
  let history: HistoryRecorder | null = null;
  // The history records the run as finished only once its output is written.
  let historyEnd: EndAfterOutput | null = null;
  let outputWritten = false;
  try {
    // Load the models; the run is described, and begun in the history.
    const scorer = await session.loadModels();
    const threshold = options.threshold ?? scorer.hostThreshold;
    const run = await describeRun(options, session, scorer, threshold);
    if (options.history !== null) history = await HistoryRecorder.open(options.history.path, run, { passphrase: options.history.passphrase, threshold });

    // Per window: score, rank, record, show.
    const ranking = new RankingListener({ threshold, windowUs: session.reading.windowSeconds * 1e6, hostFilter: filter, inputs: options.inputs });
    const memcapBytes = session.readers[0]?.options.flows.memcapBytes;
    const display = new AnalyzeDisplay({ threshold, verbose: options.verbose, quiet: options.quiet, log: options.log, memcapBytes });
    historyEnd = history && new EndAfterOutput(history);
    const listeners: WindowListener[] = [ranking, ...(historyEnd ? [historyEnd] : []), display];
    const end = await session.scoreWindows(listeners);

    // Finish: the ranking over the windows finished (all of them, or those before Ctrl-C), written out.
    run.interrupted = end.interrupted;
    run.finishedAt = end.finishedAt;
    const result = await ranking.result(run, { nowWindowStartUs: options.nowUs, minFlows: options.minFlows });
    const outputStarted = performance.now();
    await writeResult(result, format, target!, options);
    outputWritten = true;
    await historyEnd?.release({ outputWritten });
    const times: StageTimes = {
      ...scorer.times,
      totalMs: performance.now() - started,
      waitForFeaturesMs: session.waitForFeaturesMs,
      waitForScoresMs: session.waitForScoresMs,
      modelLoadMs: session.modelLoadMs,
      rankingMs: ranking.rankingMs,
      outputMs: performance.now() - outputStarted,
    };
    const totals = session.progress();
    const hints = options.quiet ? [] : await runHints(options, session, result, await sniffs);
    display.summary({ result, inputs: options.inputs.length, totals, times, output: options.output, history: history && { path: history.path, runId: history.runId }, hints });
    return { result, times, packets: totals.packets, records: totals.records, detected: ranking.detected };
  } finally {
    // After a failure, the history records the run as failed; a history failing too would hide the first failure.
    await historyEnd?.release({ outputWritten }).catch(() => {});
    // Both are closed by the session's end already, unless a stage before it failed.
    await session.close();
    await history?.close();
  }
}

/** Hosts --ip/--range keep (all when not given) and --exclude does not name. */
function combinedFilter(keep: ((host: string) => boolean) | undefined, exclude: ((host: string) => boolean) | undefined): ((host: string) => boolean) | undefined {
  if (exclude === undefined) return keep;
  return (host) => !exclude(host) && (keep === undefined || keep(host));
}

/** What the options missed of the inputs: a CTU-13 input without its LAN or offset; no LAN host at all (then a census of the inputs' addresses). */
async function runHints(options: AnalyzeOptions, session: ScoringSession, result: AnalysisResult, sniffs: Awaited<ReturnType<typeof sniffInput>>[]): Promise<string[]> {
  const noLanHost = !result.run.interrupted && result.windows.every((w) => w.hosts === 0);
  const { utcOffsetMinutes, maxActiveFlows, memcapBytes, uncertainDirection, columns } = options.reader;
  const reading = { utcOffsetMinutes, maxActiveFlows, memcapBytes, uncertainDirection, columns, keepGoing: true };
  const census = noLanHost ? await addressCensus(options.inputs, reading).catch(() => null) : null;
  return inputHints({
    inputs: options.inputs,
    lan: session.reading.lan,
    lanGiven: options.reader.lan !== undefined,
    utcOffsetGiven: options.reader.utcOffsetMinutes !== undefined,
    sniffs,
    census,
  });
}

/** What the history and the JSON record of a run: its options as its readers ran them, versions, models, inputs. */
async function describeRun(options: AnalyzeOptions, session: ScoringSession, scorer: SessionScorer, threshold: number): Promise<RunInfo> {
  return {
    options: {
      inputs: options.inputs,
      ...session.reading,
      threshold,
      minFlows: options.minFlows,
      ranges: options.ranges,
      exclude: options.exclude ?? [],
      models: options.modelPaths,
    },
    versions: await runVersions(),
    models: scorer.models,
    inputs: await describeInputs(options.inputs),
    startedAt: new Date().toISOString(),
    interrupted: false,
  };
}

async function writeResult(result: AnalysisResult, format: AnalyzeFormat, target: OutputTarget, options: AnalyzeOptions): Promise<void> {
  const toTerminal = options.output === null && process.stdout.isTTY === true;
  const text =
    format === 'parquet'
      ? await analysisParquet(result)
      : await analysisOutput(result, format, { colour: options.colour && options.output === null, verbose: options.verbose, columns: toTerminal ? process.stdout.columns : undefined });
  if (target.kind === 'standard-output') await options.write(text);
  else await writeWholeOutput(target, text);
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
