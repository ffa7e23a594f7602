// Stage 2 of the data path: any input → closed windows of feature rows (every flow, every LAN
// host), computed by the addon on libuv's thread pool. The schema the rows follow comes from
// the addon too: it is written once, in the native core.
import { damageFromNative, FlowhoundError } from '../errors.js';
import {
  awaitNative,
  callNative,
  native,
  type EffectiveFeatureOptions,
  type FeatureSchema,
  type FeatureWindow as NativeFeatureWindow,
  type FlowStreamProgress,
  type NativeFeatureStream,
} from '../native.js';
import type { FlowOptions } from './flows.js';
import { captureWarnings, describeSkips } from './skipped-input.js';

export type { FeatureSchema } from '../native.js';

/**
 * A window's flow rows that its stream holds (`holdFlowRows`): copied out, then released, which
 * frees them at once (typed arrays over them would wait for the garbage collector).
 */
export interface HeldFlowRows {
  /** Copies rows `first..last` (row-major) into `into`, from its start. */
  copy(first: number, last: number, into: Float32Array): void;
  /** Frees the rows; copy() fails after it. */
  release(): void;
}

/** A closed window; with `holdFlowRows`, its flow rows are in `heldFlowRows`, not `flowFeatures`. */
export type FeatureWindow = NativeFeatureWindow & { heldFlowRows?: HeldFlowRows };

export interface FeatureReaderOptions extends Omit<FlowOptions, 'whole' | 'statusIntervalSeconds' | 'batchRecords'> {
  /** LAN ranges (CIDR); default: the private ranges. Only LAN hosts get host rows. */
  lan?: string[];
  /** Hosts known to be infected: ground truth for training tables. */
  infected?: string[];
  /** A synth labels sidecar: labels for the flows of a rebuilt capture. */
  labelsPath?: string;
  /** Hand over the flows' own columns with each window (default true; scoring needs only features). */
  flowColumns?: boolean;
  /**
   * Hand over only the flow rows that repeat no row of the window before (default false): a
   * scorer gives those the scores of that window (`FeatureWindow.repeatedRowsOmitted`).
   */
  omitRepeatedRows?: boolean;
  /** Keep each window's flow rows in the stream until released (`FeatureWindow.heldFlowRows`). */
  holdFlowRows?: boolean;
}

/** The window and step a feature stream cuts time into, seconds (it reads in windows only). */
export function windowingOf(options: EffectiveFeatureOptions, path: string): { windowSeconds: number; stepSeconds: number } {
  const { windowSeconds, stepSeconds } = options.flows;
  if (windowSeconds === undefined || stepSeconds === undefined) {
    throw new FlowhoundError('ERR_BAD_OPTION', 'a feature stream reported no window or step (it reads in windows only)', { path });
  }
  return { windowSeconds, stepSeconds };
}

let cachedSchema: FeatureSchema | null = null;

/** The feature schema of the running build (names, order, version). */
export function featureSchema(): FeatureSchema {
  cachedSchema ??= native.featureSchema();
  return cachedSchema;
}

export class FeatureReader implements AsyncIterable<FeatureWindow> {
  readonly path: string;
  readonly #stream: NativeFeatureStream;
  #pending: FeatureWindow[] = [];

  private constructor(path: string, stream: NativeFeatureStream) {
    this.path = path;
    this.#stream = stream;
  }

  static open(path: string, options: FeatureReaderOptions = {}): FeatureReader {
    const { lan, infected, labelsPath, flowColumns, omitRepeatedRows, holdFlowRows, ...flows } = options;
    const stream = callNative(() => native.FeatureStream.open(path, { flows, lan, infected, labelsPath, flowColumns, omitRepeatedRows, holdFlowRows }));
    return new FeatureReader(path, stream);
  }

  /** The options this reader runs with, the core's defaults filled in. */
  get options(): EffectiveFeatureOptions {
    return this.#stream.options;
  }

  /** The next closed window, or null at the end of the input. */
  async next(): Promise<FeatureWindow | null> {
    if (this.#pending.length === 0) {
      const windows: FeatureWindow[] | null = await awaitNative(this.#stream.nextWindows());
      if (windows === null) return null;
      const stream = this.#stream;
      for (const window of windows) {
        if (window.flowRowsHeld !== true) continue;
        const start = window.windowStartUs;
        window.heldFlowRows = {
          copy: (first, last, into) => callNative(() => stream.copyFlowRows(start, first, last, into)),
          release: () => stream.releaseFlowRows(start),
        };
      }
      this.#pending = windows.reverse();
    }
    return this.#pending.pop() ?? null;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<FeatureWindow> {
    for (let window = await this.next(); window !== null; window = await this.next()) yield window;
  }

  progress(): FlowStreamProgress {
    return this.#stream.progress();
  }

  sourceStats(): ReturnType<NativeFeatureStream['sourceStats']> {
    return this.#stream.sourceStats();
  }

  featureStats(): ReturnType<NativeFeatureStream['featureStats']> {
    return this.#stream.featureStats();
  }

  damage(): FlowhoundError | null {
    return damageFromNative(this.#stream.damage());
  }

  skips(): string | null {
    return describeSkips(this.#stream.sourceStats());
  }

  warnings(): string[] {
    return captureWarnings(this.#stream.sourceStats());
  }
}
