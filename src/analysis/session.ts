// A scoring session, what analyze and evaluate share, in stages: `open` opens every input (and
// fails before any work starts); `loadModels` loads and checks the models and starts the
// scoring threads; `scoreWindows` reads the windows through the shared read loop (inputs in
// parallel, the next window built natively while this one is scored), scores each, and hands
// it to the listeners, then tells them how the session ended. What becomes of the windows (a
// ranking and a history for analyze, figures against ground truth for evaluate) is the
// listeners' business; the command wires them.
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';

import { FlowhoundError } from '../errors.js';
import { loadScoringModels } from '../models/scoring-models.js';
import type { EffectiveFeatureOptions } from '../native.js';
import { FeatureReader, featureSchema, windowingOf, type FeatureReaderOptions, type FeatureWindow } from '../pipeline/features.js';
import { readInputs, type InputReader } from '../pipeline/read-loop.js';
import { ScoringPool } from '../pool/scoring-pool.js';
import { sumProgress, type ProgressSnapshot } from '../progress.js';
import type { RunInfo, WindowResult } from './types.js';
import { WindowScorer, type ScoringTimes } from './window-scorer.js';

/** One scored window of one input. */
export interface ScoredWindow {
  /** The input's index in the session's inputs. */
  inputIndex: number;
  /** The host scores, every LAN host of the window. */
  result: WindowResult;
  /** The window's rows; `hosts[i]` is `result.hosts[i].host`, `hostLabel[i]` its ground truth there. */
  features: FeatureWindow;
}

/** How a session ended, as its listeners are told. */
export interface SessionEnd {
  /** Ctrl-C stopped reading: the windows handed over are those finished before it. */
  interrupted: boolean;
  /** An error ended the session; it is thrown once every listener has been told. */
  failed: boolean;
  /** Windows handed to the listeners. */
  windows: number;
  finishedAt: string;
}

/** Something that follows a session window by window: the ranking, the history, a display. */
export interface WindowListener {
  /**
   * A window scored. Windows are handed over one at a time, each to every listener in the order
   * given before the next; a window every listener took is finished. A listener that throws
   * ends the session.
   */
  onWindow(window: ScoredWindow): void | Promise<void>;
  /** The session ended: every input read, Ctrl-C, or a failure. */
  onFinish?(end: SessionEnd): void | Promise<void>;
}

/** What scores windows: the models, in a pool of threads (or a test's fake). */
export interface SessionScorer {
  /** The models, as a run records them. */
  readonly models: RunInfo['models'];
  /** The host threshold of the anomaly model's card. */
  readonly hostThreshold: number;
  /** The scorer of one input's windows, which must be handed to it in order. */
  forInput(name: string): { score(window: FeatureWindow): Promise<WindowResult> };
  readonly times: ScoringTimes;
  close(): Promise<void>;
}

/** A reader of one input's windows. */
export interface WindowReader extends InputReader<FeatureWindow> {
  /** The options it reads with, the core's defaults filled in. */
  readonly options: EffectiveFeatureOptions;
}

/** What a session is made of: the addon's readers and the models (nativeParts), or a test's fakes. */
export interface SessionParts {
  openInput(path: string, options: FeatureReaderOptions): WindowReader;
  loadScorer(options: { modelPaths: string[]; threads?: number; explain: boolean }): Promise<SessionScorer>;
}

export const nativeParts: SessionParts = {
  openInput: (path, options) => FeatureReader.open(path, options),
  async loadScorer({ modelPaths, threads, explain }) {
    const models = await loadScoringModels({ modelPaths });
    const pool = new ScoringPool({ threads: threads ?? availableParallelism() });
    const scorer = new WindowScorer(pool, models, featureSchema(), { explain });
    return {
      models: [models.flow, models.host, models.anomaly].map((m) => ({ kind: m.kind, path: m.path, sha256: m.sha256, threshold: m.threshold })),
      hostThreshold: models.anomaly.threshold,
      forInput: (name) => scorer.forInput(name),
      times: scorer.times,
      close: () => pool.close(),
    };
  },
};

