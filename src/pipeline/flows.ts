// Stage 1 of the data path: any input (capture or flow file) → batches of flow records.
// The addon does the work on libuv's thread pool; this module only drives it.
import { damageFromNative, type FlowhoundError } from '../errors.js';
import {
  awaitNative,
  callNative,
  native,
  type BinetflowCsvLayout,
  type EffectiveFlowOptions,
  type FlowArrowBatch,
  type FlowBatch,
  type FlowStreamProgress,
  type NativeFlowStream,
} from '../native.js';
import type { InputReader } from './read-loop.js';
import { captureWarnings, describeSkips } from './skipped-input.js';

export type { BinetflowCsvLayout, FlowArrowBatch, FlowBatch } from '../native.js';

/**
 * How an input is read. An option left out takes the core's default (`coreDefaults` in
 * native.ts); an opened reader says what it runs with (`FlowReader.options`).
 */
export interface FlowOptions {
  /** Window length in seconds. Must be a multiple of the step. */
  windowSeconds?: number;
  /** Step between window starts in seconds. */
  stepSeconds?: number;
  /** Whole-capture records as Argus makes them instead of windows. */
  whole?: boolean;
  /** Whole-capture mode: status interval in seconds (the core's default is CTU-13's). */
  statusIntervalSeconds?: number;
  /** Cap on active flows per table; past it the longest-idle flows are emitted early. */
  maxActiveFlows?: number;
  /**
   * The memory budget ("memcap"), bytes: the flow tables and the open windows' flow rows stay
   * within it; past it the least recently active flows are emitted early, and a window keeps a
   * sample of its flow rows. Both are counted.
   */
  memcapBytes?: number;
  /**
   * Who a TCP connection seen without its handshake is named after: its first sender (the
   * default, as the Argus that wrote CTU-13), or the side not on a service port (Argus 3.0.8).
   */
  uncertainDirection?: UncertainDirection;
  /** On damaged input, stop at the damage and still emit what was read before it. */
  keepGoing?: boolean;
  /** Flow files: offset of their textual local times from UTC, in minutes. */
  utcOffsetMinutes?: number;
  /** CSV flow files: `NAME=COLUMN` items mapping other column names onto the fields (`--columns`). */
  columns?: string[];
  /** Records per batch. */
  batchRecords?: number;
}

export type UncertainDirection = 'first-sender' | 'service-port';

export type InputKind = 'capture' | 'flowFile';

export class FlowReader implements AsyncIterable<FlowBatch> {
  readonly path: string;
  readonly #stream: NativeFlowStream;
  /** keepHosts was given: batches may be empty, and are handed over anyway. */
  #filtering = false;

  private constructor(path: string, stream: NativeFlowStream) {
    this.path = path;
    this.#stream = stream;
  }

  /** Opens a capture or flow file; throws a FlowhoundError (with code and place) if it can't. */
  static open(path: string, options: FlowOptions = {}): FlowReader {
    const stream = callNative(() => native.FlowStream.open(path, options));
    return new FlowReader(path, stream);
  }

  get inputKind(): InputKind {
    return this.#stream.inputKind as InputKind;
  }

  /** The options this reader runs with, the core's defaults filled in. */
  get options(): EffectiveFlowOptions {
    return this.#stream.options;
  }

  /**
   * From now on, only the records whose source or destination is one of `ranges` (addresses
   * or CIDR ranges), filtered natively before they are handed over (`flows --host`). The CSV
   * and Arrow readers then hand over empty batches too, so that Ctrl-C and the progress line
   * are seen between batches while no record matches.
   */
  keepHosts(ranges: string[]): void {
    callNative(() => this.#stream.keepHosts(ranges));
    this.#filtering = true;
  }

  /** Records handed over so far: every record, or those of the hosts of `keepHosts`. */
  recordsKept(): number {
    return this.#stream.recordsKept();
  }

  /** The next non-empty batch, or null at the end of the input. */
  async next(): Promise<FlowBatch | null> {
    for (;;) {
      const batch = await awaitNative(this.#stream.nextBatch());
      if (batch === null || batch.length > 0) return batch;
    }
  }

  /**
   * The same records as binetflow CSV lines, a batch's text at a time, made natively (no
   * header: `binetflowCsvHeader`). Read one way only: this, `arrow()` or the batches.
   */
  csv(layout: BinetflowCsvLayout): InputReader<Buffer> {
    return this.#encoded(async () => {
      for (;;) {
        const text = await awaitNative(this.#stream.nextCsv(layout));
        if (text === null || text.length > 0 || this.#filtering) return text;
      }
    });
  }

  /** The same records as the flow table's Arrow columns, a batch at a time, made natively. */
  arrow(): InputReader<FlowArrowBatch> {
    return this.#encoded(async () => {
      for (;;) {
        const batch = await awaitNative(this.#stream.nextArrow());
        if (batch === null || batch.length > 0 || this.#filtering) return batch;
      }
    });
  }

  #encoded<Item>(next: () => Promise<Item | null>): InputReader<Item> {
    return {
      next,
      progress: () => this.progress(),
      damage: () => this.damage(),
      skips: () => this.skips(),
      warnings: () => this.warnings(),
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<FlowBatch> {
    for (let batch = await this.next(); batch !== null; batch = await this.next()) {
      yield batch;
    }
  }

  progress(): FlowStreamProgress {
    return this.#stream.progress();
  }

  stats(): ReturnType<NativeFlowStream['stats']> {
    return this.#stream.stats();
  }

  /** With keepGoing: where reading stopped on damaged input, or null. */
  damage(): FlowhoundError | null {
    return damageFromNative(this.#stream.damage());
  }

  /** With keepGoing: the rows and packets passed over, and the first reason, or null. */
  skips(): string | null {
    return describeSkips(this.#stream.stats());
  }

  /** What the statistics call for a word about: packets undecodable or counted in a later window. */
  warnings(): string[] {
    return captureWarnings(this.#stream.stats());
  }
}

/** The options a reader runs with, in one line for -v: what the core filled in as well as what was given. */
export function describeReading(options: EffectiveFlowOptions, lan?: readonly string[]): string {
  const mode = options.whole ? `whole capture, status interval ${options.statusIntervalSeconds} s` : `windows of ${options.windowSeconds} s every ${options.stepSeconds} s`;
  const parts = [
    mode,
    ...(lan ? [`LAN ${lan.join(', ')}`] : []),
    `utc offset ${options.utcOffsetMinutes} min`,
    `memcap ${options.memcapBytes % 2 ** 20 === 0 ? `${options.memcapBytes / 2 ** 20} MiB` : `${options.memcapBytes} bytes`}`,
    `at most ${options.maxActiveFlows} active flows a table`,
    `uncertain direction ${options.uncertainDirection}`,
    options.keepGoing ? 'keep going past damage' : 'stop at damage',
  ];
  return `reading: ${parts.join(', ')}`;
}
