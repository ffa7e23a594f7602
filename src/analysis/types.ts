// What `flowhound analyze` produces: host scores per window, and the ranking over the run.
// The sinks (terminal, JSON, CSV, Arrow, SQLite history) and `flowhound report` read these.

import type { EvidenceFinding } from './reasons.js';

/** One LAN host in one window, scored by the host models. */
export interface HostWindowScore {
  host: string;
  /** Start of the window, µs since the epoch (the window is [start, start + windowSeconds)). */
  windowStartUs: number;
  /** The anomaly model's probability that the host is infected in this window. */
  score: number;
  /** Its anomaly: the largest tail score of its evidence (4: one clean host-window in ten thousand does as much). */
  anomaly: number;
  /** The host forest's probability: how much it resembles the families the forest was trained on. */
  resemblance: number;
  /** The host's flows in the window (initiated and received). */
  flows: number;
  /** Its flows the flow model scored at or above the flow threshold. */
  botnetFlows: number;
  /** Why the score is what it is, in words a person reads, most important first. */
  reasons: string[];
  /** The evidence behind the reasons: values, rarity, peers. */
  evidence: EvidenceFinding[];
  /** The host model's input vector (schema host features, then score aggregates), for grouping. */
  behaviour: number[];
}

/** One closed window of one input. */
export interface WindowResult {
  input: string;
  windowStartUs: number;
  /** Every LAN host with a row in the window, any score. */
  hosts: HostWindowScore[];
  /**
   * Flows of the window emitted before their time under the memory budget (--memcap, or
   * --max-active-flows): each still scored, cut at its last packet before. Absent: none
   * (results made before the budget existed).
   */
  flowsEvictedEarly?: number;
  /** Flows of the window whose rows the memory budget left out: in their hosts' rows, not scored. */
  flowRowsDropped?: number;
  /** A live capture's window: what the kernel counted while it was open, and whether the capture stopped in it. Absent for files. */
  capture?: WindowCapture;
}

/** What a live capture's kernel counted while a window was open (`pcap_stats`). */
export interface WindowCapture {
  /** Packets the filter passed. */
  kernelReceived: number;
  /** Dropped for want of room in the kernel's ring (ps_drop): flowhound did not read fast enough. */
  kernelDropped: number;
  /** Dropped by the interface or its driver (ps_ifdrop). */
  interfaceDropped: number;
  /** The capture stopped before the window ended: it holds less than a window's time. */
  partial: boolean;
}

/** A host over the whole run. */
export interface HostRanking {
  host: string;
  /** 1 = most suspicious now. */
  rank: number;
  /** Score in the window the ranking is "now" for (the last window, or the one asked for); 0 if absent then. */
  score: number;
  peakScore: number;
  peakWindowStartUs: number;
  flows: number;
  botnetFlows: number;
  /** Reasons of the peak window. */
  reasons: string[];
  /** The evidence behind them: values, rarity among clean hosts, peers. */
  evidence: EvidenceFinding[];
  /** The host forest's resemblance to known families in the peak window. */
  peakResemblance: number;
  /** Score per window of the run, in window order (0 where the host had no row), for sparklines and plots. */
  scores: number[];
  /** Above the threshold in the "now" window (botd's red). */
  suspiciousNow: boolean;
  /** Above the threshold in some earlier window but not now (botd's yellow). */
  suspiciousBefore: boolean;
  /** The first and last window in which it was at or above the threshold, µs; null when never. */
  firstSuspiciousWindowStartUs: number | null;
  lastSuspiciousWindowStartUs: number | null;
  /** The inputs whose windows hold it, as given on the command line. */
  inputs: string[];
}

/** Candidate botnet: suspicious hosts that behave alike (k-means over behaviour vectors). */
export interface BotnetGroup {
  id: number;
  hosts: string[];
  /** Mean behaviour vector of the group. */
  centroid: number[];
}

/**
 * The options a run scored with: as given, and where not given, as its readers report they
 * ran (the core's defaults filled in). What decides the scores is here, typed.
 */
export interface RunOptions {
  inputs: string[];
  /** LAN ranges whose hosts get rows. */
  lan: string[];
  windowSeconds: number;
  stepSeconds: number;
  /** Flow files: their local time, minutes east of UTC. */
  utcOffsetMinutes: number;
  /** Host threshold. */
  threshold: number;
  minFlows: number;
  /** --ip/--range values. */
  ranges: string[];
  /** --exclude values (absent in runs made before it existed). */
  exclude?: string[];
  /** A user's own models (--model). */
  models: string[];
}

export interface RunInfo {
  options: RunOptions;
  versions: { flowhound: string; core: string; node: string; schema: number };
  models: { kind: 'flow' | 'host' | 'anomaly'; path: string; sha256: string; threshold: number }[];
  /** sha256: of the whole file, or `sample:<hex>` for large files (src/pipeline/input-fingerprint.ts). */
  inputs: { path: string; sizeBytes: number; sha256: string }[];
  startedAt: string;
  finishedAt?: string;
  /** True when the run was interrupted: what is here was finished before that. */
  interrupted: boolean;
}

export interface AnalysisResult {
  run: RunInfo;
  threshold: number;
  /** Window starts of the run, ascending (the columns of HostRanking.scores). */
  windowStartsUs: number[];
  /** The window the ranking's "now" is, µs. */
  nowWindowStartUs: number | null;
  hosts: HostRanking[];
  /** Per window: its hosts, highest score, suspicious hosts, and what the memory budget did (summed over inputs). */
  windows: { windowStartUs: number; hosts: number; maxScore: number; suspiciousHosts: number; flowsEvictedEarly: number; flowRowsDropped: number }[];
  groups: BotnetGroup[];
}
