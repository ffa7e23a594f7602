// `flowhound report`: the history → the batch host-scoring report (HTML, JSON, CSV, or a
// summary on the terminal), and BotHound's comparison of two runs (`--compare RUN RUN`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ExitCode, FlowhoundError, usageError } from '../errors.js';
import { defaultHistoryPath } from '../history/paths.js';
import { HistoryStore } from '../history/store.js';
import { renderReportHtml } from '../report/html.js';
import { assembleReport, type AssembledReport } from '../report/report-data.js';
import { comparisonText, reportCsv, reportSummary, runsText } from '../report/text.js';
import { openOutput, writeChunk } from '../sinks/output-file.js';
import { parseTimeArgument } from '../time-argument.js';

export const REPORT_HELP = `Usage: flowhound report [--db FILE] [--from TIME --to TIME] [--run ID…] [-o REPORT.html|.json|.csv]
       flowhound report [--db FILE] --compare RUN RUN [-o COMPARE.html|.json]
       flowhound report [--db FILE] --list

The batch host-scoring report, from the history that 'flowhound analyze' keeps: the hosts
ranked by their score in the last window (then by peak), each host's score over time, a
hosts × windows heatmap, the botnet groups (suspicious hosts that behave alike), and the
runs and inputs it covers. The HTML report is one file that loads nothing from the network:
open it in a browser straight from disk, mail it, archive it.

Selection (default: every run, all the time):
  --db FILE              the history (default: ${defaultHistoryPath()};
                         XDG_DATA_HOME moves it)
  --run ID               windows of these runs only (repeatable, or ID,ID,…; --list shows them)
  --from TIME, --to TIME windows starting in [from, to): '2011/08/16 11:30:00', ISO 8601
                         with a zone, or epoch seconds; zoneless times are UTC unless
  --utc-offset MINUTES   says otherwise

Comparison (BotHound's attack analytics):
  --compare RUN RUN      suspicious hosts the two runs share (count and % of each), and for
                         each botnet group of the later run the earlier group it resembles
                         most; printed, or the full report of both runs with -o

Output:
  -o, --output FILE      .html (self-contained page), .json (everything), .csv (a row per
                         host); without -o, a summary on standard output
  --format html|json|csv override the format the extension implies
  --list                 the runs in the history, and nothing else
  -q, --quiet            no summary line on standard error
  -h, --help             this help

Privacy: a history made with FLOWHOUND_PASSPHRASE set keeps host addresses, reasons and
options encrypted. With the same FLOWHOUND_PASSPHRASE the report shows the addresses;
without it, each host is 'hmac:' and the start of a keyed hash of its address (the same
host has the same label in every report, and comparisons still work).

Examples:
  flowhound report -o report.html
  flowhound report --db lab.sqlite --run 3 --run 4 -o week.csv
  flowhound report --from '2011-08-16T09:30:00Z' --to '2011-08-16T11:00:00Z' -o morning.json
  flowhound report --compare 3 5
  FLOWHOUND_PASSPHRASE=… flowhound report --db private.sqlite -o report.html
`;

type ReportFormat = 'html' | 'json' | 'csv';

export interface ReportCommandOptions {
  db: string;
  passphrase: string | null;
  runIds: number[] | null;
  fromUs: number | null;
  toUs: number | null;
  compare: [number, number] | null;
  output: string | null;
  format: ReportFormat | null;
  list: boolean;
  quiet: boolean;
  /** Lines for the user (summary and notes); default: standard error. */
  log?: (line: string) => void;
  /** Where the summary goes without -o; default: standard output. */
  print?: (text: string) => void;
  signal?: AbortSignal;
  /** Fixed time for reproducible output (tests); default: now. */
  generatedAt?: string;
}

function flowhoundVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'flowhound' && pkg.version) return pkg.version;
      } catch {
        // keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function formatOf(output: string, format: ReportFormat | null): ReportFormat {
  if (format !== null) return format;
  const extension = extname(output).toLowerCase();
  if (extension === '.html' || extension === '.htm') return 'html';
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  throw usageError(`cannot tell the report format from '${output}': use .html, .json or .csv, or --format`);
}

