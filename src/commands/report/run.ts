// `flowhound report`: the history → the batch host-scoring report (HTML, JSON, CSV, or a
// summary on the terminal), and BotHound's comparison of two runs (`--compare RUN RUN`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import { FlowhoundError, usageError } from '../../errors.js';
import type { HistoryBackend } from '../../history/backend.js';
import { openHistory } from '../../history/open-history.js';
import { isPostgresUrl } from '../../history/postgres-url.js';
import { renderReportHtml } from '../../report/html.js';
import { assembleReport, type AssembledReport } from '../../report/report-data.js';
import { reportJson } from '../../report/report-json.js';
import { comparisonText, reportSummary, runsText } from '../../report/text.js';
import { rankingCsv } from '../../sinks/ranking-table.js';
import { writeWholeOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets } from '../../sinks/output-target.js';

export type ReportFormat = 'html' | 'json' | 'csv';

export interface ReportCommandOptions extends OverwriteConfirmation {
  /** The history: a SQLite file, or a postgres:// URL. */
  db: string;
  passphrase: string | null;
  runIds: number[] | null;
  /**
   * With no --run, --from, --to or --compare: every run of the history rather than the latest
   * (the default), whose "now" is its own last window.
   */
  allRuns?: boolean;
  fromUs: number | null;
  toUs: number | null;
  compare: [number, number] | null;
  output: string | null;
  format: ReportFormat | null;
  list: boolean;
  quiet: boolean;
  /** Colour in the terminal table (default none). */
  colour?: boolean;
  /** The terminal summary: every reason, and under each suspicious host since when and how to see its flows. */
  verbose?: boolean;
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

/**
 * What a report covers when no run is named: the latest run that holds windows, unless
 * --all-runs, a time range or a comparison says otherwise (null: no run filter). Unrelated
 * captures of one history then never share a time axis or a "now".
 */
async function defaultRunIds(store: HistoryBackend, options: ReportCommandOptions): Promise<number[] | null> {
  if (options.allRuns || options.fromUs !== null || options.toUs !== null || options.compare) return null;
  const withWindows = (await store.runs()).filter((run) => run.windows > 0);
  const latest = withWindows.reduce<number | null>((id, run) => (id === null || run.id > id ? run.id : id), null);
  return latest === null ? null : [latest];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof FlowhoundError ? signal.reason : new FlowhoundError('ERR_INTERRUPTED', 'interrupted');
}

export async function runReport(options: ReportCommandOptions): Promise<AssembledReport | null> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const startedMs = Date.now();
  const [target] = checkOutputTargets({ outputs: [options.list ? null : options.output], inputs: isPostgresUrl(options.db) ? [] : [options.db] });
  const format = options.output === null || options.list ? null : formatOf(options.output, options.format);
  await options.confirmOverwrite?.([target!]);
  const store = await openHistory(options.db, { mode: 'read', passphrase: options.passphrase });
  try {
    if (options.list) {
      print(runsText(await store.runs()));
      return null;
    }
    throwIfAborted(options.signal);
    if (options.compare && format === 'csv') throw usageError('--compare writes .html or .json (or a summary without -o), not CSV');
    const runIds = options.runIds ?? (await defaultRunIds(store, options));
    const assembled = await assembleReport(store, {
      selection: { runIds, fromUs: options.fromUs, toUs: options.toUs },
      compare: options.compare,
      generatedAt: options.generatedAt,
    });
    throwIfAborted(options.signal);
    const runCount = (await store.runs()).length;
    if (!options.quiet && options.runIds === null && runIds !== null && runCount > 1) {
      log(`report: run ${runIds[0]}, the latest of the history's ${runCount} (--run ID or --all-runs for others; --list shows them)`);
    }
    const { report } = assembled;
    if (options.output === null || format === null) {
      print(options.compare ? comparisonText(report.comparison!) : reportSummary(report, { colour: options.colour ?? false, verbose: options.verbose ?? false, columns: options.print === undefined && process.stdout.isTTY ? process.stdout.columns : undefined }));
      return assembled;
    }
    let text: string;
    if (format === 'html') text = renderReportHtml(assembled, flowhoundVersion());
    else if (format === 'json') text = reportJson(report);
    else text = rankingCsv(report);
    if (target!.kind === 'standard-output') print(text);
    else await writeWholeOutput(target!, text);
    if (!options.quiet) {
      const seconds = ((Date.now() - startedMs) / 1000).toFixed(2);
      log(
        `report: ${report.hosts.length} hosts, ${report.windowStartsUs.length} windows, ${report.runs.length} run${report.runs.length === 1 ? '' : 's'}, ` +
          `${report.groups.length} botnet group${report.groups.length === 1 ? '' : 's'} in ${seconds} s${target!.kind === 'standard-output' ? '' : ` → ${options.output}`}`,
      );
      if (report.addresses === 'hmac') log('  hosts shown as HMAC prefixes: the history is encrypted and FLOWHOUND_PASSPHRASE is not set');
      if (options.compare) log(comparisonText(report.comparison!).trimEnd().replace(/^/gm, '  '));
    }
    return assembled;
  } finally {
    await store.close();
  }
}
