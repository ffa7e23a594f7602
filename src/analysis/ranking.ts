// The ranking over a run: every host's score per window, "suspicious now" (the last window,
// or the one asked for) told apart from "suspicious before" (a peak in an earlier window), as
// botd's red and yellow hosts were.
import { FlowhoundError } from '../errors.js';
import type { EvidenceFinding } from './reasons.js';
import type { AnalysisResult, HostRanking, WindowResult } from './types.js';

/** A window start for a message: ISO 8601 UTC (the sinks' isoTime; analysis does not use the sinks). */
const isoTime = (us: number) => new Date(us / 1000).toISOString().replace('.000Z', 'Z');

export interface RankingOptions {
  threshold: number;
  /**
   * A time (µs) whose window is "now" (--at): the latest window that holds it; default: the
   * last window of the run. A time no window holds is ERR_AT_OUTSIDE_WINDOWS.
   */
  nowWindowStartUs?: number;
  /** Hosts with fewer flows over the run are left out (BotRecon's --min-count). */
  minFlows?: number;
  /** Only hosts this accepts are ranked (--ip/--range). */
  hostFilter?: (host: string) => boolean;
}

interface HostHistory {
  /** Score per window start, the highest over inputs when several inputs hold the window. */
  scores: Map<number, number>;
  reasons: Map<number, string[]>;
  evidence: Map<number, EvidenceFinding[]>;
  resemblance: Map<number, number>;
  flows: number;
  botnetFlows: number;
  /** The inputs its windows came from, in the order first seen. */
  inputs: Set<string>;
}

/** What decides a host's place in a ranking. */
export interface RankedFacts {
  host: string;
  /** Score in the "now" window. */
  score: number;
  peakScore: number;
  suspiciousNow: boolean;
}

/**
 * The order of every ranking flowhound shows (analyze, report): suspicious now first, by their
 * score now; then everyone else by their peak, so that a bot quiet in the last window still
 * ranks above hosts that never looked like one; ties by address.
 */
export function rankingOrder(a: RankedFacts, b: RankedFacts): number {
  const key = (facts: RankedFacts) => (facts.suspiciousNow ? 1 + facts.score : facts.peakScore);
  return key(b) - key(a) || b.peakScore - a.peakScore || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);
}

export class Ranking {
  readonly #hosts = new Map<string, HostHistory>();
  readonly #windows = new Map<number, { hosts: Set<string>; maxScore: number; suspicious: Set<string>; flowsEvictedEarly: number; flowRowsDropped: number }>();
  readonly #threshold: number;
  readonly #windowUs: number;

  /**
   * `windowUs`: the window length. Windows overlap, so a flow is in several; its counts are
   * taken from the windows that tile time (those starting at a multiple of the length), where
   * each flow, or each windowed piece of one, is exactly once.
   */
  constructor(threshold: number, windowUs: number) {
    this.#threshold = threshold;
    this.#windowUs = windowUs;
  }

