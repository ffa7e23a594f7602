// The ranking table: the one form of a host ranking, wherever flowhound shows one: analyze's
// terminal table and -o (JSON, CSV, Arrow and Parquet through ranking-arrow.ts, text), and report's terminal summary and -o json/csv.
// One set of columns under one set of names (the CSV header, the Arrow fields and the JSON
// keys are the same words), one time format (ISO 8601 UTC; Arrow's own timestamp[us, UTC]), and
// one number format per writer: files keep every digit of a score, the terminal shows three.
import type { BotnetGroup, HostRanking } from '../analysis/types.js';
import { isoTime } from './json.js';

/** A ranked host, as every ranking shows it. */
export interface RankedHost
  extends
    Pick<HostRanking, 'host' | 'rank' | 'score' | 'peakScore' | 'peakWindowStartUs' | 'flows' | 'botnetFlows' | 'suspiciousNow' | 'suspiciousBefore' | 'reasons' | 'scores'>,
    Partial<Pick<HostRanking, 'firstSuspiciousWindowStartUs' | 'lastSuspiciousWindowStartUs' | 'inputs'>> {
  /** The candidate botnet it is in (BotnetGroup.id), or null. */
  group: number | null;
  /** Per input, the command that shows its flow records there (default: flowsCommand with no offset). */
  flowsCommands?: string[];
}

/** A window of the ranking: its hosts, its highest score, its suspicious hosts, what the memory budget did to it. */
export interface RankingWindow {
  windowStartUs: number;
  hosts: number;
  maxScore: number;
  suspiciousHosts: number;
  /** Its flows emitted early under the memory budget (WindowResult.flowsEvictedEarly), over every input. */
  flowsEvictedEarly: number;
  /** Its flows the memory budget left without a row (WindowResult.flowRowsDropped), over every input. */
  flowRowsDropped: number;
  /** A live capture's window (the history's): packets the kernel (ps_drop) and the interface (ps_ifdrop) dropped while it was open. Absent: not known (analyze). */
  packetsDroppedKernel?: number;
  packetsDroppedInterface?: number;
}

/** A ranking over windows: what analyze computes, and what report assembles from the history. */
export interface RankingTable {
  threshold: number;
  /** The window the ranking's "now" is, µs. */
  nowWindowStartUs: number | null;
  hosts: RankedHost[];
  /** In time order; `RankedHost.scores` has a score per window, in the same order. */
  windows: RankingWindow[];
  groups: BotnetGroup[];
}

/** The hosts of `hosts` with the candidate botnet each is in. */
export function withGroups<Host extends { host: string }>(hosts: readonly Host[], groups: readonly BotnetGroup[]): (Host & { group: number | null })[] {
  const groupOf = new Map(groups.flatMap((group) => group.hosts.map((host) => [host, group.id] as const)));
  return hosts.map((host) => ({ ...host, group: groupOf.get(host.host) ?? null }));
}

// --- The columns -------------------------------------------------------------------------------

interface Column {
  /** The CSV header, the Arrow field, the JSON key. */
  name: string;
  /** The value a CSV cell writes (time as ISO 8601 UTC, scores with every digit). */
  text(host: RankedHost): string | number | boolean | null;
}

/** The table's columns, in order. */
export const RANKING_COLUMNS: readonly Column[] = [
  { name: 'rank', text: (h) => h.rank },
  { name: 'host', text: (h) => h.host },
  { name: 'score', text: (h) => h.score },
  { name: 'peak_score', text: (h) => h.peakScore },
  { name: 'peak_window_start', text: (h) => isoTime(h.peakWindowStartUs) },
  { name: 'flows', text: (h) => h.flows },
  { name: 'model_botnet_flows', text: (h) => h.botnetFlows },
  { name: 'suspicious_now', text: (h) => h.suspiciousNow },
  { name: 'suspicious_before', text: (h) => h.suspiciousBefore },
  { name: 'group', text: (h) => h.group },
  { name: 'reasons', text: (h) => h.reasons.join('; ') },
];

/** A score for a person: three decimals. */
export const scoreText = (score: number): string => score.toFixed(3);

// --- CSV ---------------------------------------------------------------------------------------

/** RFC 4180: quoted when it holds a comma, a quote or a line break; null is empty. */
function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A row per host, in rank order, under the column names. */
export function rankingCsv(table: Pick<RankingTable, 'hosts'>): string {
  const lines = [RANKING_COLUMNS.map((column) => column.name).join(',')];
  for (const host of table.hosts) lines.push(RANKING_COLUMNS.map((column) => csvField(column.text(host))).join(','));
  return `${lines.join('\n')}\n`;
}

// --- JSON --------------------------------------------------------------------------------------

/** A word for a POSIX shell: as it is when it needs no quotes, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that shows a host's flow records in one of its inputs, read with the run's
 * --utc-offset (a flow file's times then match the windows').
 */
export function flowsCommand(input: string, host: string, utcOffsetMinutes = 0): string {
  return `flowhound flows ${shellWord(input)} --host ${host}${utcOffsetMinutes !== 0 ? ` --utc-offset ${utcOffsetMinutes}` : ''}`;
}

