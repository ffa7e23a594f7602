// Where the scorers of `flowhound serve` record windows: exactly once in effect, keyed by
// sensor, input and window start. This is the one place serve touches the history, through
// the history's engine-neutral interface (src/history/backend.ts): the SQLite file of one
// machine, or a PostgreSQL database that scorers on several machines share (--db postgres://…).
//
// A sensor's input is an input of its own: its identity is the SHA-256 of the sensor's name
// and the input's identity, so that the history's unique key (input, window start, analysis
// key) is (sensor, input, window start) for a given way of scoring, and its idempotent commit
// leaves one window however often the window comes (a redelivery after a scorer was killed
// before it acknowledged). Each scorer records, per sensor and way of reading, a run of its
// own, begun at the first window it scores and finished when it stops (a scorer killed leaves
// it unfinished).
import { createHash } from 'node:crypto';

import type { RunInfo, WindowResult } from '../analysis/types.js';
import type { HistoryBackend } from '../history/backend.js';
import { openHistory } from '../history/open-history.js';
import type { WindowHeader } from './window-message.js';

/** What every run of a scorer shares: its models, versions and threshold. */
export interface ScorerRunBase {
  versions: RunInfo['versions'];
  models: RunInfo['models'];
  /** --model paths as given. */
  modelPaths: string[];
  threshold: number;
}

/** The input path a sensor's input is recorded under. */
export function sensorInputPath(header: Pick<WindowHeader, 'sensor' | 'input'>): string {
  return `${header.sensor}:${header.input}`;
}

export class WindowHistory {
  readonly #history: HistoryBackend;
  readonly #base: ScorerRunBase;
  /** Run id by sensor and reading (its begin, while it is being begun); input paths added to each. */
  readonly #runs = new Map<string, Promise<{ runId: number; inputs: Map<string, Promise<number>> }>>();

  private constructor(history: HistoryBackend, base: ScorerRunBase) {
    this.#history = history;
    this.#base = base;
  }

  /** Opens the history --db names (a SQLite file, or postgres://…). */
  static async open(location: string, base: ScorerRunBase, passphrase: string | null): Promise<WindowHistory> {
    return new WindowHistory(await openHistory(location, { passphrase }), base);
  }

  /** Where it is, for messages (a URL without its password). */
  get location(): string {
    return this.#history.path;
  }

  async #runOf(header: WindowHeader): Promise<number> {
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
      // Windows scored at once begin one run, not one each.
      run = this.#history.beginRun(info).then((runId) => ({ runId, inputs: new Map() }));
      this.#runs.set(key, run);
    }
    const { runId, inputs } = await run;
    const path = sensorInputPath(header);
    let added = inputs.get(path);
    if (added === undefined) {
      const sha256 = createHash('sha256').update(`flowhound sensor input\n${header.sensor}\n${header.inputSha256}`).digest('hex');
      added = this.#history.addInput(runId, { path, sizeBytes: header.inputSizeBytes, sha256 });
      inputs.set(path, added);
    }
    await added;
    return runId;
  }

  /** Records the window (one transaction); true when it was new, false when it was there already (its rows are written again, the same). */
  async commitOnce(header: WindowHeader, result: WindowResult): Promise<boolean> {
    const runId = await this.#runOf(header);
    const commit = await this.#history.commitWindow(runId, { ...result, input: sensorInputPath(header) }, this.#base.threshold);
    return !commit.replaced;
  }

  /** Records the end of this scorer's runs, and closes. */
  async close(end: { interrupted: boolean }): Promise<void> {
    try {
      for (const run of this.#runs.values()) {
        const { runId } = await run.catch(() => ({ runId: null }));
        if (runId !== null) await this.#history.finishRun(runId, { interrupted: end.interrupted });
      }
    } finally {
      await this.#history.close();
    }
  }
}