  /** Adds a scored window; `input` names where it came from (default: the result's own name for it). */
  add(result: WindowResult, input: string = result.input): void {
    let window = this.#windows.get(result.windowStartUs);
    if (!window) {
      window = { hosts: new Set(), maxScore: 0, suspicious: new Set(), flowsEvictedEarly: 0, flowRowsDropped: 0 };
      this.#windows.set(result.windowStartUs, window);
    }
    window.flowsEvictedEarly += result.flowsEvictedEarly ?? 0;
    window.flowRowsDropped += result.flowRowsDropped ?? 0;
    for (const score of result.hosts) {
      let history = this.#hosts.get(score.host);
      if (!history) {
        history = { scores: new Map(), reasons: new Map(), evidence: new Map(), resemblance: new Map(), flows: 0, botnetFlows: 0, inputs: new Set() };
        this.#hosts.set(score.host, history);
      }
      history.inputs.add(input);
      const before = history.scores.get(result.windowStartUs);
      if (before === undefined || score.score > before) {
        history.scores.set(result.windowStartUs, score.score);
        history.reasons.set(result.windowStartUs, score.reasons);
        history.evidence.set(result.windowStartUs, score.evidence);
        history.resemblance.set(result.windowStartUs, score.resemblance);
      }
      if (result.windowStartUs % this.#windowUs === 0) {
        history.flows += score.flows;
        history.botnetFlows += score.botnetFlows;
      }
      window.hosts.add(score.host);
      window.maxScore = Math.max(window.maxScore, score.score);
      if (score.score >= this.#threshold) window.suspicious.add(score.host);
    }
  }

  get windowCount(): number {
    return this.#windows.size;
  }

  windowStartsUs(): number[] {
    return [...this.#windows.keys()].sort((a, b) => a - b);
  }

  windows(): AnalysisResult['windows'] {
    return this.windowStartsUs().map((start) => {
      const window = this.#windows.get(start)!;
      return {
        windowStartUs: start,
        hosts: window.hosts.size,
        maxScore: window.maxScore,
        suspiciousHosts: window.suspicious.size,
        flowsEvictedEarly: window.flowsEvictedEarly,
        flowRowsDropped: window.flowRowsDropped,
      };
    });
  }

  /**
   * The latest window that holds `timeUs` (windows overlap: a time is in two); a time no window
   * of the run holds is an error naming the windows' span.
   */
  windowHolding(timeUs: number): number {
    const starts = this.windowStartsUs();
    const holding = starts.filter((start) => start <= timeUs && timeUs < start + this.#windowUs).at(-1);
    if (holding !== undefined) return holding;
    const span = starts.length === 0 ? 'the run has no windows' : `its windows cover ${isoTime(starts[0]!)} to ${isoTime(starts.at(-1)! + this.#windowUs)}`;
    throw new FlowhoundError('ERR_AT_OUTSIDE_WINDOWS', `--at ${isoTime(timeUs)} is in no window of the run: ${span}`);
  }

  /** Hosts suspicious now first (by score now), then the others by peak score. */
  rank(options: RankingOptions): { nowWindowStartUs: number | null; hosts: HostRanking[] } {
    const starts = this.windowStartsUs();
    const now = options.nowWindowStartUs === undefined ? (starts.at(-1) ?? null) : this.windowHolding(options.nowWindowStartUs);
    const rows: Omit<HostRanking, 'rank'>[] = [];
    for (const [host, history] of this.#hosts) {
      if (history.flows < (options.minFlows ?? 0)) continue;
      if (options.hostFilter && !options.hostFilter(host)) continue;
      let peakScore = -1;
      let peakWindowStartUs = starts[0] ?? 0;
      for (const [start, score] of history.scores) {
        if (score > peakScore || (score === peakScore && start < peakWindowStartUs)) {
          peakScore = score;
          peakWindowStartUs = start;
        }
      }
      const score = now === null ? 0 : (history.scores.get(now) ?? 0);
      const earlierPeak = Math.max(0, ...[...history.scores].filter(([start]) => now === null || start < now).map(([, s]) => s));
      const suspiciousNow = score >= options.threshold;
      const suspiciousStarts = starts.filter((start) => (history.scores.get(start) ?? 0) >= options.threshold);
      rows.push({
        host,
        score,
        peakScore,
        peakWindowStartUs,
        flows: history.flows,
        botnetFlows: history.botnetFlows,
        reasons: history.reasons.get(peakWindowStartUs) ?? [],
        evidence: history.evidence.get(peakWindowStartUs) ?? [],
        peakResemblance: history.resemblance.get(peakWindowStartUs) ?? 0,
        scores: starts.map((start) => history.scores.get(start) ?? 0),
        suspiciousNow,
        suspiciousBefore: !suspiciousNow && earlierPeak >= options.threshold,
        firstSuspiciousWindowStartUs: suspiciousStarts[0] ?? null,
        lastSuspiciousWindowStartUs: suspiciousStarts.at(-1) ?? null,
        inputs: [...history.inputs],
      });
    }
    rows.sort(rankingOrder);
    return { nowWindowStartUs: now, hosts: rows.map((row, i) => ({ ...row, rank: i + 1 })) };
  }
}
