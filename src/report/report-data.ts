// What `flowhound report` shows, assembled from the history: the ranking of the hosts over the
// windows selected, per-window summaries, botnet groups, the runs and inputs covered, and,
// when asked, the comparison of two runs. The JSON, CSV, HTML and terminal outputs are drawn
// from it (report-json.ts, the ranking table of src/sinks/ranking-table.ts, html.ts, text.ts).
import { commonHosts, resemblances, type CommonHosts, type GroupResemblance } from '../analysis/compare.js';
import { FeatureScale, groupHostsDetailed, type HostBehaviour } from '../analysis/grouping.js';
import { rankingOrder } from '../analysis/ranking.js';
import type { AnalysisResult, BotnetGroup, HostRanking, RunInfo } from '../analysis/types.js';
import { FlowhoundError } from '../errors.js';
import { flowsCommand } from '../sinks/ranking-table.js';
import type { HistoryBackend } from '../history/backend.js';
import type { AddressMode, HistorySelection, RunStatus, StoredRun } from '../history/store.js';

export interface ReportRun {
  id: number;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Null when the options are encrypted and the passphrase was not given. */
  options: Record<string, unknown> | null;
  versions: RunInfo['versions'];
  models: RunInfo['models'];
  inputs: RunInfo['inputs'];
  /** Windows the run holds (in all the history, not only the selection). */
  windows: number;
  /** The run's "now": its last window in the selection; null when the selection holds none of it. */
  nowWindowStartUs: number | null;
}

/** A host of the report: the history keeps its reasons as sentences (with their peers), not the evidence objects. */
export interface ReportHost extends Omit<HostRanking, 'evidence' | 'peakResemblance'> {
  /** Botnet group (BotnetGroup.id), or null when never suspicious or ungrouped. */
  group: number | null;
  /** Per input, the command that shows its flows there (with the --utc-offset its run used). */
  flowsCommands: string[];
}

export interface RunComparison {
  earlierRunId: number;
  laterRunId: number;
  /** Hosts at or above the threshold in some window of each run. */
  suspicious: CommonHosts;
  /** Hosts scored at all in each run. */
  scored: CommonHosts;
  earlierGroups: BotnetGroup[];
  laterGroups: BotnetGroup[];
  /** For each group of the later run, the earlier group it resembles most. */
  resemblances: GroupResemblance[];
}

export interface HistoryReport extends Omit<AnalysisResult, 'run' | 'hosts'> {
  format: 'flowhound-report';
  generatedAt: string;
  database: string;
  /** plain: stored in clear; decrypted: with the passphrase; hmac: encrypted, shown as HMAC prefixes. */
  addresses: AddressMode;
  selection: { runIds: number[] | null; fromUs: number | null; toUs: number | null };
  runs: ReportRun[];
  /** Every threshold used by the windows covered (`threshold` is the most used). */
  thresholds: number[];
  hosts: ReportHost[];
  grouping: { suspiciousHosts: number; silhouette: number | null; silhouettes: { k: number; silhouette: number }[] };
  comparison: RunComparison | null;
}

/** The report and the hosts × windows score matrix the HTML draws (255 = no row, else round(score × 254)). */
export interface AssembledReport {
  report: HistoryReport;
  heat: Uint8Array;
}

export interface AssembleOptions {
  selection: HistorySelection;
  /** Two run ids to compare (the report then covers these two runs). */
  compare?: readonly [number, number] | null;
  groupingSeed?: number;
  generatedAt?: string;
}

const ABSENT = 255;

function reportRun(run: StoredRun): ReportRun {
  return {
    id: run.id,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    options: run.optionsSealed ? null : run.options,
    versions: run.versions,
    models: run.models,
    inputs: run.inputs,
    windows: run.windows,
    nowWindowStartUs: null,
  };
}

interface HostAccumulator {
  hostId: number;
  scores: Float32Array;
  peakScore: number;
  peakColumn: number;
  peakWindowId: number;
  flows: number;
  botnetFlows: number;
  suspiciousBeforeLast: boolean;
  suspiciousAtLast: boolean;
  /** Its highest score in a run's last window (its score "now"); 0 when in none. */
  nowScore: number;
  /** The first and last column in which it reached the threshold; -1 when never. */
  firstSuspiciousColumn: number;
  lastSuspiciousColumn: number;
  inputs: Set<string>;
}

