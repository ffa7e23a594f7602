// What `flowhound analyze` tells the user, as a listener of its scoring session: with -v a line
// per finished window, what a watcher of a long run wants to see; at the end (unless -q) what
// was read and ranked, where it went, and with -v the time by stage. The progress line itself
// is the read loop's.
import type { ScoredWindow, WindowListener } from '../../analysis/session.js';
import type { AnalysisResult, WindowResult } from '../../analysis/types.js';
import type { ScoringTimes } from '../../analysis/window-scorer.js';
import type { ProgressSnapshot } from '../../progress.js';
import { formatBytes } from '../../cli/byte-size.js';
import { isoTime } from '../../sinks/json.js';
import { memoryBudgetLines } from '../../sinks/ranking-table.js';

/** Wall time by stage, ms. Reading, flows and features run natively while windows are scored. */
export interface StageTimes extends ScoringTimes {
  totalMs: number;
  /** Waiting for the next window of features (read, decode, flows, features not yet hidden by scoring). */
  waitForFeaturesMs: number;
  /** Waiting for windows to be scored (inference not hidden by reading: the windows overlap). */
  waitForScoresMs: number;
  modelLoadMs: number;
  rankingMs: number;
  outputMs: number;
}

export interface AnalyzeDisplayOptions {
  threshold: number;
  verbose: boolean;
  quiet: boolean;
  log: (line: string) => void;
  /** The memory budget the inputs were read with (--memcap), bytes, if known. */
  memcapBytes?: number;
}

export interface RunReport {
  result: AnalysisResult;
  inputs: number;
  totals: ProgressSnapshot;
  times: StageTimes;
  output: string | null;
  history: { path: string; runId: number } | null;
  /** What the options missed of the inputs (src/analysis/input-hints.ts). */
  hints?: string[];
}

export class AnalyzeDisplay implements WindowListener {
  readonly #options: AnalyzeDisplayOptions;

  constructor(options: AnalyzeDisplayOptions) {
    this.#options = options;
  }

  onWindow({ result }: ScoredWindow): void {
    if (this.#options.verbose && !this.#options.quiet) this.#options.log(describeWindow(result, this.#options.threshold));
  }

  /** The lines that end a run. */
  summary({ result, inputs, totals, times, output, history, hints = [] }: RunReport): void {
    const { log, quiet, verbose } = this.#options;
    if (quiet) return;
    const what = totals.packets > 0 ? `${totals.packets} packets` : `${totals.records} flow records`;
    log(
      `analyze: ${what} from ${plural(inputs, 'input')} → ${plural(result.windowStartsUs.length, 'window')}, ${plural(result.hosts.length, 'host')} ranked in ${(times.totalMs / 1000).toFixed(2)} s` +
        (output ? ` → ${output}` : ''),
    );
    if (verbose) {
      const ms = (value: number) => `${(value / 1000).toFixed(2)} s`;
      const count = (value: number) => value.toLocaleString('en-US');
      const flowRows = `${count(times.flowRowsScored)} rows scored, ${count(times.flowRowsReused)} repeated rows reused`;
      log(
        `  stages: waiting for features ${ms(times.waitForFeaturesMs)}, waiting for scores ${ms(times.waitForScoresMs)}; ` +
          `per window, summed (windows are scored while the next is read): flow inference ${ms(times.flowInferenceMs)} (${flowRows}), host inference and reasons ${ms(times.hostInferenceMs)}, ` +
          `aggregates ${ms(times.aggregateMs)}, ranking ${ms(times.rankingMs)}, output ${ms(times.outputMs)}, models ${ms(times.modelLoadMs)}`,
      );
    }
    const budget = memoryBudgetSummary(result, this.#options.memcapBytes);
    if (budget !== null) log(budget);
    if (verbose) for (const line of memoryBudgetLines(result.windows)) log(`    ${line}`);
    if (history) log(`  history: ${history.path} (run ${history.runId})`);
    if (result.run.interrupted) log('analyze: interrupted; the ranking covers the windows finished before that');
    for (const hint of hints) log(hint);
    log(verdictLine(result));
  }
}

/**
 * The line every run ends with: how many hosts are suspicious now and before, or that none
 * reached the threshold, with the highest score reached.
 */
export function verdictLine(result: Pick<AnalysisResult, 'hosts' | 'threshold'> & { windows?: AnalysisResult['windows'] }): string {
  const now = result.hosts.filter((h) => h.suspiciousNow).length;
  const before = result.hosts.filter((h) => h.suspiciousBefore).length;
  if (now + before > 0) return `analyze: ${now} suspicious now, ${before} before (threshold ${result.threshold})`;
  let highest: (typeof result.hosts)[number] | undefined;
  for (const host of result.hosts) if (highest === undefined || host.peakScore > highest.peakScore) highest = host;
  if (highest === undefined) {
    const seen = (result.windows ?? []).some((w) => w.hosts > 0);
    // LAN hosts were scored, but --ip/--range, --exclude or --min-flows left none in the ranking.
    const why = seen ? 'no LAN host passed --ip/--range, --exclude and --min-flows' : 'no LAN host was ranked';
    return `analyze: no host reached the threshold ${result.threshold} (${why})`;
  }
  return `analyze: no host reached the threshold ${result.threshold} (highest: ${highest.host}, ${highest.peakScore.toFixed(3)})`;
}

/** A line per closed window (--verbose). */
function describeWindow(result: WindowResult, threshold: number): string {
  let top = result.hosts[0];
  for (const host of result.hosts) if (top === undefined || host.score > top.score) top = host;
  const suspicious = result.hosts.filter((h) => h.score >= threshold).length;
  const best = top === undefined ? 'no hosts' : `top ${top.host} ${top.score.toFixed(3)}`;
  const evicted = result.flowsEvictedEarly ? `, ${result.flowsEvictedEarly.toLocaleString('en-US')} flows evicted early under the memory budget` : '';
  const dropped = result.flowRowsDropped ? `, ${result.flowRowsDropped.toLocaleString('en-US')} flow rows left unscored` : '';
  return `window ${isoTime(result.windowStartUs)} (${result.input}): ${result.hosts.length} hosts, ${suspicious} suspicious, ${best}${evicted}${dropped}`;
}

/** The run's line on the memory budget, when it evicted flows or dropped rows; null otherwise. */
function memoryBudgetSummary(result: AnalysisResult, memcapBytes: number | undefined): string | null {
  const touched = result.windows.filter((w) => w.flowsEvictedEarly > 0 || w.flowRowsDropped > 0);
  if (touched.length === 0) return null;
  const count = (n: number) => n.toLocaleString('en-US');
  const evicted = touched.reduce((sum, w) => sum + w.flowsEvictedEarly, 0);
  const dropped = touched.reduce((sum, w) => sum + w.flowRowsDropped, 0);
  const memcap = memcapBytes === undefined ? '' : ` (--memcap ${formatBytes(memcapBytes)})`;
  return (
    `  memory budget${memcap}: ${count(evicted)} flows evicted early, ${count(dropped)} flow rows left unscored, ` +
    `in ${plural(touched.length, 'window')} of ${result.windows.length} (a flow counts in each window it is in)`
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
