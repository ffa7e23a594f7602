// A sensor's side of NATS: each closed window becomes one message (window-message.ts) on the
// sensor's subject, kept in a bounded outbox (outbox.ts) until JetStream has stored it. A
// window is sent again until JetStream acknowledges it, under the same message id, so a
// window whose acknowledgement was lost in an outage is stored once. Nothing is dropped
// silently: windows the outbox had to drop, or too large for the server, are counted, warned
// about as they happen, and told at the end.
import { headers as natsHeaders, type JetStreamClient, type NatsConnection } from 'nats';

import { FlowhoundError } from '../errors.js';
import type { FeatureSchema, FeatureWindow } from '../pipeline/features.js';
import { connectNats } from './connection.js';
import { sensorSubject, windowMessageId } from './addressing.js';
import { ensureStream, jetStreamError } from './layout.js';
import { Outbox } from './outbox.js';
import { encodeWindowBody, headerPairs, schemaFingerprint, WINDOW_FORMAT, type WindowHeader } from './window-message.js';

export interface PublisherOptions {
  servers: string[];
  stream: string;
  sensor: string;
  schema: FeatureSchema;
  /** The outbox's bounds, and what it does when full. */
  bufferWindows: number;
  bufferBytes: number;
  whenFull: 'drop' | 'wait';
  /** A window larger than the server takes: fail (an archive: fix the server and rerun), or drop it and count it (live). */
  onTooLarge: 'throw' | 'drop';
  /** How long close() waits for the outbox to empty, ms; what is left then is dropped and counted. */
  drainTimeoutMs: number;
  /** Warnings and outage notices (standard error). */
  log: (line: string) => void;
}

/** What a sensor's input is, as every window of it says. */
export interface PublishedInput {
  input: string;
  sha256: string;
  sizeBytes: number;
  reading: WindowHeader['reading'];
}

interface Pending {
  bytes: number;
  body: Uint8Array;
  header: Omit<WindowHeader, 'windowsDroppedBefore'>;
}

export interface PublisherStats {
  published: number;
  publishedBytes: number;
  /** Sent again (no acknowledgement in time, or an outage); JetStream keeps one copy. */
  retries: number;
  /** Republished windows JetStream recognised by their id and did not store again. */
  duplicates: number;
  buffered: number;
  bufferedBytes: number;
  /** Dropped: outbox full during an outage, or left when close() gave up waiting. */
  dropped: number;
  droppedBytes: number;
  /** Dropped: larger than the server's max_payload. */
  tooLarge: number;
  connected: boolean;
}

const RETRY_PAUSE_MS = 500;
/** A stored window is acknowledged in milliseconds; past this, the request is taken as lost and sent again (same id). */
const PUBLISH_TIMEOUT_MS = 5000;

export class WindowPublisher {
  readonly subject: string;
  readonly maxPayloadBytes: number;
  readonly #options: PublisherOptions;
  readonly #connection: NatsConnection;
  readonly #jetstream: JetStreamClient;
  readonly #outbox: Outbox<Pending>;
  readonly #fingerprint: string;
  readonly #sender: Promise<void>;
  #stats = { published: 0, publishedBytes: 0, retries: 0, duplicates: 0, tooLarge: 0 };
  #connected = true;
  #lastFailure = '';
  #stopping = false;

  private constructor(options: PublisherOptions, connection: NatsConnection) {
    this.#options = options;
    this.#connection = connection;
    this.#jetstream = connection.jetstream({ timeout: PUBLISH_TIMEOUT_MS });
    this.#outbox = new Outbox<Pending>({ maxWindows: options.bufferWindows, maxBytes: options.bufferBytes, whenFull: options.whenFull });
    this.#fingerprint = schemaFingerprint(options.schema);
    this.subject = sensorSubject(options.sensor);
    // Headers and framing take a little beyond the body.
    this.maxPayloadBytes = connection.info?.max_payload ?? 1024 * 1024;
    this.#sender = this.#send();
  }

  /** Connects, and creates the stream when it is not there. ERR_NATS_CONNECT, ERR_NATS_JETSTREAM. */
  static async open(options: PublisherOptions): Promise<WindowPublisher> {
    const holder: { publisher: WindowPublisher | null } = { publisher: null };
    const connection = await connectNats(options.servers, {
      name: `flowhound sensor ${options.sensor}`,
      onStatus: (event) => holder.publisher?.onConnectionStatus(event),
    });
    try {
      await ensureStream(await connection.jetstreamManager(), options.stream);
    } catch (error) {
      await connection.close();
      throw jetStreamError(error, `cannot set up stream ${options.stream}`);
    }
    holder.publisher = new WindowPublisher(options, connection);
    return holder.publisher;
  }

