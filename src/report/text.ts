// The CSV report (a row per host) and the plain-text summaries printed on a terminal.
import type { CommonHosts } from '../analysis/compare.js';
import type { StoredRun } from '../history/store.js';
import { utcTime } from './html.js';
import type { HistoryReport, RunComparison } from './report-data.js';

const CSV_COLUMNS = [
  'rank', 'host', 'score_now', 'peak_score', 'peak_window_start_utc', 'flows', 'botnet_flows',
  'suspicious_now', 'suspicious_before', 'group', 'reasons',
] as const;

/** RFC 4180: quoted when it holds a comma, a quote or a line break. */
function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reportCsv(report: HistoryReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const host of report.hosts) {
    lines.push(
      [
        host.rank, host.host, host.score.toFixed(4), host.peakScore.toFixed(4), utcTime(host.peakWindowStartUs), host.flows, host.botnetFlows,
        host.suspiciousNow, host.suspiciousBefore, host.group, host.reasons.join('; '),
      ].map(csvField).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;

/** The top of the ranking, for a terminal. */
export function reportSummary(report: HistoryReport, top = 20): string {
  const lines: string[] = [];
  const span = report.windowStartsUs.length > 0 ? `${utcTime(report.windowStartsUs[0]!)} to ${utcTime(report.windowStartsUs.at(-1)!)} UTC` : 'no windows';
  lines.push(`${report.hosts.length} hosts, ${report.windowStartsUs.length} windows (${span}), runs ${report.runs.map((r) => r.id).join(' ') || 'none'}; threshold ${report.threshold}`);
  if (report.addresses === 'hmac') lines.push('hosts shown as HMAC prefixes: set FLOWHOUND_PASSPHRASE to see addresses');
  const width = Math.max(4, ...report.hosts.slice(0, top).map((h) => h.host.length));
  lines.push(`${'rank'.padStart(4)}  ${'host'.padEnd(width)}   now  peak  state   group  why (peak window)`);
  for (const host of report.hosts.slice(0, top)) {
    const state = host.suspiciousNow ? 'NOW   ' : host.suspiciousBefore ? 'before' : '      ';
    lines.push(
      `${String(host.rank).padStart(4)}  ${host.host.padEnd(width)}  ${host.score.toFixed(2)}  ${host.peakScore.toFixed(2)}  ${state}  ${String(host.group ?? '').padStart(5)}  ${host.reasons[0] ?? ''}`,
    );
  }
  if (report.hosts.length > top) lines.push(`… ${report.hosts.length - top} more (-o report.html, .json or .csv for all)`);
  for (const group of report.groups) lines.push(`group ${group.id}: ${group.hosts.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function commonText(what: string, common: CommonHosts, comparison: RunComparison): string {
  return (
    `${what}: ${common.common} in common of ${common.left} (run ${comparison.earlierRunId}) and ${common.right} (run ${comparison.laterRunId}): ` +
    `${percent(common.leftShare)} of run ${comparison.earlierRunId}, ${percent(common.rightShare)} of run ${comparison.laterRunId}`
  );
}

const hostCount = (n: number) => `${n} host${n === 1 ? '' : 's'}`;

export function comparisonText(comparison: RunComparison): string {
  const c = comparison;
  const lines = [
    `compare: run ${c.earlierRunId} (earlier) and run ${c.laterRunId}`,
    commonText('suspicious hosts', c.suspicious, c),
    commonText('scored hosts', c.scored, c),
  ];
  if (c.suspicious.hosts.length > 0) lines.push(`  suspicious in both: ${c.suspicious.hosts.join(' ')}`);
  lines.push(`groups: ${c.earlierGroups.length} in run ${c.earlierRunId}, ${c.laterGroups.length} in run ${c.laterRunId}`);
  for (const r of c.resemblances) {
    const group = c.laterGroups.find((g) => g.id === r.groupId)!;
    if (r.nearestGroupId === null) {
      lines.push(`  run ${c.laterRunId} group ${r.groupId} (${hostCount(group.hosts.length)}): no earlier group to compare with`);
      continue;
    }
    const others = r.distances.slice(1).map((d) => `group ${d.groupId} ${d.distance.toFixed(2)}`);
    lines.push(
      `  run ${c.laterRunId} group ${r.groupId} (${hostCount(group.hosts.length)}) resembles run ${c.earlierRunId} group ${r.nearestGroupId} most: ` +
        `distance ${r.distance!.toFixed(2)}, ${r.common!.common} host${r.common!.common === 1 ? '' : 's'} in both` +
        (others.length > 0 ? ` (then ${others.join(', ')})` : ''),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function runsText(runs: StoredRun[]): string {
  if (runs.length === 0) return 'no runs in this history\n';
  const lines = ['  run  started                   status       windows  inputs'];
  for (const run of runs) {
    lines.push(
      `${String(run.id).padStart(5)}  ${run.startedAt.padEnd(24)}  ${run.status.padEnd(11)}  ${String(run.windows).padStart(7)}  ${run.inputs.map((i) => i.path).join(' ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