/** A host's flows commands: as its ranking gives them, or with no offset. */
export function flowsCommandsOf(host: RankedHost): string[] {
  return host.flowsCommands ?? (host.inputs ?? []).map((input) => flowsCommand(input, host.host));
}

/** Where a host was suspicious, where it came from, and how to see its flows, when the ranking knows. */
function whereJson(host: RankedHost) {
  if (host.inputs === undefined) return {};
  const time = (us: number | null | undefined) => (us === null || us === undefined ? null : isoTime(us));
  return {
    first_suspicious_window: time(host.firstSuspiciousWindowStartUs),
    last_suspicious_window: time(host.lastSuspiciousWindowStartUs),
    inputs: host.inputs,
    flows_commands: flowsCommandsOf(host),
  };
}

/**
 * A ranked host in JSON: the table's columns (the reasons as a list), where it was suspicious
 * and how to see its flows, then `detail` (analyze adds each host's evidence and
 * resemblance), then its score per window, then, when asked, its group (report's; analyze's
 * JSON gives the groups' hosts in `groups` only).
 */
export function rankedHostJson(host: RankedHost, options: { detail?: Record<string, unknown>; group?: boolean } = {}) {
  return {
    host: host.host,
    rank: host.rank,
    score: host.score,
    peak_score: host.peakScore,
    peak_window_start: isoTime(host.peakWindowStartUs),
    flows: host.flows,
    model_botnet_flows: host.botnetFlows,
    suspicious_now: host.suspiciousNow,
    suspicious_before: host.suspiciousBefore,
    reasons: host.reasons,
    ...whereJson(host),
    ...options.detail,
    scores: host.scores,
    ...(options.group ? { group: host.group } : {}),
  };
}

export function rankingWindowJson(window: RankingWindow) {
  return {
    window_start: isoTime(window.windowStartUs),
    hosts: window.hosts,
    max_score: window.maxScore,
    suspicious_hosts: window.suspiciousHosts,
    flows_evicted_early: window.flowsEvictedEarly,
    flow_rows_dropped: window.flowRowsDropped,
    ...(window.packetsDroppedKernel === undefined ? {} : { packets_dropped_kernel: window.packetsDroppedKernel, packets_dropped_interface: window.packetsDroppedInterface ?? 0 }),
  };
}

/**
 * What the memory budget did, a line per window it touched: 'window 2023-11-14T22:10:00Z:
 * 1,204,118 flows evicted early under the memory budget, 903,211 flow rows left unscored'.
 */
export function memoryBudgetLines(windows: readonly RankingWindow[]): string[] {
  const count = (n: number) => n.toLocaleString('en-US');
  return windows
    .filter((w) => w.flowsEvictedEarly > 0 || w.flowRowsDropped > 0)
    .map((w) => {
      const dropped = w.flowRowsDropped > 0 ? `, ${count(w.flowRowsDropped)} flow rows left unscored` : '';
      return `window ${isoTime(w.windowStartUs)}: ${count(w.flowsEvictedEarly)} flows evicted early under the memory budget${dropped}`;
    });
}

export function groupJson(group: BotnetGroup) {
  return { id: group.id, hosts: group.hosts };
}

/** The ranking's part of a JSON document: hosts, windows, groups, threshold, the "now" window. */
export function rankingJson(table: RankingTable, options: { detail?: (host: RankedHost, index: number) => Record<string, unknown>; group?: boolean } = {}) {
  return {
    hosts: table.hosts.map((host, index) => rankedHostJson(host, { detail: options.detail?.(host, index), group: options.group })),
    windows: table.windows.map(rankingWindowJson),
    groups: table.groups.map(groupJson),
    threshold: table.threshold,
    now_window_start: table.nowWindowStartUs === null ? null : isoTime(table.nowWindowStartUs),
  };
}

// --- The terminal ------------------------------------------------------------------------------

const SPARKS = '▁▂▃▄▅▆▇█';

/** One character per window, the score's height; a dot where the host had no flows. */
export function sparkline(scores: number[], width = 40): string {
  if (scores.length === 0) return '';
  // Wide runs are folded: each character is the highest score of its span of windows.
  const span = Math.max(1, Math.ceil(scores.length / width));
  let line = '';
  for (let start = 0; start < scores.length; start += span) {
    const peak = Math.max(...scores.slice(start, start + span));
    line += peak <= 0 ? '·' : SPARKS[Math.min(SPARKS.length - 1, Math.floor(peak * SPARKS.length))];
  }
  return line;
}

