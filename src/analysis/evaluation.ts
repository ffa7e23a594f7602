// A run's host scores against ground truth, per (LAN host, window), the way García et al.
// (2014) compare botnet detectors and Stratosphere's BotnetDetectorsComparer scores them:
//
// - A host-window is positive when the host is `infected` there, negative when it is `normal`
//   or `unknown`; `infected_idle` host-windows (a known bot doing nothing a label or a flow of
//   its own shows) are neither, and are only counted. Predicted positive: score ≥ threshold.
// - TP, FP, TN, FN over every host-window; precision TP/(TP+FP), recall (TPR) TP/(TP+FN),
//   F1 2·TP/(2·TP+FP+FN) (the harmonic mean of the two), FPR FP/(FP+TN), TNR TN/(TN+FP),
//   FNR FN/(TP+FN), accuracy (TP+TN)/all, error rate (FP+FN)/all; null where the divisor is 0.
// - The comparer's time-weighted figures (its `-t weight` mode, t-TP … t-F1): window n of an
//   input (n = 1 for its first) weighs c(n) = e^(−α·n) + 1, α = 0.01 by default, so early
//   windows count up to twice as much: a detector that finds a bot early scores better.
//   Per window, tTP += TP·c(n)/P and tFN += FN·c(n)/P, where P is the window's positive
//   host-windows (TP+FN); tFP += FP/N and tTN += TN/N, where N is its negative host-windows
//   (FP+TN); a window without positives (negatives) adds nothing to those. The ratios are then
//   the same formulas on tTP, tFP, tTN, tFN. Several inputs: each numbers its own windows, and
//   the totals add their t-counts.
//
// The comparer reads labelled flows, not host scores: an IP is positive in a comparison time
// window when a flow of it there has a Botnet label, and its Background IPs are left out (its
// B1…B5 counters) while flowhound counts `unknown` hosts as negatives.

/** A LAN host's ground truth in a window (the native core's host labels). */
export type HostTruth = 'infected' | 'infected_idle' | 'normal' | 'unknown';

/** The comparer's α (its global `alpha`; its help text says 0.4, its code uses 0.01). */
export const DEFAULT_ALPHA = 0.01;

export interface TruthHost {
  host: string;
  score: number;
  truth: HostTruth;
}

/** One window of one input: every LAN host with its score and ground truth. */
export interface TruthWindow {
  inputIndex: number;
  windowStartUs: number;
  hosts: TruthHost[];
}

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface HostWindowCounts extends ConfusionCounts {
  /** `infected_idle` host-windows: left out of TP, FP, TN, FN. */
  infectedIdle: number;
  /** Those of them at or above the threshold anyway. */
  infectedIdleFlagged: number;
}

export interface Ratios {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  fpr: number | null;
  tnr: number | null;
  fnr: number | null;
  accuracy: number | null;
  errorRate: number | null;
}

export interface WindowEvaluation extends HostWindowCounts {
  windowStartUs: number;
  /** n: the window's place among its input's windows, from 1. */
  ordinal: number;
  /** c(n) = e^(−α·n) + 1. */
  weight: number;
  /** LAN hosts with a row in the window. */
  hosts: number;
}

/** An infected host in a window where it is `infected`. */
export interface ActiveWindow {
  windowStartUs: number;
  score: number;
  /** 1 + the other LAN hosts of the window scoring at or above it (ties count against it). */
  rank: number;
  flagged: boolean;
}

export interface InfectedHostEvaluation {
  host: string;
  /** Windows where it is `infected`. */
  activeWindows: number;
  rankedFirst: number;
  flagged: number;
  rankedFirstShare: number | null;
  flaggedShare: number | null;
  /** Over its active windows (the mean of the two middle ranks for an even count); null without any. */
  medianRank: number | null;
  worstRank: number | null;
  /** The first active window it was flagged in. */
  firstFlaggedUs: number | null;
  /** Windows where it is `infected_idle`, and how many of those it was flagged in. */
  idleWindows: number;
  idleFlagged: number;
  /** Its active windows in time order. */
  windows: ActiveWindow[];
}

export interface EvaluationSummary {
  windows: number;
  counts: HostWindowCounts;
  metrics: Ratios;
  timeWeighted: { counts: ConfusionCounts; metrics: Ratios };
  infectedHosts: InfectedHostEvaluation[];
}

export interface InputEvaluation extends EvaluationSummary {
  inputIndex: number;
  perWindow: WindowEvaluation[];
}

