// The ranking of `flowhound analyze` as a person or a program wants it: a coloured terminal
// table with a sparkline per host, JSON, CSV (fast-csv) or Arrow IPC.
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { writeToString } from 'fast-csv';

import type { AnalysisResult, HostRanking } from '../analysis/types.js';
import { isoTime, runJson, runOptionsJson } from './json.js';

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

export { isoTime };

const colours = { red: '\x1b[31m', yellow: '\x1b[33m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

export interface TableOptions {
  colour: boolean;
  /** Rows at most (default 20; the rest are counted). */
  limit?: number;
  verbose?: boolean;
}

function status(host: HostRanking): string {
  return host.suspiciousNow ? 'NOW' : host.suspiciousBefore ? 'before' : '';
}

export function renderTable(result: AnalysisResult, options: TableOptions): string {
  const paint = (colour: keyof typeof colours, text: string) => (options.colour ? `${colours[colour]}${text}${colours.reset}` : text);
  const limit = options.limit ?? 20;
  const shown = result.hosts.slice(0, limit);
  const hostWidth = Math.max(4, ...shown.map((h) => h.host.length));
  const lines: string[] = [];
  const nowText = result.nowWindowStartUs === null ? '' : ` · now = window at ${isoTime(result.nowWindowStartUs)}`;
  lines.push(paint('bold', `flowhound: ${result.hosts.length} LAN hosts ranked over ${result.windowStartsUs.length} windows · threshold ${result.threshold}${nowText}`));
  lines.push(
    `${'rank'.padStart(4)}  ${'host'.padEnd(hostWidth)}  ${'now'.padStart(5)}  ${'peak'.padStart(5)}  ${'peak at'.padEnd(20)}  ${'flows'.padStart(8)}  ${'botnet'.padStart(7)}  ${'status'.padEnd(6)}  score over time`,
  );
  for (const host of shown) {
    const colour = host.suspiciousNow ? 'red' : host.suspiciousBefore ? 'yellow' : 'dim';
    const row =
      `${String(host.rank).padStart(4)}  ${host.host.padEnd(hostWidth)}  ${host.score.toFixed(3).padStart(5)}  ${host.peakScore.toFixed(3).padStart(5)}  ` +
      `${isoTime(host.peakWindowStartUs).padEnd(20)}  ${String(host.flows).padStart(8)}  ${String(host.botnetFlows).padStart(7)}  ${status(host).padEnd(6)}  ${sparkline(host.scores)}`;
    lines.push(paint(colour, row));
    const reasons = options.verbose ? host.reasons : host.reasons.slice(0, host.suspiciousNow || host.suspiciousBefore ? 2 : 0);
    for (const reason of reasons) lines.push(`${' '.repeat(6 + hostWidth)}  ${paint('dim', `· ${reason}`)}`);
  }
  if (result.hosts.length > shown.length) lines.push(paint('dim', `… and ${result.hosts.length - shown.length} more hosts (--format json or csv for all)`));
  if (result.groups.length > 0) {
    lines.push('', paint('bold', 'candidate botnets (hosts that behave alike):'));
    for (const group of result.groups) lines.push(`  group ${group.id}: ${group.hosts.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON document of issue 5: snake_case keys, times in ISO 8601 (UTC). */
export function toJson(result: AnalysisResult): string {
  const document = {
    hosts: result.hosts.map((h) => ({
      host: h.host,
      rank: h.rank,
      score: h.score,
      peak_score: h.peakScore,
      peak_window_start: isoTime(h.peakWindowStartUs),
      flows: h.flows,
      botnet_flows: h.botnetFlows,
      suspicious_now: h.suspiciousNow,
      suspicious_before: h.suspiciousBefore,
      reasons: h.reasons,
      evidence: h.evidence.map((e) => ({
        feature: e.feature,
        value: e.value,
        rarity_among_clean_host_windows: Number((10 ** -e.tail).toPrecision(3)),
        subject: e.subject,
        service: e.service,
        peers: e.peers,
        ports: e.ports,
        period_s: e.periodS,
        jitter_s: e.jitterS,
        span_s: e.spanS,
      })),
      resemblance_to_known_families: h.peakResemblance,
      scores: h.scores,
    })),
    windows: result.windows.map((w) => ({
      window_start: isoTime(w.windowStartUs),
      hosts: w.hosts,
      max_score: w.maxScore,
      suspicious_hosts: w.suspiciousHosts,
    })),
    groups: result.groups.map((g) => ({ id: g.id, hosts: g.hosts })),
    threshold: result.threshold,
    now_window_start: result.nowWindowStartUs === null ? null : isoTime(result.nowWindowStartUs),
    run: runJson(result.run, runOptionsJson(result.run.options)),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const CSV_HEADER = ['rank', 'host', 'score', 'peak_score', 'peak_window_start', 'flows', 'botnet_flows', 'suspicious_now', 'suspicious_before', 'reasons'];

export async function toCsv(result: AnalysisResult): Promise<string> {
  const rows = result.hosts.map((h) => [
    h.rank, h.host, h.score, h.peakScore, isoTime(h.peakWindowStartUs), h.flows, h.botnetFlows, h.suspiciousNow, h.suspiciousBefore, h.reasons.join('; '),
  ]);
  return `${await writeToString([CSV_HEADER, ...rows])}\n`;
}

export function toArrow(result: AnalysisResult): Uint8Array {
  const hosts = result.hosts;
  const table = tableFromArrays({
    rank: Int32Array.from(hosts, (h) => h.rank),
    host: hosts.map((h) => h.host),
    score: Float64Array.from(hosts, (h) => h.score),
    peak_score: Float64Array.from(hosts, (h) => h.peakScore),
    peak_window_start_us: Float64Array.from(hosts, (h) => h.peakWindowStartUs),
    flows: Float64Array.from(hosts, (h) => h.flows),
    botnet_flows: Float64Array.from(hosts, (h) => h.botnetFlows),
    suspicious_now: hosts.map((h) => h.suspiciousNow),
    suspicious_before: hosts.map((h) => h.suspiciousBefore),
    reasons: hosts.map((h) => h.reasons.join('; ')),
  });
  return tableToIPC(table, 'file');
}