const colours = { red: '\x1b[31m', yellow: '\x1b[33m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };
export type Paint = (colour: keyof typeof colours, text: string) => string;

/** Colours text for a terminal, or leaves it plain. */
export function painter(colour: boolean): Paint {
  return (name, text) => (colour ? `${colours[name]}${text}${colours.reset}` : text);
}

export interface TerminalTableOptions {
  colour: boolean;
  /** Rows at most (default 20; the rest are counted). */
  limit?: number;
  /** Every reason of every host, not only the first two of the suspicious ones. */
  verbose?: boolean;
  /** What to run to see every host, said under a table that does not show them all. */
  moreHint: string;
  /**
   * The terminal's width (process.stdout.columns): the score line takes what the columns
   * leave, and longer lines are cut with '…'. Undefined (a pipe, a file): nothing is cut.
   */
  columns?: number;
}

/** `line` cut to `columns` characters (ANSI colours aside), ending in '…' when cut. */
function fit(line: string, columns: number | undefined): string {
  if (columns === undefined || line.length <= columns) return line;
  return `${line.slice(0, Math.max(1, columns - 1))}…`;
}

/** -v, under a suspicious host: since when, until when, from which input, and the command that shows its flows. */
function evidenceLines(host: RankedHost): string[] {
  const lines: string[] = [];
  const first = host.firstSuspiciousWindowStartUs;
  const last = host.lastSuspiciousWindowStartUs;
  if (first !== null && first !== undefined && last !== null && last !== undefined) {
    lines.push(first === last ? `suspicious in the window at ${isoTime(first)}` : `suspicious from the window at ${isoTime(first)} to the one at ${isoTime(last)}`);
  }
  for (const command of flowsCommandsOf(host)) lines.push(`its flows: ${command}`);
  return lines;
}

function status(host: RankedHost): string {
  return host.suspiciousNow ? 'NOW' : host.suspiciousBefore ? 'before' : '';
}

/** The table for a terminal: a row per host (red: suspicious now, yellow: before), its reasons under it, then the groups. */
export function rankingTerminalLines(table: Pick<RankingTable, 'hosts' | 'groups'>, options: TerminalTableOptions): string[] {
  const paint = painter(options.colour);
  const shown = table.hosts.slice(0, options.limit ?? 20);
  const hostWidth = Math.max(4, ...shown.map((h) => h.host.length));
  // rank, host, now, peak, peak at, flows, model botnet, status, group, then the score line.
  const fullWidth = 4 + 2 + hostWidth + 2 + 5 + 2 + 5 + 2 + 20 + 2 + 8 + 2 + 12 + 2 + 6 + 2 + 5 + 2;
  // A terminal too narrow for the columns and a score line of 10 drops 'peak at' (the JSON and CSV have it).
  const withPeakAt = options.columns === undefined || options.columns >= fullWidth + 10;
  const fixedWidth = withPeakAt ? fullWidth : fullWidth - 22;
  const sparkWidth = options.columns === undefined ? 40 : Math.max(5, options.columns - fixedWidth - 1);
  const peakAt = (text: string) => (withPeakAt ? `${text.padEnd(20)}  ` : '');
  const lines = [
    fit(
      `${'rank'.padStart(4)}  ${'host'.padEnd(hostWidth)}  ${'now'.padStart(5)}  ${'peak'.padStart(5)}  ${peakAt('peak at')}${'flows'.padStart(8)}  ${'model botnet'.padStart(12)}  ${'status'.padEnd(6)}  ${'group'.padStart(5)}  ${'score over time'.slice(0, Math.max(5, sparkWidth))}`,
      options.columns,
    ),
  ];
  for (const host of shown) {
    const colour = host.suspiciousNow ? 'red' : host.suspiciousBefore ? 'yellow' : 'dim';
    const row =
      `${String(host.rank).padStart(4)}  ${host.host.padEnd(hostWidth)}  ${scoreText(host.score).padStart(5)}  ${scoreText(host.peakScore).padStart(5)}  ` +
      `${peakAt(isoTime(host.peakWindowStartUs))}${String(host.flows).padStart(8)}  ${String(host.botnetFlows).padStart(12)}  ${status(host).padEnd(6)}  ` +
      `${String(host.group ?? '').padStart(5)}  ${sparkline(host.scores, sparkWidth)}`;
    lines.push(paint(colour, fit(row, options.columns)));
    const reasons = options.verbose ? host.reasons : host.reasons.slice(0, host.suspiciousNow || host.suspiciousBefore ? 2 : 0);
    const indent = ' '.repeat(6 + hostWidth);
    // Reasons and evidence are cut to the terminal only without -v: -v is for reading them whole.
    const cut = (text: string) => (options.verbose ? text : fit(text, options.columns === undefined ? undefined : options.columns - indent.length - 2));
    for (const reason of reasons) lines.push(`${indent}  ${paint('dim', cut(`· ${reason}`))}`);
    if (options.verbose && (host.suspiciousNow || host.suspiciousBefore)) lines.push(...evidenceLines(host).map((line) => `${indent}  ${paint('dim', line)}`));
  }
  if (table.hosts.length > shown.length) lines.push(paint('dim', `… and ${table.hosts.length - shown.length} more hosts (${options.moreHint} for all)`));
  if (table.groups.length > 0) {
    lines.push('', paint('bold', 'candidate botnets (hosts that behave alike):'));
    for (const group of table.groups) lines.push(`  group ${group.id}: ${group.hosts.join(' ')}`);
  }
  return lines;
}