export interface SessionOptions {
  inputs: string[];
  /** Windows, LAN, flow-file reading; `infected` when ground truth is wanted. */
  reader: Omit<FeatureReaderOptions, 'labelsPath' | 'flowColumns' | 'omitRepeatedRows' | 'holdFlowRows'>;
  /** Per input (same order): the synth labels sidecar of a rebuilt capture, if any. */
  labelsPaths?: (string | undefined)[];
  /** A user's own models (--model). */
  modelPaths: string[];
  /** Scoring threads; default: scoringThreadsBesideReading(). */
  threads?: number;
  /** Tell the reasons of hosts (analyze); evaluate needs the scores only. */
  explain: boolean;
  quiet: boolean;
  /** The progress line's label. */
  label: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** How the session's inputs are read (every input alike), as its readers report it. */
export interface SessionReading {
  lan: string[];
  windowSeconds: number;
  stepSeconds: number;
  utcOffsetMinutes: number;
}

/**
 * The scoring threads of a session that reads its inputs itself: one less than the cores (at
 * least one), since reading, flows and features keep a core busy on native threads of their
 * own. On two cores (bench/README.md), one scoring thread scored CTU-13 scenario 6 as fast as
 * two, capture and flow file alike, with 35–45 MB less memory and a little less CPU.
 */
export function scoringThreadsBesideReading(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Windows of one input handed to the scorer and not yet delivered, at most, while the next is
 * read: the scoring threads always have a window's rows in hand, and the reader a request.
 */
const WINDOWS_IN_SCORING = 2;

export class ScoringSession {
  readonly readers: readonly WindowReader[];
  readonly reading: SessionReading;
  /** Loading and checking the models, ms. */
  modelLoadMs = 0;
  /** Waiting for the next window of features, ms (what native work scoring did not hide). */
  waitForFeaturesMs = 0;
  /** Waiting for windows to be scored and handed to the listeners, ms (what scoring reading did not hide). */
  waitForScoresMs = 0;
  readonly #options: SessionOptions;
  readonly #parts: SessionParts;
  #scorer: SessionScorer | null = null;
  #closed = false;

  private constructor(options: SessionOptions, parts: SessionParts, readers: WindowReader[]) {
    this.#options = options;
    this.#parts = parts;
    this.readers = readers;
    const first = readers[0]!.options;
    this.reading = { lan: first.lan, ...windowingOf(first, options.inputs[0]!), utcOffsetMinutes: first.flows.utcOffsetMinutes };
  }

  /** Stage 1: opens every input; an input that cannot be read fails here, before any work. */
  static open(options: SessionOptions, parts: SessionParts = nativeParts): ScoringSession {
    if (options.inputs.length === 0) throw new FlowhoundError('ERR_USAGE', 'a scoring session needs at least one input');
    // The scorer needs the features alone, and of the flow rows those that repeat nothing: the
    // others take the scores of the window before (the addon hands over those rows only, and
    // keeps no copy of a window's rows beside the ones it hands over). It copies them into its
    // batches and releases them (held by the stream, they are freed then).
    const readers = options.inputs.map((input, i) =>
      parts.openInput(input, { ...options.reader, labelsPath: options.labelsPaths?.[i], flowColumns: false, omitRepeatedRows: true, holdFlowRows: true }),
    );
    return new ScoringSession(options, parts, readers);
  }

  /** Stage 2: loads and checks the models, and starts the scoring threads. */
  async loadModels(): Promise<SessionScorer> {
    const started = performance.now();
    const threads = this.#options.threads ?? scoringThreadsBesideReading();
    this.#scorer = await this.#parts.loadScorer({ modelPaths: this.#options.modelPaths, threads, explain: this.#options.explain });
    this.modelLoadMs = performance.now() - started;
    return this.#scorer;
  }

  get scorer(): SessionScorer {
    if (this.#scorer === null) throw new FlowhoundError('ERR_USAGE', 'the session has no models yet: loadModels() comes first');
    return this.#scorer;
  }

  /**
   * Stage 3: scores every window of every input and hands each to the listeners; then tells
   * them how it ended, and closes the scoring threads. Ctrl-C ends it without an error
   * (`interrupted`); a failure is thrown once every listener has been told.
   */
  async scoreWindows(listeners: readonly WindowListener[]): Promise<SessionEnd> {
    const options = this.#options;
    const scorer = this.scorer;
    const inputScorers = options.inputs.map((input) => scorer.forInput(basename(input)));
    let windows = 0;
    // Inputs are scored in parallel; their windows reach the listeners one at a time, in the
    // order they were read. After a window fails (its scoring, or a listener), no later
    // window reaches them: each delivery waits for the one before, and fails with it.
    let delivered: Promise<void> = Promise.resolve();
    const deliver = (scoring: Promise<ScoredWindow>): Promise<void> => {
      const delivery = delivered.then(async () => {
        const window = await scoring;
        for (const listener of listeners) await listener.onWindow(window);
        windows++;
      });
      delivered = delivery;
      return delivery;
    };
    // Per input, the windows handed to the scorer and not yet delivered: at most
    // WINDOWS_IN_SCORING while the next is read (and its rows then handed to the scoring
    // threads), so that reading and scoring overlap and memory holds a few windows, not the input.
    const inScoring: Promise<void>[][] = options.inputs.map(() => []);
    const awaitScored = async (delivery: Promise<void>): Promise<void> => {
      const started = performance.now();
      try {
        await delivery;
      } finally {
        this.waitForScoresMs += performance.now() - started;
      }
    };
    const settleAll = () => Promise.allSettled(inScoring.flat());
    let end: SessionEnd;
    try {
      const outcome = await readInputs(
        this.readers,
        async (features, inputIndex) => {
          const scoring = inputScorers[inputIndex]!.score(features).then((result) => ({ inputIndex, result, features }));
          const delivery = deliver(scoring);
          // Awaited below (a window after a failed one never awaits its scoring): neither is
          // an unhandled rejection meanwhile.
          scoring.catch(() => {});
          delivery.catch(() => {});
          const queue = inScoring[inputIndex]!;
          queue.push(delivery);
          while (queue.length > WINDOWS_IN_SCORING) await awaitScored(queue.shift()!);
        },
        { label: options.label, quiet: options.quiet, log: options.log, signal: options.signal },
      );
      // The windows still being scored: those read last, or before Ctrl-C.
      for (const queue of inScoring) while (queue.length > 0) await awaitScored(queue.shift()!);
      this.waitForFeaturesMs = outcome.waitMs;
      end = { interrupted: outcome.interrupted, failed: false, windows, finishedAt: '' };
    } catch (error) {
      // No listener hears of a window after it is told the end.
      await settleAll();
      await this.close().catch(() => {});
      // The failure is what the user needs to see; a listener failing to finish too would hide it.
      await finishListeners(listeners, { interrupted: options.signal?.aborted === true, failed: true, windows, finishedAt: new Date().toISOString() });
      throw error;
    }
    await this.close();
    end.finishedAt = new Date().toISOString();
    const failure = await finishListeners(listeners, end);
    if (failure !== null) throw failure.error;
    return end;
  }

  /** Bytes, packets and records read so far, over every input. */
  progress(): ProgressSnapshot {
    return sumProgress(this.readers.map((reader) => reader.progress()));
  }

  /** Stops the scoring threads (scoreWindows does; a command that fails before it calls this). */
  async close(): Promise<void> {
    if (this.#closed || this.#scorer === null) return;
    this.#closed = true;
    await this.#scorer.close();
  }
}

/** Tells every listener the end, even when one fails; returns the first failure. */
async function finishListeners(listeners: readonly WindowListener[], end: SessionEnd): Promise<{ error: unknown } | null> {
  let failure: { error: unknown } | null = null;
  for (const listener of listeners) {
    try {
      await listener.onFinish?.(end);
    } catch (error) {
      failure ??= { error };
    }
  }
  return failure;
}
