// The one loop that reads inputs, for every command that does: flows (batches of flow records),
// features, analyze and evaluate (windows of feature rows). Within an input, the next item is
// read natively while this one is handled; a progress line is drawn on a terminal; Ctrl-C stops
// reading between items, keeping what was handled; an input read only up to its damage
// (--keep-going), or with rows or packets passed over or counted in a later window, is warned about; and the first error, from a read or from the handler, ends
// every input and is thrown once, after the item being handled is done.
import type { FlowhoundError } from '../errors.js';
import { ProgressLine, sumProgress, type ProgressSnapshot } from '../progress.js';

/** What the loop reads: a FlowReader (batches), a FeatureReader (windows), or a test's fake. */
export interface InputReader<Item> {
  /** The next item, or null at the end of the input. */
  next(): Promise<Item | null>;
  progress(): ProgressSnapshot;
  /** With --keep-going: where reading stopped on damaged input, or null. */
  damage(): FlowhoundError | null;
  /** With --keep-going: what was passed over (rows, packets) and why, in a line, or null. */
  skips?(): string | null;
  /** What the input's statistics call for a word about (late or undecodable packets), a line each. */
  warnings?(): string[];
}

export interface ReadLoopOptions {
  /** The progress line's label ('flows', 'analyze', …). */
  label: string;
  quiet: boolean;
  /** Warnings for the user (standard error). */
  log: (line: string) => void;
  /** Ctrl-C: reading stops between items; the outcome says it was interrupted. */
  signal?: AbortSignal;
  /**
   * 'parallel' (the default): every input at once, each handled in its own order (scoring);
   * 'sequential': one input after another (tables written in the inputs' order).
   */
  order?: 'parallel' | 'sequential';
  /** Called when an input has been read to its end (not after Ctrl-C or a failure). */
  onInputEnd?: (inputIndex: number) => void | Promise<void>;
}

export interface ReadOutcome {
  /** Ctrl-C came: the items handled are those read before it. */
  interrupted: boolean;
  /** Time spent waiting for the next item, ms, summed over inputs: the reading handling did not hide. */
  waitMs: number;
}

/** Reads every input to its end (or to Ctrl-C), handing each item to `handle` as it comes. */
export async function readInputs<Item>(
  readers: readonly InputReader<Item>[],
  handle: (item: Item, inputIndex: number) => void | Promise<void>,
  options: ReadLoopOptions,
): Promise<ReadOutcome> {
  const { signal } = options;
  const state: { failure: { error: unknown } | null; waitMs: number } = { failure: null, waitMs: 0 };
  const stopping = () => state.failure !== null || signal?.aborted === true;

  const readOne = async (reader: InputReader<Item>, inputIndex: number): Promise<void> => {
    // A read that is never awaited (Ctrl-C, or a failure elsewhere) must not become an
    // unhandled rejection; awaited, it still throws.
    const prefetch = () => {
      const promise = reader.next();
      promise.catch(() => {});
      return promise;
    };
    let next = prefetch();
    for (;;) {
      if (stopping()) return;
      const waitStarted = performance.now();
      const item = await next;
      state.waitMs += performance.now() - waitStarted;
      if (item === null) break;
      if (stopping()) return;
      next = prefetch();
      await handle(item, inputIndex);
    }
    const damage = reader.damage();
    if (damage) options.log(`warning: stopped reading at damaged input (--keep-going): ${damage.describe()}`);
    const skips = reader.skips?.();
    if (skips) options.log(`warning: ${skips}`);
    for (const line of reader.warnings?.() ?? []) options.log(`warning: ${line}`);
    await options.onInputEnd?.(inputIndex);
  };
  const settle = async (reader: InputReader<Item>, inputIndex: number): Promise<void> => {
    try {
      await readOne(reader, inputIndex);
    } catch (error) {
      state.failure ??= { error };
    }
  };

  const progress = new ProgressLine(() => sumProgress(readers.map((reader) => reader.progress())), { quiet: options.quiet, label: options.label });
  try {
    if (options.order === 'sequential') {
      for (const [inputIndex, reader] of readers.entries()) {
        if (stopping()) break;
        await settle(reader, inputIndex);
      }
    } else {
      // Every input settles before the loop ends: none is still handling an item when the
      // caller cleans up (closes the pool, the history) after a failure.
      await Promise.all(readers.map(settle));
    }
  } finally {
    progress.stop();
  }
  if (state.failure !== null) throw state.failure.error;
  return { interrupted: signal?.aborted === true, waitMs: state.waitMs };
}
