// The history as a listener of a scoring session: the run is begun when the recorder opens,
// every finished window is committed in a transaction of its own, and the run's end is
// recorded when the session ends: finished, or interrupted (Ctrl-C, or a failure part way,
// since what is stored was complete before it). Either engine (open-history.ts): the session
// waits for each commit before it hands on the next window.
import type { ScoredWindow, SessionEnd, WindowListener } from '../analysis/session.js';
import type { RunInfo } from '../analysis/types.js';
import type { HistoryBackend } from './backend.js';
import { openHistory } from './open-history.js';

export interface HistoryRecorderOptions {
  /** With a passphrase, addresses, reasons and options are stored encrypted. */
  passphrase: string | null;
  /** The host threshold: hosts at or above it get an alert. */
  threshold: number;
}

export class HistoryRecorder implements WindowListener {
  /** The file, or the PostgreSQL URL without its password. */
  readonly path: string;
  readonly runId: number;
  readonly #store: HistoryBackend;
  readonly #threshold: number;

  private constructor(store: HistoryBackend, runId: number, threshold: number) {
    this.path = store.path;
    this.#store = store;
    this.runId = runId;
    this.#threshold = threshold;
  }

  /** Opens (or creates) the history at `location` (a file, or a postgres:// URL) and begins `run` in it. */
  static async open(location: string, run: RunInfo, options: HistoryRecorderOptions): Promise<HistoryRecorder> {
    const store = await openHistory(location, { passphrase: options.passphrase });
    try {
      return new HistoryRecorder(store, await store.beginRun(run), options.threshold);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async onWindow({ result }: ScoredWindow): Promise<void> {
    await this.#store.commitWindow(this.runId, result, this.#threshold);
  }

  async onFinish(end: SessionEnd): Promise<void> {
    try {
      await this.#store.finishRun(this.runId, { interrupted: end.interrupted || end.failed, finishedAt: end.finishedAt });
    } finally {
      await this.close();
    }
  }

  /** Forgets the windows that started before `cutoffUs` (live --retain-days); returns how many. */
  prune(cutoffUs: number): Promise<number> {
    return this.#store.pruneWindowsBefore(cutoffUs);
  }

  /** Closes the history (onFinish does; a command that fails before the session runs calls this). */
  close(): Promise<void> {
    return this.#store.close();
  }
}
