// `flowhound analyze` (and `flowhound demo`) arguments → the options of a run, checked, with
// every default filled in: the history's path and passphrase, colour on a terminal.
import { HELP_WANTED } from '../../cli/command.js';
import {
  helpOption,
  output,
  outputOptions,
  parseArguments,
  reading,
  readingOptions,
  scoring,
  sameOption,
  scoringOptions,
  yesOption,
} from '../../cli/options.js';
import { publishing, publishOptions, refuseWithPublish, type Publishing } from '../../cli/publish-options.js';
import { numberIn, wholeNumberIn } from '../../cli/values.js';
import { colourWanted } from '../../cli/colour.js';
import { usageError } from '../../errors.js';
import { defaultHistoryPath } from '../../history/paths.js';
import { coreDefaults } from '../../core-defaults.js';
import { parseTimeArgument } from '../../time-argument.js';
import type { AnalyzeOptions } from './run.js';

export interface AnalyzeArguments extends Omit<AnalyzeOptions, 'log' | 'write' | 'signal' | 'confirmOverwrite'> {
  /** Overwrite -o FILE without asking. */
  yes: boolean;
  /** Exit 1 when a host scores at or above the threshold in some window. */
  failOnDetection: boolean;
  /** --publish: a sensor, publishing its windows to NATS for `flowhound serve` to score; null: score here. */
  publishing: Publishing | null;
  /** A sensor's status line every so many seconds (--status-interval; 0: none). */
  statusIntervalS: number;
  /** --json (a sensor's summary as JSON). */
  json: boolean;
}

/** What stands in for arguments not given (`flowhound demo`: its capture and that capture's LAN). */
export interface AnalyzeDefaults {
  inputs?: string[];
  lan?: string[];
}

export function parseAnalyze(args: string[], defaults: AnalyzeDefaults = {}): AnalyzeArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...scoringOptions,
    ...outputOptions,
    ...yesOption,
    ...readingOptions,
    ip: { type: 'string', multiple: true },
    range: { type: 'string', multiple: true, short: 'r' },
    exclude: { type: 'string', multiple: true },
    'min-flows': { type: 'string' },
    // BotRecon's name for --min-flows.
    'min-count': { type: 'string', short: 'c' },
    at: { type: 'string' },
    'fail-on-detection': { type: 'boolean' },
    db: { type: 'string' },
    'no-db': { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    ...publishOptions,
    'status-interval': { type: 'string' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  const published = publishing(values, { whenFull: 'wait' });
  if (published !== null) {
    refuseWithPublish(values, ['output', 'format', 'db', 'no-db', 'model', 'threshold', 'threads', 'jobs', 'ip', 'range', 'exclude', 'min-flows', 'min-count', 'at', 'fail-on-detection']);
  } else if (values['status-interval'] !== undefined) {
    throw usageError('--status-interval is an option of a sensor: it needs --publish nats://HOST:PORT');
  }
  const inputs = positionals.length > 0 ? positionals : (defaults.inputs ?? []);
  // Checked here as well as by runAnalyze, so that a usage error loads none of the run's modules.
  if (inputs.length === 0) throw usageError("analyze needs at least one INPUT; see 'flowhound help analyze'");
  const scored = scoring(values);
  const reader = { lan: scored.lan ?? defaults.lan, ...reading(values) };
  const written = output(values, ['table', 'json', 'csv', 'arrow', 'parquet']);
  const minFlows = wholeNumberIn(sameOption(values, 'min-flows', 'min-count'), values['min-count'] === undefined ? '--min-flows' : '--min-count', { what: 'a whole number of flows', min: 0, max: Number.MAX_SAFE_INTEGER }) ?? 1;
  if (values.db !== undefined && values['no-db'] === true) throw usageError('--db and --no-db exclude each other');
  return {
    inputs,
    reader,
    modelPaths: scored.modelPaths,
    threshold: scored.threshold,
    minFlows,
    ranges: [...(values.ip ?? []), ...(values.range ?? [])],
    exclude: values.exclude ?? [],
    nowUs: values.at === undefined ? undefined : parseTimeArgument(values.at, reader.utcOffsetMinutes ?? coreDefaults.utcOffsetMinutes, '--at'),
    ...written,
    verbose: values.verbose === true,
    colour: colourWanted(),
    threads: scored.threads,
    history:
      values['no-db'] === true
        ? null
        : // An empty FLOWHOUND_PASSPHRASE is no passphrase.
          { path: values.db ?? defaultHistoryPath(), passphrase: process.env.FLOWHOUND_PASSPHRASE || null },
    yes: values.yes === true,
    failOnDetection: values['fail-on-detection'] === true,
    publishing: published,
    statusIntervalS: numberIn(values['status-interval'], '--status-interval', { what: 'a number of seconds', min: 0, max: 86_400 }) ?? 10,
    json: values.json === true,
  };
}
