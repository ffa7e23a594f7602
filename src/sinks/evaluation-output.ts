// `flowhound evaluate`'s results as a person reads them (aligned tables) or a program does
// (JSON: snake_case keys, times in ISO 8601).
import type { ConfusionCounts, EvaluationResult, EvaluationSummary, HostWindowCounts, InfectedHostEvaluation, Ratios } from '../analysis/evaluation.js';
import type { RunInfo } from '../analysis/types.js';
import { isoTime } from './json.js';

/** What the run was, beside its figures. */
export interface EvaluationContext {
  inputs: RunInfo['inputs'];
  /** Where the threshold came from. */
  thresholdFrom: 'anomaly model card' | '--threshold';
  windowSeconds: number;
  stepSeconds: number;
  models: RunInfo['models'];
  versions: RunInfo['versions'];
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
}

function countsJson(counts: HostWindowCounts) {
  return {
    tp: counts.tp,
    fp: counts.fp,
    tn: counts.tn,
    fn: counts.fn,
    counted: counts.tp + counts.fp + counts.tn + counts.fn,
    infected_idle: counts.infectedIdle,
    infected_idle_flagged: counts.infectedIdleFlagged,
  };
}

function ratiosJson(metrics: Ratios) {
  return {
    precision: metrics.precision,
    recall: metrics.recall,
    f1: metrics.f1,
    fpr: metrics.fpr,
    tnr: metrics.tnr,
    fnr: metrics.fnr,
    accuracy: metrics.accuracy,
    error_rate: metrics.errorRate,
  };
}

function weightedJson({ counts, metrics }: { counts: ConfusionCounts; metrics: Ratios }) {
  return { tp: counts.tp, fp: counts.fp, tn: counts.tn, fn: counts.fn, ...ratiosJson(metrics) };
}

function hostJson(host: InfectedHostEvaluation, withWindows: boolean) {
  return {
    host: host.host,
    active_windows: host.activeWindows,
    ranked_first: host.rankedFirst,
    ranked_first_share: host.rankedFirstShare,
    flagged: host.flagged,
    flagged_share: host.flaggedShare,
    median_rank: host.medianRank,
    worst_rank: host.worstRank,
    first_flagged: host.firstFlaggedUs === null ? null : isoTime(host.firstFlaggedUs),
    idle_windows: host.idleWindows,
    idle_flagged: host.idleFlagged,
    ...(withWindows
      ? { active: host.windows.map((w) => ({ window_start: isoTime(w.windowStartUs), score: w.score, rank: w.rank, flagged: w.flagged })) }
      : {}),
  };
}

function summaryJson(summary: EvaluationSummary, withWindows: boolean) {
  return {
    windows: summary.windows,
    host_windows: countsJson(summary.counts),
    metrics: ratiosJson(summary.metrics),
    time_weighted: weightedJson(summary.timeWeighted),
    infected_hosts: summary.infectedHosts.map((host) => hostJson(host, withWindows)),
  };
}

export function evaluationToJson(result: EvaluationResult, context: EvaluationContext): string {
  const document = {
    threshold: result.threshold,
    threshold_from: context.thresholdFrom,
    alpha: result.alpha,
    window_s: context.windowSeconds,
    step_s: context.stepSeconds,
    totals: { inputs: result.inputs.length, ...summaryJson(result.totals, false) },
    inputs: result.inputs.map((input) => ({
      path: context.inputs[input.inputIndex]!.path,
      ...summaryJson(input, true),
      per_window: input.perWindow.map((w) => ({
        window_start: isoTime(w.windowStartUs),
        ordinal: w.ordinal,
        weight: w.weight,
        hosts: w.hosts,
        tp: w.tp,
        fp: w.fp,
        tn: w.tn,
        fn: w.fn,
        infected_idle: w.infectedIdle,
        infected_idle_flagged: w.infectedIdleFlagged,
      })),
    })),
    run: {
      inputs: context.inputs.map((input) => ({ path: input.path, size_bytes: input.sizeBytes, sha256: input.sha256 })),
      models: context.models,
      versions: context.versions,
      started_at: context.startedAt,
      finished_at: context.finishedAt,
      interrupted: context.interrupted,
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A ratio with `digits` decimals, '—' when undefined (nothing to divide by). */
function fixed(value: number | null, digits: number): string {
  return value === null ? '—' : value.toFixed(digits);
}

function percent(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)}%`;
}

/** Columns padded to their widest cell; the last is not padded. */
function align(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}

function summaryLines(summary: EvaluationSummary, alpha: number): string[] {
  const { counts, metrics, timeWeighted } = summary;
  const weighted = timeWeighted.metrics;
  const lines = [
    `host-windows   TP ${counts.tp}  FP ${counts.fp}  TN ${counts.tn}  FN ${counts.fn}  ` +
      `(infected-idle left out: ${counts.infectedIdle}, flagged anyway: ${counts.infectedIdleFlagged})`,
    `precision ${fixed(metrics.precision, 3)}  recall ${fixed(metrics.recall, 3)}  F1 ${fixed(metrics.f1, 3)}  FPR ${fixed(metrics.fpr, 4)}  ` +
      `TNR ${fixed(metrics.tnr, 4)}  accuracy ${fixed(metrics.accuracy, 4)}  error rate ${fixed(metrics.errorRate, 4)}`,
    `time-weighted (α ${alpha}): t-precision ${fixed(weighted.precision, 4)}  t-recall ${fixed(weighted.recall, 4)}  t-F1 ${fixed(weighted.f1, 4)}  ` +
      `t-FPR ${fixed(weighted.fpr, 4)}  t-TNR ${fixed(weighted.tnr, 4)}  t-accuracy ${fixed(weighted.accuracy, 4)}  t-error rate ${fixed(weighted.errorRate, 4)}`,
  ];
  if (summary.infectedHosts.length === 0) {
    lines.push('no infected host has a row in any window');
    return lines;
  }
  const rows = [['infected host', 'active windows', 'ranked 1st', 'flagged', 'median rank', 'worst rank', 'idle (flagged)', 'first flagged']];
  for (const host of summary.infectedHosts) {
    rows.push([
      host.host,
      String(host.activeWindows),
      percent(host.rankedFirstShare),
      percent(host.flaggedShare),
      host.medianRank === null ? '—' : String(host.medianRank),
      host.worstRank === null ? '—' : String(host.worstRank),
      `${host.idleWindows} (${host.idleFlagged})`,
      host.firstFlaggedUs === null ? 'never' : isoTime(host.firstFlaggedUs),
    ]);
  }
  lines.push(...align(rows));
  return lines;
}

export function renderEvaluationTable(result: EvaluationResult, context: EvaluationContext): string {
  const inputs = result.inputs.length;
  const lines = [
    `evaluate: ${inputs} input${inputs === 1 ? '' : 's'}, ${result.totals.windows} windows, threshold ${result.threshold} (${context.thresholdFrom})` +
      (context.interrupted ? ', interrupted: the windows scored before' : ''),
  ];
  if (inputs > 1) {
    for (const input of result.inputs) {
      lines.push('', `${context.inputs[input.inputIndex]!.path}: ${input.windows} windows`, ...summaryLines(input, result.alpha));
    }
    lines.push('', 'all inputs');
  }
  lines.push(...summaryLines(result.totals, result.alpha));
  return `${lines.join('\n')}\n`;
}
