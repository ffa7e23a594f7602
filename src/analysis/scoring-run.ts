// Scoring a run's inputs window by window: what `analyze` and `evaluate` share. Every input
// opens (and fails) before any work starts; inputs are scored in parallel, and within one the
// next window is built natively while this one is scored. The caller sees each scored window
// once, its input's windows in their order.
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';

import { loadScoringModels, type ScoringModels } from '../models/scoring-models.js';
import { FeatureReader, featureSchema, type FeatureReaderOptions, type FeatureWindow } from '../pipeline/features.js';
import { ScoringPool } from '../pool/scoring-pool.js';
import { ProgressLine, type ProgressSnapshot } from '../progress.js';
import type { WindowResult } from './types.js';
import { WindowScorer, type ScoringTimes, type WindowScorerOptions } from './window-scorer.js';

export interface ScoringRunOptions {
  inputs: string[];
  /** Windows, LAN, flow-file reading; `infected` when ground truth is wanted. */
  reader: Omit<FeatureReaderOptions, 'labelsPath' | 'flowColumns'>;
  /** Per input (same order): the synth labels sidecar of a rebuilt capture, if any. */
  labelsPaths?: (string | undefined)[];
  /** A user's own models (--model). */
  modelPaths: string[];
  /** Scoring threads; default: the cores. */
  threads?: number;
  /** Which hosts get reasons (analyze explains; evaluate needs scores only). */
  scorer?: WindowScorerOptions;
  quiet: boolean;
  /** The progress line's label. */
  label: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** One scored window of one input. */
export interface ScoredWindow {
  /** The input's index in `ScoringRunOptions.inputs`. */
  inputIndex: number;
  /** The host scores, every LAN host of the window. */
  result: WindowResult;
  /** The window's rows; `hosts[i]` is `result.hosts[i].host`, `hostLabel[i]` its ground truth there. */
  features: FeatureWindow;
}

export class ScoringRun {
  readonly models: ScoringModels;
  readonly readers: FeatureReader[];
  readonly modelLoadMs: number;
  /** Waiting for the next window of features, ms (what native work scoring did not hide). */
  waitForFeaturesMs = 0;
  /** Filled in by `scoreAll`. */
  scoringTimes: ScoringTimes = { flowInferenceMs: 0, hostInferenceMs: 0, aggregateMs: 0, flowRowsScored: 0, flowRowsReused: 0 };
  readonly #options: ScoringRunOptions;

  private constructor(options: ScoringRunOptions, readers: FeatureReader[], models: ScoringModels, modelLoadMs: number) {
    this.#options = options;
    this.readers = readers;
    this.models = models;
    this.modelLoadMs = modelLoadMs;
  }

  /** Opens every input, then loads and checks the models. */
  static async open(options: ScoringRunOptions): Promise<ScoringRun> {
    const readers = options.inputs.map((input, i) =>
      FeatureReader.open(input, { ...options.reader, labelsPath: options.labelsPaths?.[i], flowColumns: false }),
    );
    const started = performance.now();
    const models = await loadScoringModels({ modelPaths: options.modelPaths });
    return new ScoringRun(options, readers, models, performance.now() - started);
  }

  /**
   * Scores every window of every input, handing each to `onWindow` as soon as it is scored.
   * Stops early, without an error, when the signal is aborted.
   */
  async scoreAll(onWindow: (window: ScoredWindow) => void): Promise<void> {
    const options = this.#options;
    const pool = new ScoringPool({ threads: options.threads ?? availableParallelism() });
    const scorer = new WindowScorer(pool, this.models, featureSchema(), options.scorer);
    const progress = new ProgressLine(() => this.progress(), { quiet: options.quiet, label: options.label });
    try {
      await Promise.all(
        this.readers.map(async (reader, inputIndex) => {
          const name = basename(options.inputs[inputIndex]!);
          const inputScorer = scorer.forInput(name);
          let waitStarted = performance.now();
          // A prefetched window that is never awaited (Ctrl-C, or a failure while scoring) must
          // not turn a read error into an unhandled rejection; awaited, it still throws.
          const prefetch = () => {
            const promise = reader.next();
            promise.catch(() => {});
            return promise;
          };
          let next: Promise<FeatureWindow | null> = prefetch();
          for (let window = await next; window !== null; window = await next) {
            this.waitForFeaturesMs += performance.now() - waitStarted;
            if (options.signal?.aborted) break;
            next = prefetch();
            const result = await inputScorer.score(window);
            onWindow({ inputIndex, result, features: window });
            waitStarted = performance.now();
          }
          const damage = reader.damage();
          if (damage) options.log(`warning: ${name}: stopped reading at damaged input (--keep-going): ${damage.describe()}`);
        }),
      );
    } finally {
      progress.stop();
      await pool.close();
      this.scoringTimes = { ...scorer.times };
    }
  }

  /** Bytes, packets and records read so far, over every input. */
  progress(): ProgressSnapshot {
    return sumProgress(this.readers.map((reader) => reader.progress()));
  }
}

export function sumProgress(snapshots: ProgressSnapshot[]): ProgressSnapshot {
  return snapshots.reduce(
    (sum, p) => ({ bytesConsumed: sum.bytesConsumed + p.bytesConsumed, totalBytes: sum.totalBytes + p.totalBytes, packets: sum.packets + p.packets, records: sum.records + p.records }),
    { bytesConsumed: 0, totalBytes: 0, packets: 0, records: 0 },
  );
}
