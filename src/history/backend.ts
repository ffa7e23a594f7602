// The history as both of its engines serve it: the embedded SQLite file (sqlite-history.ts,
// over the synchronous HistoryStore) and a shared PostgreSQL database (postgres-store.ts).
// Callers that work with either (analyze, live, serve, report) hold a HistoryBackend; which one
// they get is decided by the --db value alone (open-history.ts).
import type { RunInfo, WindowResult } from '../analysis/types.js';
import type { InputIdentity } from './paths.js';
import type {
  AddressMode,
  HistoryCounts,
  HistorySelection,
  HostLabel,
  StoredAlert,
  StoredHostScore,
  StoredRun,
  StoredWindow,
  WindowCommit,
} from './store.js';

export type HistoryEngine = 'sqlite' | 'postgres';

export interface HistoryBackend {
  readonly engine: HistoryEngine;
  /** Where the history is, for messages and reports: the file, or the URL without its password. */
  readonly path: string;
  readonly mode: 'read' | 'write';
  /** Whether the history keeps addresses, reasons and options encrypted. */
  readonly encrypted: boolean;
  readonly addressMode: AddressMode;

  /** Records a run and its inputs; returns its id. The run stays `unfinished` until finishRun. */
  beginRun(run: RunInfo, options?: { analysisKey?: string }): Promise<number>;
  /** Adds an input to a run (beginRun adds RunInfo.inputs already); returns the input's id. */
  addInput(runId: number, input: InputIdentity): Promise<number>;
  /**
   * Writes a closed window in one transaction: its host scores, and an alert for every host at
   * or above `threshold`. Idempotent: a window is keyed by (input, window start, analysis key)
   * under a unique constraint, so writing the same window again (a redelivered message, a
   * re-analysis) replaces its rows and leaves one window; `replaced` is false when it was new.
   */
  commitWindow(runId: number, window: WindowResult, threshold: number): Promise<WindowCommit>;
  /** Forgets the windows that started before `cutoffUs`; returns how many. */
  pruneWindowsBefore(cutoffUs: number): Promise<number>;
  /** Records the end of a run: finished, or interrupted. */
  finishRun(runId: number, options: { interrupted: boolean; finishedAt?: string }): Promise<void>;

  /** Runs, oldest first; only `ids` when given (ERR_HISTORY_UNKNOWN_RUN for one not there). */
  runs(ids?: readonly number[] | null): Promise<StoredRun[]>;
  /** The windows of a selection, in time order. */
  windows(selection?: HistorySelection): Promise<StoredWindow[]>;
  /** Every host score in the selected windows, in window order (no reasons: see reasonsOf). */
  hostScores(selection?: HistorySelection): AsyncIterable<StoredHostScore>;
  /** The reasons of a host in a window ([] when none, or when encrypted without the passphrase). */
  reasonsOf(windowId: number, hostId: number): Promise<string[]>;
  /** Alerts of the selected windows, with behaviour vectors. */
  alerts(selection?: HistorySelection): Promise<StoredAlert[]>;
  /** Labels of hosts: addresses when the store can show them, else `hmac:` prefixes. */
  hostLabels(hostIds: Iterable<number>): Promise<Map<number, HostLabel>>;
  counts(): Promise<HistoryCounts>;
  close(): Promise<void>;
}