/** Mean behaviour of each host over its alerts, keyed by host key (what compares across runs). */
async function behavioursByKey(store: HistoryBackend, selection: HistorySelection, keyOf: (hostId: number) => string): Promise<HostBehaviour[]> {
  const sums = new Map<string, { sum: number[]; count: number }>();
  for (const alert of await store.alerts(selection)) {
    if (!alert.behaviour || alert.behaviour.length === 0) continue;
    const key = keyOf(alert.hostId);
    const entry = sums.get(key);
    if (!entry) sums.set(key, { sum: [...alert.behaviour], count: 1 });
    else if (entry.sum.length === alert.behaviour.length) {
      for (let j = 0; j < entry.sum.length; j++) entry.sum[j]! += alert.behaviour[j]!;
      entry.count++;
    }
  }
  return [...sums].map(([host, { sum, count }]) => ({ host, behaviour: sum.map((v) => v / count) }));
}

export async function assembleReport(store: HistoryBackend, options: AssembleOptions): Promise<AssembledReport> {
  const compare = options.compare ?? null;
  const selection: HistorySelection = compare ? { ...options.selection, runIds: [...compare] } : options.selection;
  const runIds = selection.runIds && selection.runIds.length > 0 ? [...new Set(selection.runIds)] : null;
  // Validates the ids (ERR_HISTORY_UNKNOWN_RUN) before anything else.
  const allRuns = await store.runs(runIds);
  const windows = await store.windows({ ...selection, runIds });
  const coveredRunIds = new Set(windows.flatMap((w) => w.runIds));
  const runs = allRuns.filter((run) => runIds !== null || coveredRunIds.has(run.id)).map(reportRun);

  const windowStartsUs = [...new Set(windows.map((w) => w.windowStartUs))].sort((a, b) => a - b);
  const columnOfStart = new Map(windowStartsUs.map((start, column) => [start, column]));
  // Windows overlap, so a flow is in several: run totals count the windows that tile time
  // (starting at a multiple of the window length), where each flow is once, as analyze does.
  // "Now" is each run's own last window (of those selected): two runs of unrelated captures
  // each have theirs, and a host is suspicious now when it is in the last window of a run.
  const lastStartOfRun = new Map<number, number>();
  for (const w of windows) {
    for (const run of w.runIds) {
      if (runIds !== null && !runIds.includes(run)) continue;
      lastStartOfRun.set(run, Math.max(lastStartOfRun.get(run) ?? -Infinity, w.windowStartUs));
    }
  }
  const isNow = (w: (typeof windows)[number]) => w.runIds.some((run) => lastStartOfRun.get(run) === w.windowStartUs);
  const windowInfo = new Map(
    windows.map((w) => [w.id, { column: columnOfStart.get(w.windowStartUs)!, threshold: w.threshold, tiles: w.windowStartUs % w.windowUs === 0, input: w.inputPath, now: isNow(w) }]),
  );
  for (const run of runs) run.nowWindowStartUs = lastStartOfRun.get(run.id) ?? null;
  const columns = windowStartsUs.length;
  const last = columns - 1;

  const thresholdUses = new Map<number, number>();
  for (const w of windows) thresholdUses.set(w.threshold, (thresholdUses.get(w.threshold) ?? 0) + 1);
  const thresholds = [...thresholdUses.keys()].sort((a, b) => a - b);
  const threshold = [...thresholdUses].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 0.5;

  const summaries = windowStartsUs.map((windowStartUs) => ({
    windowStartUs,
    hosts: 0,
    maxScore: 0,
    suspiciousHosts: 0,
    flowsEvictedEarly: 0,
    flowRowsDropped: 0,
    packetsDroppedKernel: 0,
    packetsDroppedInterface: 0,
  }));
  for (const w of windows) {
    const summary = summaries[columnOfStart.get(w.windowStartUs)!]!;
    summary.flowsEvictedEarly += w.flowsEvictedEarly;
    summary.flowRowsDropped += w.flowRowsDropped;
    summary.packetsDroppedKernel += w.packetsDroppedKernel;
    summary.packetsDroppedInterface += w.packetsDroppedInterface;
  }
  const hostsSeenInColumn = new Map<number, Set<number>>();
  const suspiciousInColumn = new Map<number, Set<number>>();
  const hosts = new Map<number, HostAccumulator>();
  for await (const row of store.hostScores({ ...selection, runIds })) {
    const info = windowInfo.get(row.windowId);
    if (!info) continue;
    let host = hosts.get(row.hostId);
    if (!host) {
      host = {
        hostId: row.hostId,
        scores: new Float32Array(columns).fill(-1),
        peakScore: -1,
        peakColumn: 0,
        peakWindowId: row.windowId,
        flows: 0,
        botnetFlows: 0,
        suspiciousBeforeLast: false,
        suspiciousAtLast: false,
        nowScore: 0,
        firstSuspiciousColumn: -1,
        lastSuspiciousColumn: -1,
        inputs: new Set(),
      };
      hosts.set(row.hostId, host);
    }
    // Two inputs can hold the same window start (two captures of the same time): the higher score counts.
    host.scores[info.column] = Math.max(host.scores[info.column]!, row.score);
    if (row.score > host.peakScore || (row.score === host.peakScore && info.column < host.peakColumn)) {
      host.peakScore = row.score;
      host.peakColumn = info.column;
      host.peakWindowId = row.windowId;
    }
    if (info.tiles) {
      host.flows += row.flows;
      host.botnetFlows += row.botnetFlows;
    }
    host.inputs.add(info.input);
    const suspicious = row.score >= info.threshold;
    if (suspicious) {
      if (host.firstSuspiciousColumn < 0 || info.column < host.firstSuspiciousColumn) host.firstSuspiciousColumn = info.column;
      host.lastSuspiciousColumn = Math.max(host.lastSuspiciousColumn, info.column);
      if (info.now) host.suspiciousAtLast = true;
      else host.suspiciousBeforeLast = true;
    }
    if (info.now) host.nowScore = Math.max(host.nowScore, row.score);
    const summary = summaries[info.column]!;
    summary.maxScore = Math.max(summary.maxScore, row.score);
    let seen = hostsSeenInColumn.get(info.column);
    if (!seen) hostsSeenInColumn.set(info.column, (seen = new Set()));
    seen.add(row.hostId);
    if (suspicious) {
      let flagged = suspiciousInColumn.get(info.column);
      if (!flagged) suspiciousInColumn.set(info.column, (flagged = new Set()));
      flagged.add(row.hostId);
    }
  }
  summaries.forEach((summary, column) => {
    summary.hosts = hostsSeenInColumn.get(column)?.size ?? 0;
    summary.suspiciousHosts = suspiciousInColumn.get(column)?.size ?? 0;
  });

  // Each input's --utc-offset, as its latest run recorded it (for the command that shows a host's flows).
  const offsetOfInput = new Map<string, number>();
  for (const run of runs) {
    const offset = run.options?.utc_offset_minutes;
    for (const input of run.inputs) offsetOfInput.set(input.path, typeof offset === 'number' ? offset : 0);
  }

  const labels = await store.hostLabels(hosts.keys());
  const labelOf = (hostId: number) => labels.get(hostId)?.label ?? `host#${hostId}`;
  const keyOf = (hostId: number) => labels.get(hostId)?.key ?? `host#${hostId}`;
  const labelOfKey = new Map([...labels.values()].map((l) => [l.key, l.label]));

  // Groups over the hosts suspicious in the selection, keyed by host key, shown by label.
  const grouping = groupHostsDetailed(await behavioursByKey(store, { ...selection, runIds }, keyOf), { seed: options.groupingSeed ?? 1 });
  const groupOfKey = new Map<string, number>();
  const groups = grouping.groups.map((group) => {
    for (const key of group.hosts) groupOfKey.set(key, group.id);
    return { ...group, hosts: group.hosts.map((key) => labelOfKey.get(key) ?? key) };
  });

  // The order analyze ranks in.
  const nowScore = (host: HostAccumulator) => host.nowScore;
  const facts = (host: HostAccumulator) => ({ host: labelOf(host.hostId), score: nowScore(host), peakScore: host.peakScore, suspiciousNow: host.suspiciousAtLast });
  const ordered = [...hosts.values()].sort((a, b) => rankingOrder(facts(a), facts(b)));
  const heat = new Uint8Array(ordered.length * columns);
  const reasons = await Promise.all(ordered.map((host) => store.reasonsOf(host.peakWindowId, host.hostId)));
  const rankings = ordered.map((host, index): ReportHost => {
    const scores = Array.from(host.scores, (s) => Math.max(0, s));
    for (let column = 0; column < columns; column++) {
      const score = host.scores[column]!;
      heat[index * columns + column] = score < 0 ? ABSENT : Math.round(Math.min(1, score) * 254);
    }
    return {
      host: labelOf(host.hostId),
      rank: index + 1,
      score: nowScore(host),
      peakScore: host.peakScore,
      peakWindowStartUs: windowStartsUs[host.peakColumn]!,
      flows: host.flows,
      botnetFlows: host.botnetFlows,
      reasons: reasons[index]!,
      scores,
      suspiciousNow: host.suspiciousAtLast,
      suspiciousBefore: host.suspiciousBeforeLast && !host.suspiciousAtLast,
      group: groupOfKey.get(keyOf(host.hostId)) ?? null,
      firstSuspiciousWindowStartUs: host.firstSuspiciousColumn < 0 ? null : windowStartsUs[host.firstSuspiciousColumn]!,
      lastSuspiciousWindowStartUs: host.lastSuspiciousColumn < 0 ? null : windowStartsUs[host.lastSuspiciousColumn]!,
      inputs: [...host.inputs],
      flowsCommands: [...host.inputs].map((input) => flowsCommand(input, labelOf(host.hostId), offsetOfInput.get(input) ?? 0)),
    };
  });

  let comparison: RunComparison | null = null;
  if (compare) comparison = await compareRuns(store, compare, options.groupingSeed ?? 1, allRuns);

  const report: HistoryReport = {
    format: 'flowhound-report',
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    database: store.path,
    addresses: store.addressMode,
    selection: { runIds, fromUs: selection.fromUs ?? null, toUs: selection.toUs ?? null },
    runs,
    threshold,
    thresholds,
    windowStartsUs,
    nowWindowStartUs: last >= 0 ? windowStartsUs[last]! : null,
    hosts: rankings,
    windows: summaries,
    groups,
    grouping: { suspiciousHosts: grouping.groups.reduce((n, g) => n + g.hosts.length, 0), silhouette: grouping.silhouette, silhouettes: grouping.silhouettes },
    comparison,
  };
  return { report, heat };
}

