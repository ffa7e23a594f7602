// Where the scorers of `flowhound serve` record windows: exactly once in effect, keyed by
// sensor, input and window start. This is the one place serve touches the history, so that
// another backend (PostgreSQL, issue 19 item 3) replaces it behind the same interface.
//
// In the SQLite history a sensor's input is an input of its own: its identity is the SHA-256
// of the sensor's name and the input's identity, so that the store's unique key (input,
// window start, analysis key) is (sensor, input, window start) for a given way of scoring.
// Each scorer records, per sensor and way of reading, a run of its own, begun at the first
// window it scores and finished when it stops (a scorer killed leaves it unfinished).
import { createHash } from 'node:crypto';

import type { RunInfo, WindowResult } from '../analysis/types.js';
import { HistoryStore } from '../history/store.js';
import type { WindowHeader } from './window-message.js';

/** What every run of a scorer shares: its models, versions and threshold. */
export interface ScorerRunBase {
  versions: RunInfo['versions'];
  models: RunInfo['models'];
  /** --model paths as given. */
  modelPaths: string[];
  threshold: number;
}

export interface WindowHistory {
  /** Records the window unless it is recorded already; true when this call wrote it. */
  commitOnce(header: WindowHeader, result: WindowResult): boolean;
  /** Records the end of this scorer's runs, and closes. */
  close(end: { interrupted: boolean }): void;
  /** Where it is, for messages. */
  readonly location: string;
}

/** The input path a sensor's input is recorded under. */
export function sensorInputPath(header: Pick<WindowHeader, 'sensor' | 'input'>): string {
  return `${header.sensor}:${header.input}`;
}

export class SqliteWindowHistory implements WindowHistory {
  readonly location: string;
  readonly #store: HistoryStore;
  readonly #base: ScorerRunBase;
  /** Run id by sensor and reading; input paths added to each. */
  readonly #runs = new Map<string, { runId: number; inputs: Set<string> }>();

  private constructor(path: string, store: HistoryStore, base: ScorerRunBase) {
    this.location = path;
    this.#store = store;
    this.#base = base;
  }

  static open(path: string, base: ScorerRunBase, passphrase: string | null): SqliteWindowHistory {
    return new SqliteWindowHistory(path, HistoryStore.open(path, { passphrase }), base);
  }

  #runOf(header: WindowHeader): number {
    const key = `${header.sensor}\n${JSON.stringify(header.reading)}`;
    let run = this.#runs.get(key);
    if (run === undefined) {
      const info: RunInfo = {
        options: { inputs: [], ...header.reading, threshold: this.#base.threshold, minFlows: 1, ranges: [], models: this.#base.modelPaths },
        versions: this.#base.versions,
        models: this.#base.models,
        inputs: [],
        startedAt: new Date().toISOString(),
        interrupted: false,
      };
      run = { runId: this.#store.beginRun(info), inputs: new Set() };
      this.#runs.set(key, run);
    }
    const path = sensorInputPath(header);
    if (!run.inputs.has(path)) {
      const sha256 = createHash('sha256').update(`flowhound sensor input\n${header.sensor}\n${header.inputSha256}`).digest('hex');
      this.#store.addInput(run.runId, { path, sizeBytes: header.inputSizeBytes, sha256 });
      run.inputs.add(path);
    }
    return run.runId;
  }

  commitOnce(header: WindowHeader, result: WindowResult): boolean {
    const runId = this.#runOf(header);
    return this.#store.commitWindowIfAbsent(runId, { ...result, input: sensorInputPath(header) }, this.#base.threshold) !== null;
  }

  close(end: { interrupted: boolean }): void {
    try {
      for (const { runId } of this.#runs.values()) this.#store.finishRun(runId, { interrupted: end.interrupted });
    } finally {
      this.#store.close();
    }
  }
}
