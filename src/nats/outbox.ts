// A sensor's bounded buffer of windows not yet accepted by JetStream: what rides out a broker
// outage. It holds at most `maxWindows` windows and `maxBytes` bytes; past either, the oldest
// window is dropped (the newest say more about "now") and counted, or, with `whenFull: 'wait'`
// (an archive, which can pause its reading), the producer waits for room instead.

export interface OutboxOptions {
  maxWindows: number;
  maxBytes: number;
  whenFull: 'drop' | 'wait';
}

export interface OutboxItem {
  bytes: number;
}

export class Outbox<Item extends OutboxItem> {
  /** Windows dropped to keep within the bounds. */
  dropped = 0;
  droppedBytes = 0;
  readonly #options: OutboxOptions;
  readonly #items: Item[] = [];
  #bytes = 0;
  /** Producers waiting for room; consumers waiting for an item. */
  #roomWaiters: (() => void)[] = [];
  #itemWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  get length(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  #full(extra: number): boolean {
    return this.#items.length + 1 > this.#options.maxWindows || this.#bytes + extra > this.#options.maxBytes;
  }

  /** Adds an item, dropping the oldest or waiting for room when full. */
  async add(item: Item): Promise<void> {
    if (this.#options.whenFull === 'wait') {
      // An item larger than the whole buffer still goes in once the buffer is empty.
      while (this.#items.length > 0 && this.#full(item.bytes)) await new Promise<void>((wake) => this.#roomWaiters.push(wake));
    } else {
      while (this.#items.length > 0 && this.#full(item.bytes)) {
        const oldest = this.#items.shift()!;
        this.#bytes -= oldest.bytes;
        this.dropped++;
        this.droppedBytes += oldest.bytes;
      }
    }
    this.#items.push(item);
    this.#bytes += item.bytes;
    for (const wake of this.#itemWaiters.splice(0)) wake();
  }

  /** The oldest item, without taking it (null once closed and empty); waits for one. */
  async peek(): Promise<Item | null> {
    while (this.#items.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((wake) => this.#itemWaiters.push(wake));
    }
    return this.#items[0]!;
  }

  /**
   * Takes `item` out once it is delivered. An item dropped while it was being sent, and
   * delivered after all, is no longer counted as dropped.
   */
  delivered(item: Item): void {
    if (this.#items[0] !== item) {
      this.dropped--;
      this.droppedBytes -= item.bytes;
      return;
    }
    this.#items.shift();
    this.#bytes -= item.bytes;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  /** Drops every item left (the sensor gave up waiting for the broker); returns how many. */
  dropAll(): number {
    const count = this.#items.length;
    this.dropped += count;
    this.droppedBytes += this.#bytes;
    this.#items.length = 0;
    this.#bytes = 0;
    for (const wake of this.#roomWaiters.splice(0)) wake();
    return count;
  }

  /** No more items will come: peek() returns null once the last is taken. */
  close(): void {
    this.#closed = true;
    for (const wake of this.#itemWaiters.splice(0)) wake();
  }
}