function runId(text: string, option: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) throw usageError(`${option} needs a run id (a whole number from 'flowhound report --list'), got '${text}'`);
  return Number(trimmed);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof FlowhoundError ? signal.reason : new FlowhoundError('ERR_INTERRUPTED', 'interrupted');
}

export async function runReport(options: ReportCommandOptions): Promise<AssembledReport | null> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const startedMs = Date.now();
  const store = HistoryStore.open(options.db, { mode: 'read', passphrase: options.passphrase });
  try {
    if (options.list) {
      print(runsText(store.runs()));
      return null;
    }
    throwIfAborted(options.signal);
    const format = options.output === null ? null : formatOf(options.output, options.format);
    if (options.compare && format === 'csv') throw usageError('--compare writes .html or .json (or a summary without -o), not CSV');
    const assembled = assembleReport(store, {
      selection: { runIds: options.runIds, fromUs: options.fromUs, toUs: options.toUs },
      compare: options.compare,
      generatedAt: options.generatedAt,
    });
    throwIfAborted(options.signal);
    const { report } = assembled;
    if (options.output === null || format === null) {
      print(options.compare ? comparisonText(report.comparison!) : reportSummary(report));
      return assembled;
    }
    let text: string;
    if (format === 'html') text = renderReportHtml(assembled, flowhoundVersion());
    else if (format === 'json') text = `${JSON.stringify(report, null, 1)}\n`;
    else text = reportCsv(report);
    const target = openOutput(options.output);
    try {
      await writeChunk(target.stream, text);
      await target.commit();
    } catch (error) {
      await target.discard();
      throw new FlowhoundError('ERR_IO', `cannot write the report: ${(error as Error).message}`, { path: options.output });
    }
    if (!options.quiet) {
      const seconds = ((Date.now() - startedMs) / 1000).toFixed(2);
      log(
        `report: ${report.hosts.length} hosts, ${report.windowStartsUs.length} windows, ${report.runs.length} run${report.runs.length === 1 ? '' : 's'}, ` +
          `${report.groups.length} botnet group${report.groups.length === 1 ? '' : 's'} in ${seconds} s → ${options.output}`,
      );
      if (report.addresses === 'hmac') log('  hosts shown as HMAC prefixes: the history is encrypted and FLOWHOUND_PASSPHRASE is not set');
      if (options.compare) log(comparisonText(report.comparison!).trimEnd().replace(/^/gm, '  '));
    }
    return assembled;
  } finally {
    store.close();
  }
}

/** `flowhound report …` arguments → a report; returns the exit code (errors are thrown as FlowhoundError). */
export async function reportCommand(args: string[], signal: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        db: { type: 'string' },
        run: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        'utc-offset': { type: 'string' },
        compare: { type: 'string', multiple: true },
        output: { type: 'string', short: 'o' },
        format: { type: 'string' },
        list: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(REPORT_HELP);
    return ExitCode.ok;
  }
  const format = values.format ?? null;
  if (format !== null && format !== 'html' && format !== 'json' && format !== 'csv') throw usageError(`--format must be html, json or csv, got '${format}'`);

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
    compare = [runId(compareTexts[0]!, '--compare'), runId(compareTexts[1]!, '--compare')];
  }
  const utcOffsetText = values['utc-offset'];
  let utcOffsetMinutes = 0;
  if (utcOffsetText !== undefined) {
    utcOffsetMinutes = Number(utcOffsetText);
    if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 24 * 60) throw usageError(`--utc-offset needs whole minutes, got '${utcOffsetText}'`);
  }
  const fromUs = values.from === undefined ? null : parseTimeArgument(values.from, utcOffsetMinutes, '--from');
  const toUs = values.to === undefined ? null : parseTimeArgument(values.to, utcOffsetMinutes, '--to');
  if (fromUs !== null && toUs !== null && toUs <= fromUs) throw usageError('--to must come after --from');

  await runReport({
    db: values.db ?? defaultHistoryPath(),
    passphrase: process.env.FLOWHOUND_PASSPHRASE || null,
    runIds: runTexts.length > 0 ? [...new Set(runTexts.map((t) => runId(t, '--run')))] : null,
    fromUs,
    toUs,
    compare,
    output: values.output ?? null,
    format: format as ReportFormat | null,
    list: values.list === true,
    quiet: values.quiet === true,
    signal,
  });
  return ExitCode.ok;
}