/**
 * BotHound's analytics for two runs: shared suspicious (and scored) hosts, each run's groups,
 * and for each group of the later run the earlier group it resembles most. Runs are compared
 * whole (the time selection does not apply); the earlier is the one that started first.
 */
export async function compareRuns(store: HistoryBackend, pair: readonly [number, number], seed = 1, knownRuns?: StoredRun[]): Promise<RunComparison> {
  if (pair[0] === pair[1]) throw new FlowhoundError('ERR_USAGE', `--compare needs two different runs, got ${pair[0]} twice`);
  const runs = (knownRuns ?? (await store.runs(pair))).filter((run) => pair.includes(run.id));
  if (runs.length !== 2) await store.runs(pair); // throws ERR_HISTORY_UNKNOWN_RUN naming the missing one
  const [earlier, later] = [...runs].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id - b.id));
  const side = async (runId: number) => {
    const selection = { runIds: [runId] };
    const scoredIds = new Set<number>();
    for await (const row of store.hostScores(selection)) scoredIds.add(row.hostId);
    const alerts = await store.alerts(selection);
    const labels = await store.hostLabels(scoredIds);
    const keyOf = (hostId: number) => labels.get(hostId)?.key ?? `host#${hostId}`;
    return {
      scored: [...scoredIds].map(keyOf),
      suspicious: [...new Set(alerts.map((a) => keyOf(a.hostId)))],
      behaviours: await behavioursByKey(store, selection, keyOf),
      labels: new Map([...labels.values()].map((l) => [l.key, l.label])),
    };
  };
  const a = await side(earlier!.id);
  const b = await side(later!.id);
  const labelOf = (key: string) => a.labels.get(key) ?? b.labels.get(key) ?? key;
  const earlierGroups = groupHostsDetailed(a.behaviours, { seed }).groups;
  const laterGroups = groupHostsDetailed(b.behaviours, { seed }).groups;
  const pooled = [...a.behaviours, ...b.behaviours].map((h) => h.behaviour);
  const width = earlierGroups[0]?.centroid.length ?? laterGroups[0]?.centroid.length ?? 0;
  const scale = FeatureScale.fit(pooled.filter((v) => v.length === width));
  const relabelGroups = (groups: BotnetGroup[]) => groups.map((g) => ({ ...g, hosts: g.hosts.map(labelOf) }));
  const relabelCommon = (common: CommonHosts): CommonHosts => ({ ...common, hosts: common.hosts.map(labelOf).sort() });
  return {
    earlierRunId: earlier!.id,
    laterRunId: later!.id,
    suspicious: relabelCommon(commonHosts(a.suspicious, b.suspicious)),
    scored: relabelCommon(commonHosts(a.scored, b.scored)),
    earlierGroups: relabelGroups(earlierGroups),
    laterGroups: relabelGroups(laterGroups),
    resemblances: resemblances(earlierGroups, laterGroups, scale).map((r) => ({ ...r, common: r.common ? relabelCommon(r.common) : null })),
  };
}