  /** The connection was lost, or is back: said once each time. */
  onConnectionStatus(event: 'disconnected' | 'reconnected'): void {
    if (event === 'disconnected' && this.#connected) {
      this.#connected = false;
      this.#options.log(`sensor ${this.#options.sensor}: lost the NATS server; windows wait in the buffer (${this.#options.bufferWindows} windows, ${this.#options.whenFull === 'drop' ? 'oldest dropped when full' : 'reading pauses when full'})`);
    } else if (event === 'reconnected' && !this.#connected) {
      this.#connected = true;
      this.#options.log(`sensor ${this.#options.sensor}: NATS server back; sending the ${this.#outbox.length} buffered windows`);
    }
  }

  /** Queues a closed window (encoded now); waits only when the outbox is full and set to wait. */
  async publish(window: FeatureWindow, input: PublishedInput, capture?: WindowHeader['capture']): Promise<void> {
    const body = encodeWindowBody(window, this.#options.schema);
    const header: Pending['header'] = {
      format: WINDOW_FORMAT,
      sensor: this.#options.sensor,
      input: input.input,
      inputSha256: input.sha256,
      inputSizeBytes: input.sizeBytes,
      windowStartUs: window.windowStartUs,
      schemaVersion: this.#options.schema.version,
      schemaFingerprint: this.#fingerprint,
      reading: input.reading,
      closedAtUs: Date.now() * 1000,
      flowsEvictedEarly: window.flowsEvictedEarly,
      flowRowsDropped: window.flowRowsDropped,
      ...(capture ? { capture } : {}),
    };
    // Headers are a few hundred bytes; 4 KiB is room to spare.
    if (body.length + 4096 > this.maxPayloadBytes) {
      const what = `the window at ${new Date(window.windowStartUs / 1000).toISOString()} of ${input.input} is ${body.length} bytes, more than the NATS server's max_payload (${this.maxPayloadBytes} bytes)`;
      if (this.#options.onTooLarge === 'throw') throw new FlowhoundError('ERR_NATS_MESSAGE_TOO_LARGE', `${what}: raise max_payload in the server's configuration (docs/deploy.md)`);
      this.#stats.tooLarge++;
      this.#options.log(`warning: sensor ${this.#options.sensor}: ${what}: dropped (${this.#stats.tooLarge} so far); raise max_payload (docs/deploy.md)`);
      return;
    }
    const droppedBefore = this.#outbox.dropped;
    await this.#outbox.add({ bytes: body.length, body, header });
    if (this.#outbox.dropped > droppedBefore) {
      this.#options.log(`warning: sensor ${this.#options.sensor}: buffer full while the NATS server is away: ${this.#outbox.dropped} windows dropped so far (oldest first)`);
    }
  }

  /** Sends the outbox's windows in order, each until JetStream stores it. */
  async #send(): Promise<void> {
    for (;;) {
      const item = await this.#outbox.peek();
      if (item === null) return;
      const header: WindowHeader = { ...item.header, windowsDroppedBefore: this.#outbox.dropped + this.#stats.tooLarge };
      const pairs = natsHeaders();
      for (const [name, value] of headerPairs(header)) pairs.set(name, value);
      try {
        const ack = await this.#jetstream.publish(this.subject, item.body, {
          msgID: windowMessageId(header.sensor, header.inputSha256, header.windowStartUs),
          headers: pairs,
          timeout: PUBLISH_TIMEOUT_MS,
        });
        if (ack.duplicate) this.#stats.duplicates++;
        this.#stats.published++;
        this.#stats.publishedBytes += item.bytes;
        this.#outbox.delivered(item);
      } catch (error) {
        if (this.#connection.isClosed()) return;
        this.#stats.retries++;
        const message = (error as Error).message;
        if (message !== this.#lastFailure) this.#options.log(`sensor ${this.#options.sensor}: publishing failed (${message}); retrying`);
        this.#lastFailure = message;
        if (this.#stopping && this.#outbox.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }

  stats(): PublisherStats {
    return {
      ...this.#stats,
      buffered: this.#outbox.length,
      bufferedBytes: this.#outbox.bytes,
      dropped: this.#outbox.dropped,
      droppedBytes: this.#outbox.droppedBytes,
      connected: this.#connected,
    };
  }

  /**
   * No more windows: waits (up to drainTimeoutMs) for the outbox to be stored, drops and counts
   * what is left, and closes the connection. Returns the final figures.
   */
  async close(): Promise<PublisherStats> {
    this.#stopping = true;
    this.#outbox.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#options.drainTimeoutMs);
    });
    const gaveUp = await Promise.race([this.#sender.then(() => false), timedOut]);
    clearTimeout(timer);
    if (gaveUp) {
      const left = this.#outbox.dropAll();
      if (left > 0) this.#options.log(`warning: sensor ${this.#options.sensor}: the NATS server did not take the last ${left} windows within ${this.#options.drainTimeoutMs / 1000} s: dropped`);
    }
    await this.#connection.close().catch(() => {});
    await this.#sender.catch(() => {});
    return this.stats();
  }
}
