// `flowhound report -o X.json`: the report as a JSON document in flowhound's JSON naming
// (src/sinks/json.ts: snake_case, ISO 8601 UTC times). The ranking's part (hosts, windows,
// groups, threshold, now_window_start) is written by the ranking table, as analyze's is; each
// host adds its group. The HTML page embeds the report in its own internal form instead.
import type { CommonHosts, GroupResemblance } from '../analysis/compare.js';
import type { BotnetGroup } from '../analysis/types.js';
import { inputsJson, isoTime } from '../sinks/json.js';
import { groupJson, rankingJson } from '../sinks/ranking-table.js';
import type { HistoryReport, ReportRun, RunComparison } from './report-data.js';

/** The version of the JSON document: 2 since its keys follow the snake_case rule. */
export const REPORT_JSON_VERSION = 2;

const time = (us: number | null) => (us === null ? null : isoTime(us));

function runJson(run: ReportRun) {
  return {
    id: run.id,
    status: run.status,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    options: run.options,
    versions: run.versions,
    models: run.models,
    inputs: inputsJson(run.inputs),
    windows: run.windows,
    now_window_start: time(run.nowWindowStartUs),
  };
}

/** A group with its centroid (the mean behaviour vector its members were grouped by). */
function groupWithCentroidJson(group: BotnetGroup) {
  return { ...groupJson(group), centroid: group.centroid };
}

function commonJson(common: CommonHosts) {
  return { left: common.left, right: common.right, common: common.common, left_share: common.leftShare, right_share: common.rightShare, hosts: common.hosts };
}

function resemblanceJson(resemblance: GroupResemblance) {
  return {
    group_id: resemblance.groupId,
    nearest_group_id: resemblance.nearestGroupId,
    distance: resemblance.distance,
    common: resemblance.common === null ? null : commonJson(resemblance.common),
    distances: resemblance.distances.map((d) => ({ group_id: d.groupId, distance: d.distance })),
  };
}

function comparisonJson(comparison: RunComparison) {
  return {
    earlier_run_id: comparison.earlierRunId,
    later_run_id: comparison.laterRunId,
    suspicious: commonJson(comparison.suspicious),
    scored: commonJson(comparison.scored),
    earlier_groups: comparison.earlierGroups.map(groupWithCentroidJson),
    later_groups: comparison.laterGroups.map(groupWithCentroidJson),
    resemblances: comparison.resemblances.map(resemblanceJson),
  };
}

export function reportJson(report: HistoryReport): string {
  const ranking = rankingJson(report, { group: true });
  const document = {
    format: report.format,
    format_version: REPORT_JSON_VERSION,
    generated_at: report.generatedAt,
    database: report.database,
    addresses: report.addresses,
    selection: { run_ids: report.selection.runIds, from: time(report.selection.fromUs), to: time(report.selection.toUs) },
    runs: report.runs.map(runJson),
    thresholds: report.thresholds,
    ...ranking,
    groups: report.groups.map(groupWithCentroidJson),
    grouping: { suspicious_hosts: report.grouping.suspiciousHosts, silhouette: report.grouping.silhouette, silhouettes: report.grouping.silhouettes },
    comparison: report.comparison === null ? null : comparisonJson(report.comparison),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
