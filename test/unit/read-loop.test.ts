// The read loop every command shares (src/pipeline/read-loop.ts), with fake readers: the next
// item is read while this one is handled, a failed read surfaces once and after the item being
// handled, Ctrl-C stops between items, a failure in one input stops the others, damage and
// skipped rows or packets are warned about.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { encodeError, FlowhoundError } from '../../src/errors.js';
import { readInputs, type InputReader } from '../../src/pipeline/read-loop.js';
import { describeSkips, type SkipCounts } from '../../src/pipeline/skipped-input.js';

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A reader of `items`; `fail` makes the read of that index reject (after `delayMs`) with `error`. */
class FakeReader implements InputReader<number> {
  /** Indexes asked for, in order. */
  readonly asked: number[] = [];
  #next = 0;

  constructor(
    readonly items: number[],
    readonly options: { fail?: { at: number; error: unknown }; delayMs?: number; damage?: FlowhoundError; skips?: SkipCounts } = {},
  ) {}

  async next(): Promise<number | null> {
    const index = this.#next++;
    this.asked.push(index);
    await tick(this.options.delayMs ?? 0);
    if (this.options.fail?.at === index) throw this.options.fail.error;
    return this.items[index] ?? null;
  }

  progress() {
    return { bytesConsumed: this.#next, totalBytes: this.items.length, packets: 0, records: this.#next };
  }

  damage(): FlowhoundError | null {
    return this.options.damage ?? null;
  }

  skips(): string | null {
    return this.options.skips ? describeSkips(this.options.skips) : null;
  }
}

const quiet = { label: 'test', quiet: true, log: () => {} };

let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  // A rejection nobody handled is reported after the microtasks that could have handled it.
  await tick(20);
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('the read loop', () => {
  it('reads the next item while this one is handled, and hands every item over in order', async () => {
    const reader = new FakeReader([10, 20, 30]);
    const seen: { item: number; askedWhenHandled: number }[] = [];
    const outcome = await readInputs([reader], (item) => void seen.push({ item, askedWhenHandled: reader.asked.length }), quiet);
    expect(outcome.interrupted).toBe(false);
    // When item k is handled, the read of item k + 1 has already been asked for.
    expect(seen).toEqual([
      { item: 10, askedWhenHandled: 2 },
      { item: 20, askedWhenHandled: 3 },
      { item: 30, askedWhenHandled: 4 },
    ]);
  });

  it('throws the error of a prefetched read once, as it is, after the item being handled is done', async () => {
    const error = new FlowhoundError('ERR_PCAP_TRUNCATED', 'truncated record', { path: 'cut.pcap', byteOffset: 422 });
    const reader = new FakeReader([1, 2, 3, 4], { fail: { at: 2, error } });
    const events: string[] = [];
    const thrown = await readInputs(
      [reader],
      async (item) => {
        events.push(`start ${item}`);
        // The read of the next item fails while this one is still being handled.
        await tick(30);
        events.push(`done ${item}`);
      },
      quiet,
    ).catch((caught: unknown) => caught);
    expect(thrown).toBe(error);
    expect(events).toEqual(['start 1', 'done 1', 'start 2', 'done 2']);
    // Nothing is read past the failure.
    expect(reader.asked).toEqual([0, 1, 2]);
  });

  it("throws the handler's error when it fails while a prefetched read fails too, and leaves no rejection unhandled", async () => {
    const handlerError = new FlowhoundError('ERR_INFERENCE', 'scoring failed');
    const reader = new FakeReader([1, 2, 3], { fail: { at: 1, error: new FlowhoundError('ERR_IO', 'read failed') } });
    const thrown = await readInputs(
      [reader],
      async () => {
        await tick(10);
        throw handlerError;
      },
      quiet,
    ).catch((caught: unknown) => caught);
    expect(thrown).toBe(handlerError);
  });

  it('stops between items on Ctrl-C, keeping the items handled before, without an error', async () => {
    const controller = new AbortController();
    // The read asked for while item 2 is handled fails after Ctrl-C: nobody awaits it, and it must not go unhandled.
    const reader = new FakeReader([1, 2, 3, 4, 5], { fail: { at: 2, error: new FlowhoundError('ERR_IO', 'never seen') }, delayMs: 5 });
    const handled: number[] = [];
    const outcome = await readInputs(
      [reader],
      (item) => {
        handled.push(item);
        if (item === 2) controller.abort(new FlowhoundError('ERR_INTERRUPTED', 'interrupted'));
      },
      { ...quiet, signal: controller.signal },
    );
    expect(outcome.interrupted).toBe(true);
    expect(handled).toEqual([1, 2]);
  });

  it('stops every input at its next item when one fails, and throws once all have settled', async () => {
    const error = new FlowhoundError('ERR_FLOWFILE_BAD_ROW', 'bad row', { path: 'b.binetflow', line: 3 });
    const good = new FakeReader([1, 2, 3, 4, 5, 6], { delayMs: 5 });
    const bad = new FakeReader([100, 200, 300], { fail: { at: 1, error } });
    const handled: number[] = [];
    let inFlight = 0;
    const thrown = await readInputs(
      [good, bad],
      async (item) => {
        inFlight++;
        await tick(10);
        handled.push(item);
        inFlight--;
      },
      quiet,
    ).catch((caught: unknown) => caught);
    expect(thrown).toBe(error);
    // No handler is still running when the error comes out.
    expect(inFlight).toBe(0);
    expect(handled).toContain(100);
    expect(handled).not.toContain(6);
  });

  it('reads inputs one after another when asked, telling when each ends, and warns about damage', async () => {
    const damage = new FlowhoundError('ERR_PCAP_TRUNCATED', 'truncated record', { path: 'cut.pcap', byteOffset: 422 });
    const order: string[] = [];
    const lines: string[] = [];
    await readInputs([new FakeReader([1, 2], { delayMs: 5 }), new FakeReader([3], { damage })], (item) => void order.push(`item ${item}`), {
      ...quiet,
      log: (line) => lines.push(line),
      order: 'sequential',
      onInputEnd: (inputIndex) => void order.push(`end ${inputIndex}`),
    });
    expect(order).toEqual(['item 1', 'item 2', 'end 0', 'item 3', 'end 1']);
    expect(lines).toEqual(['warning: stopped reading at damaged input (--keep-going): ERR_PCAP_TRUNCATED: cut.pcap at byte 422: truncated record']);
  });

  it('warns, even when quiet, of the rows and packets an input passed over, with the first reason', async () => {
    const reason = encodeError(new FlowhoundError('ERR_TIME_OUT_OF_RANGE', 'the record lasts 1000000000 s', { path: 'long.binetflow', line: 3 }));
    const lines: string[] = [];
    const readers = [
      new FakeReader([1], { skips: { skippedRows: 2, skippedPackets: 0, skipReasons: [reason] } }),
      new FakeReader([2], { skips: { skippedRows: 0, skippedPackets: 1, skipReasons: [] } }),
      new FakeReader([3], { skips: { skippedRows: 0, skippedPackets: 0, skipReasons: [] } }),
    ];
    await readInputs(readers, () => {}, { ...quiet, log: (line) => lines.push(line), order: 'sequential' });
    expect(lines).toEqual([
      'warning: 2 flow-file rows skipped (--keep-going); the first: ERR_TIME_OUT_OF_RANGE: long.binetflow:3: the record lasts 1000000000 s',
      'warning: 1 packet skipped (--keep-going)',
    ]);
  });
});
