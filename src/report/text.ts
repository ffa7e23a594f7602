// The report on a terminal: the ranking's summary (the ranking table of
// src/sinks/ranking-table.ts under a line saying what it covers), a comparison of runs, the
// list of runs.
import type { CommonHosts } from '../analysis/compare.js';
import type { StoredRun } from '../history/store.js';
import { isoTime } from '../sinks/json.js';
import { memoryBudgetLines, rankingTerminalLines } from '../sinks/ranking-table.js';
import type { HistoryReport, RunComparison } from './report-data.js';

const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;

/** The top of the ranking, for a terminal. */
export function reportSummary(report: HistoryReport, options: { colour: boolean; verbose?: boolean; top?: number; columns?: number } = { colour: false }): string {
  const span = report.windowStartsUs.length > 0 ? `${isoTime(report.windowStartsUs[0]!)} to ${isoTime(report.windowStartsUs.at(-1)!)}` : 'no windows';
  const lines = [`${report.hosts.length} hosts, ${report.windowStartsUs.length} windows (${span}), runs ${report.runs.map((r) => r.id).join(' ') || 'none'}; threshold ${report.threshold}`];
  if (report.addresses === 'hmac') lines.push('hosts shown as HMAC prefixes: set FLOWHOUND_PASSPHRASE to see addresses');
  lines.push(...rankingTerminalLines(report, { colour: options.colour, verbose: options.verbose, columns: options.columns, limit: options.top ?? 20, moreHint: '-o report.html, .json or .csv' }));
  lines.push(...budgetLines(report));
  return `${lines.join('\n')}\n`;
}

/** The windows the memory budget touched, the first few of them (every one is in -o json). */
function budgetLines(report: HistoryReport): string[] {
  const shown = 20;
  const all = memoryBudgetLines(report.windows);
  if (all.length === 0) return [];
  const more = all.length > shown ? [`  … and ${all.length - shown} more windows (-o report.json for all)`] : [];
  return ['', 'memory budget (--memcap):', ...all.slice(0, shown).map((line) => `  ${line}`), ...more];
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