export interface EvaluationResult {
  threshold: number;
  alpha: number;
  inputs: InputEvaluation[];
  totals: EvaluationSummary;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** The ratios of a confusion matrix (integer counts or the comparer's weighted ones). */
export function ratios({ tp, fp, tn, fn }: ConfusionCounts): Ratios {
  const all = tp + fp + tn + fn;
  return {
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    fpr: ratio(fp, fp + tn),
    tnr: ratio(tn, tn + fp),
    fnr: ratio(fn, tp + fn),
    accuracy: ratio(tp + tn, all),
    errorRate: ratio(fp + fn, all),
  };
}

/** The comparer's correction of window n: e^(−α·n) + 1. */
export function timeWeight(ordinal: number, alpha: number): number {
  return Math.exp(-alpha * ordinal) + 1;
}

export function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface HostState {
  windows: ActiveWindow[];
  idleWindows: number;
  idleFlagged: number;
}

interface InputState {
  windows: WindowEvaluation[];
  weighted: ConfusionCounts;
  hosts: Map<string, HostState>;
}

const zeroCounts = (): HostWindowCounts => ({ tp: 0, fp: 0, tn: 0, fn: 0, infectedIdle: 0, infectedIdleFlagged: 0 });

function addConfusion(sum: ConfusionCounts, more: ConfusionCounts): void {
  sum.tp += more.tp;
  sum.fp += more.fp;
  sum.tn += more.tn;
  sum.fn += more.fn;
}

function addHostWindows(sum: HostWindowCounts, more: HostWindowCounts): void {
  addConfusion(sum, more);
  sum.infectedIdle += more.infectedIdle;
  sum.infectedIdleFlagged += more.infectedIdleFlagged;
}

/** Collects windows as they are scored (each input's in order) and sums them up. */
export class Evaluation {
  readonly threshold: number;
  readonly alpha: number;
  readonly #inputs: InputState[] = [];

  constructor(options: { threshold: number; alpha?: number; inputs: number }) {
    this.threshold = options.threshold;
    this.alpha = options.alpha ?? DEFAULT_ALPHA;
    for (let i = 0; i < options.inputs; i++) this.#inputs.push({ windows: [], weighted: { tp: 0, fp: 0, tn: 0, fn: 0 }, hosts: new Map() });
  }

  /** The next window of its input. */
  add(window: TruthWindow): void {
    const input = this.#inputs[window.inputIndex];
    if (input === undefined) throw new RangeError(`no input ${window.inputIndex}`);
    const counts = zeroCounts();
    for (const { host, score, truth } of window.hosts) {
      const flagged = score >= this.threshold;
      if (truth === 'infected') {
        if (flagged) counts.tp++;
        else counts.fn++;
        const rank = window.hosts.reduce((above, other) => above + (other.score >= score ? 1 : 0), 0);
        this.#host(input, host).windows.push({ windowStartUs: window.windowStartUs, score, rank, flagged });
      } else if (truth === 'infected_idle') {
        counts.infectedIdle++;
        if (flagged) counts.infectedIdleFlagged++;
        const state = this.#host(input, host);
        state.idleWindows++;
        if (flagged) state.idleFlagged++;
      } else if (flagged) {
        counts.fp++;
      } else {
        counts.tn++;
      }
    }
    const ordinal = input.windows.length + 1;
    const weight = timeWeight(ordinal, this.alpha);
    const positives = counts.tp + counts.fn;
    const negatives = counts.fp + counts.tn;
    if (positives > 0) {
      input.weighted.tp += (counts.tp * weight) / positives;
      input.weighted.fn += (counts.fn * weight) / positives;
    }
    if (negatives > 0) {
      input.weighted.fp += counts.fp / negatives;
      input.weighted.tn += counts.tn / negatives;
    }
    input.windows.push({ windowStartUs: window.windowStartUs, ordinal, weight, hosts: window.hosts.length, ...counts });
  }

  #host(input: InputState, host: string): HostState {
    let state = input.hosts.get(host);
    if (state === undefined) {
      state = { windows: [], idleWindows: 0, idleFlagged: 0 };
      input.hosts.set(host, state);
    }
    return state;
  }

  result(): EvaluationResult {
    const inputs = this.#inputs.map((input, inputIndex): InputEvaluation => {
      const counts = zeroCounts();
      for (const window of input.windows) addHostWindows(counts, window);
      return {
        inputIndex,
        ...summary(input.windows.length, counts, input.weighted, input.hosts),
        perWindow: input.windows,
      };
    });
    const counts = zeroCounts();
    const weighted: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
    const hosts = new Map<string, HostState>();
    for (const [i, input] of inputs.entries()) {
      addHostWindows(counts, input.counts);
      addConfusion(weighted, this.#inputs[i]!.weighted);
      for (const [host, state] of this.#inputs[i]!.hosts) {
        const merged = hosts.get(host) ?? { windows: [], idleWindows: 0, idleFlagged: 0 };
        merged.windows.push(...state.windows);
        merged.idleWindows += state.idleWindows;
        merged.idleFlagged += state.idleFlagged;
        hosts.set(host, merged);
      }
    }
    const windows = inputs.reduce((sum, input) => sum + input.windows, 0);
    return { threshold: this.threshold, alpha: this.alpha, inputs, totals: summary(windows, counts, weighted, hosts) };
  }
}

function summary(windows: number, counts: HostWindowCounts, weighted: ConfusionCounts, hosts: Map<string, HostState>): EvaluationSummary {
  return {
    windows,
    counts,
    metrics: ratios(counts),
    timeWeighted: { counts: { ...weighted }, metrics: ratios(weighted) },
    infectedHosts: [...hosts].map(([host, state]) => hostSummary(host, state)).sort(byAddress),
  };
}

function hostSummary(host: string, state: HostState): InfectedHostEvaluation {
  const windows = [...state.windows].sort((a, b) => a.windowStartUs - b.windowStartUs);
  const ranks = windows.map((w) => w.rank);
  const rankedFirst = ranks.filter((rank) => rank === 1).length;
  const flagged = windows.filter((w) => w.flagged).length;
  return {
    host,
    activeWindows: windows.length,
    rankedFirst,
    flagged,
    rankedFirstShare: ratio(rankedFirst, windows.length),
    flaggedShare: ratio(flagged, windows.length),
    medianRank: medianOf(ranks),
    worstRank: ranks.length === 0 ? null : Math.max(...ranks),
    firstFlaggedUs: windows.find((w) => w.flagged)?.windowStartUs ?? null,
    idleWindows: state.idleWindows,
    idleFlagged: state.idleFlagged,
    windows,
  };
}

/** Addresses in numeric order, IPv4 before IPv6. */
function byAddress(a: { host: string }, b: { host: string }): number {
  const key = (host: string) => (host.includes(':') ? `6${host}` : `4${host.split('.').map((part) => part.padStart(3, '0')).join('.')}`);
  return key(a.host) < key(b.host) ? -1 : key(a.host) > key(b.host) ? 1 : 0;
}
