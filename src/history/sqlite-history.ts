// The SQLite history behind the HistoryBackend interface: the synchronous HistoryStore, its
// results handed back as settled promises. SQLite's calls block for the length of one
// transaction, which is what the store was built around (a window per transaction).
import type { RunInfo, WindowResult } from '../analysis/types.js';
import type { HistoryBackend } from './backend.js';
import type { InputIdentity } from './paths.js';
import { HistoryStore, type HistoryOpenOptions, type HistorySelection, type StoredHostScore } from './store.js';

export class SqliteHistory implements HistoryBackend {
  readonly engine = 'sqlite' as const;
  readonly store: HistoryStore;

  constructor(store: HistoryStore) {
    this.store = store;
  }

  static open(path: string, options: HistoryOpenOptions = {}): SqliteHistory {
    return new SqliteHistory(HistoryStore.open(path, options));
  }

  get path() {
    return this.store.path;
  }
  get mode() {
    return this.store.mode;
  }
  get encrypted() {
    return this.store.encrypted;
  }
  get addressMode() {
    return this.store.addressMode;
  }

  beginRun(run: RunInfo, options?: { analysisKey?: string }) {
    return settle(() => this.store.beginRun(run, options));
  }
  addInput(runId: number, input: InputIdentity) {
    return settle(() => this.store.addInput(runId, input));
  }
  commitWindow(runId: number, window: WindowResult, threshold: number) {
    return settle(() => this.store.commitWindow(runId, window, threshold));
  }
  pruneWindowsBefore(cutoffUs: number) {
    return settle(() => this.store.pruneWindowsBefore(cutoffUs));
  }
  finishRun(runId: number, options: { interrupted: boolean; finishedAt?: string }) {
    return settle(() => this.store.finishRun(runId, options));
  }
  runs(ids?: readonly number[] | null) {
    return settle(() => this.store.runs(ids));
  }
  windows(selection?: HistorySelection) {
    return settle(() => this.store.windows(selection));
  }
  hostScores(selection?: HistorySelection): AsyncIterable<StoredHostScore> {
    const rows = this.store.hostScores(selection);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => settle(() => rows.next()),
        return: () => settle(() => rows.return(undefined)),
      }),
    };
  }
  reasonsOf(windowId: number, hostId: number) {
    return settle(() => this.store.reasonsOf(windowId, hostId));
  }
  alerts(selection?: HistorySelection) {
    return settle(() => this.store.alerts(selection));
  }
  hostLabels(hostIds: Iterable<number>) {
    return settle(() => this.store.hostLabels(hostIds));
  }
  counts() {
    return settle(() => this.store.counts());
  }
  close() {
    return settle(() => this.store.close());
  }
}

/** The result of a synchronous call as a promise: settled with its value, or rejected with what it threw. */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
