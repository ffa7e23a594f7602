// The history as a listener of a scoring session: the run is begun when the recorder opens,
// every finished window is committed in a transaction of its own, and the run's end is
// recorded when the session ends: finished, or interrupted (Ctrl-C, or a failure part way,
// since what is stored was complete before it).
import type { ScoredWindow, SessionEnd, WindowListener } from '../analysis/session.js';
import type { RunInfo } from '../analysis/types.js';
import { HistoryStore } from './store.js';

export interface HistoryRecorderOptions {
  /** With a passphrase, addresses, reasons and options are stored encrypted. */
  passphrase: string | null;
  /** The host threshold: hosts at or above it get an alert. */
  threshold: number;
}

export class HistoryRecorder implements WindowListener {
  readonly path: string;
  readonly runId: number;
  readonly #store: HistoryStore;
  readonly #threshold: number;

  private constructor(path: string, store: HistoryStore, runId: number, threshold: number) {
    this.path = path;
    this.#store = store;
    this.runId = runId;
    this.#threshold = threshold;
  }

  /** Opens (or creates) the history at `path` and begins `run` in it. */
  static open(path: string, run: RunInfo, options: HistoryRecorderOptions): HistoryRecorder {
    const store = HistoryStore.open(path, { passphrase: options.passphrase });
    try {
      return new HistoryRecorder(path, store, store.beginRun(run), options.threshold);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  onWindow({ result }: ScoredWindow): void {
    this.#store.commitWindow(this.runId, result, this.#threshold);
  }

  onFinish(end: SessionEnd): void {
    try {
      this.#store.finishRun(this.runId, { interrupted: end.interrupted || end.failed, finishedAt: end.finishedAt });
    } finally {
      this.close();
    }
  }

  /** Forgets the windows that started before `cutoffUs` (live --retain-days); returns how many. */
  prune(cutoffUs: number): number {
    return this.#store.pruneWindowsBefore(cutoffUs);
  }

  /** Closes the history (onFinish does; a command that fails before the session runs calls this). */
  close(): void {
    this.#store.close();
  }
}
