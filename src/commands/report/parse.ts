// `flowhound report` arguments → the options of a report, checked.
import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, output, outputOptions, parseArguments, readingOptions, utcOffsetMinutes, yesOption } from '../../cli/options.js';
import { colourWanted } from '../../cli/colour.js';
import { usageError } from '../../errors.js';
import { defaultHistoryPath } from '../../history/paths.js';
import { parseTimeArgument } from '../../time-argument.js';
import type { ReportCommandOptions } from './run.js';

export interface ReportArguments extends Omit<ReportCommandOptions, 'log' | 'print' | 'signal' | 'generatedAt' | 'confirmOverwrite'> {
  /** Overwrite -o FILE without asking. */
  yes: boolean;
}

export function parseReport(args: string[]): ReportArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    db: { type: 'string' },
    run: { type: 'string', multiple: true },
    'all-runs': { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    'utc-offset': readingOptions['utc-offset'],
    compare: { type: 'string', multiple: true },
    ...outputOptions,
    ...yesOption,
    list: { type: 'boolean' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  const written = output(values, ['html', 'json', 'csv']);
  // --json without -o: the JSON document on standard output.
  if (values.json === true && written.output === null) written.output = '-';

  // `--run 3 4` and `--compare 3 5` leave the later ids as positionals.
  const split = (list: string[] | undefined) => (list ?? []).flatMap((v) => v.split(',')).filter((v) => v.trim() !== '');
  const runTexts = split(values.run);
  const compareTexts = split(values.compare);
  if (positionals.length > 0) {
    if (values.compare !== undefined && values.run === undefined) compareTexts.push(...positionals);
    else if (values.run !== undefined && values.compare === undefined) runTexts.push(...positionals);
    else throw usageError(`report takes no INPUT (got '${positionals[0]}'); the history is --db FILE`);
  }
  let compare: [number, number] | null = null;
  if (values.compare !== undefined) {
    if (compareTexts.length !== 2) throw usageError(`--compare needs two run ids (--compare 3 5), got ${compareTexts.length}`);
    if (runTexts.length > 0) throw usageError('--compare and --run exclude each other: the comparison covers its two runs');
    if (values['all-runs'] === true) throw usageError('--compare and --all-runs exclude each other: the comparison covers its two runs');
    compare = [runId(compareTexts[0]!, '--compare'), runId(compareTexts[1]!, '--compare')];
  }
  if (values['all-runs'] === true && runTexts.length > 0) throw usageError('--run and --all-runs exclude each other');
  const offset = utcOffsetMinutes(values) ?? 0;
  const fromUs = values.from === undefined ? null : parseTimeArgument(values.from, offset, '--from');
  const toUs = values.to === undefined ? null : parseTimeArgument(values.to, offset, '--to');
  if (fromUs !== null && toUs !== null && toUs <= fromUs) throw usageError('--to must come after --from');

  return {
    db: values.db ?? defaultHistoryPath(),
    // An empty FLOWHOUND_PASSPHRASE is no passphrase.
    passphrase: process.env.FLOWHOUND_PASSPHRASE || null,
    runIds: runTexts.length > 0 ? [...new Set(runTexts.map((t) => runId(t, '--run')))] : null,
    allRuns: values['all-runs'] === true,
    fromUs,
    toUs,
    compare,
    ...written,
    list: values.list === true,
    colour: colourWanted(),
    verbose: values.verbose === true,
    yes: values.yes === true,
  };
}

function runId(text: string, option: string): number {
  const trimmed = text.trim();
  const id = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || id < 1 || !Number.isSafeInteger(id)) {
    throw usageError(`${option} needs a run id (a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, as 'flowhound report --list' shows them), got '${text}'`);
  }
  return id;
}
