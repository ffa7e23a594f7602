// A scorer's side of NATS: the deployment's stream and the durable pull consumer every scorer
// shares (JetStream hands each window to one of them), windows handed to a handler at most
// `concurrency` at a time. The handler's verdict decides the message's fate: `done` acks it
// (after the handler has committed it: at-least-once, made exactly-once in effect by the
// history's idempotent commit), `refused` terminates it (never redelivered: another schema,
// or unreadable). A handler that throws naks the window (another scorer, or this one later,
// takes it) and stops the consumer. While a window is being scored, JetStream is told now and
// then that it is still in hand, so a long window is not given to a second scorer meanwhile.
import type { ConsumerMessages, JetStreamManager, JsMsg, NatsConnection } from 'nats';

import { connectNats } from './connection.js';
import { ACK_WAIT_NS, SCORERS_CONSUMER, SUBJECT_PREFIX, sensorOfSubject } from './addressing.js';
import { ensureScorersConsumer, ensureStream, jetStreamError } from './layout.js';

export type Verdict = 'done' | 'refused';

export interface ConsumerOptions {
  servers: string[];
  stream: string;
  /** As the server's monitoring shows this scorer. */
  name: string;
  log: (line: string) => void;
}

export interface ConsumeOptions {
  /** Windows in hand at once. */
  concurrency: number;
  /** Ends consuming (Ctrl-C, SIGTERM): the windows in hand are finished first. */
  signal: AbortSignal;
  /** Ends consuming once nothing has come for this long and the stream is empty, ms. */
  exitWhenIdleMs?: number;
}

/** How often a window in hand is declared still in hand: well within the ack wait. */
const WORKING_EVERY_MS = ACK_WAIT_NS / 1e6 / 4;
const NAK_DELAY_MS = 2000;
/**
 * How long a pull for windows stands (nats.js: 30 s). It also sets how soon a lost pull is
 * noticed (heartbeats every half of it) and the wait between tries when the server is back but
 * its JetStream is not ready yet: a scorer takes up windows again within seconds of a NATS
 * restart, not half a minute later.
 */
const PULL_EXPIRES_MS = 5000;

export class WindowConsumer {
  readonly #options: ConsumerOptions;
  readonly #connection: NatsConnection;
  readonly #manager: JetStreamManager;
  /** When the connection was last lost or back: an outage is no idleness. */
  #lastStatusChange = Date.now();

  private constructor(options: ConsumerOptions, connection: NatsConnection, manager: JetStreamManager) {
    this.#options = options;
    this.#connection = connection;
    this.#manager = manager;
  }

  /** Connects; creates the stream and the scorers' consumer when they are not there. */
  static async open(options: ConsumerOptions): Promise<WindowConsumer> {
    const holder: { consumer: WindowConsumer | null } = { consumer: null };
    const connection = await connectNats(options.servers, {
      name: options.name,
      onStatus: (event) => {
        if (holder.consumer) holder.consumer.#lastStatusChange = Date.now();
        options.log(event === 'disconnected' ? 'serve: lost the NATS server; waiting for it' : 'serve: NATS server back');
      },
    });
    try {
      const manager = await connection.jetstreamManager();
      await ensureStream(manager, options.stream);
      await ensureScorersConsumer(manager, options.stream);
      holder.consumer = new WindowConsumer(options, connection, manager);
      return holder.consumer;
    } catch (error) {
      await connection.close();
      throw jetStreamError(error, `cannot set up stream ${options.stream}`);
    }
  }

  /** Each sensor's windows still in the stream (not yet acknowledged by a scorer); null when the server cannot say now. */
  async pending(): Promise<Record<string, number> | null> {
    try {
      const info = await this.#manager.streams.info(this.#options.stream, { subjects_filter: `${SUBJECT_PREFIX}.>` });
      const pending: Record<string, number> = {};
      for (const [subject, count] of Object.entries(info.state.subjects ?? {})) pending[sensorOfSubject(subject)] = count;
      return pending;
    } catch {
      return null;
    }
  }

  /** Hands windows to `handle` until the signal or idleness ends it; a handler failure is thrown once the windows in hand are done. */
  async consume(handle: (message: JsMsg) => Promise<Verdict>, options: ConsumeOptions): Promise<void> {
    const consumer = await this.#connection.jetstream().consumers.get(this.#options.stream, SCORERS_CONSUMER);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: options.concurrency, expires: PULL_EXPIRES_MS });
    const inHand = new Set<Promise<void>>();
    let failure: { error: unknown } | null = null;
    let lastActivity = Date.now();
    const stop = () => messages.stop();
    options.signal.addEventListener('abort', stop, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    if (options.exitWhenIdleMs !== undefined) {
      const idleMs = options.exitWhenIdleMs;
      let checking = false;
      const idle = () => inHand.size === 0 && Date.now() - Math.max(lastActivity, this.#lastStatusChange) >= idleMs;
      idleTimer = setInterval(() => {
        if (checking || !idle()) return;
        checking = true;
        void this.pending()
          .then((pending) => {
            if (pending !== null && Object.values(pending).every((n) => n === 0) && idle()) stop();
          })
          .finally(() => {
            checking = false;
          });
      }, Math.min(500, idleMs));
    }
    try {
      for await (const message of messages) {
        lastActivity = Date.now();
        if (failure !== null || options.signal.aborted) {
          // Taken after the end was decided: left for another scorer at once.
          message.nak();
          continue;
        }
        const work = this.#handleOne(message, handle)
          .catch((error: unknown) => {
            failure ??= { error };
            stop();
          })
          .finally(() => {
            inHand.delete(work);
            lastActivity = Date.now();
          });
        inHand.add(work);
        while (inHand.size >= options.concurrency) await Promise.race(inHand);
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      clearInterval(idleTimer);
      await Promise.allSettled([...inHand]);
    }
    if (failure !== null) throw (failure as { error: unknown }).error;
  }

  async #handleOne(message: JsMsg, handle: (message: JsMsg) => Promise<Verdict>): Promise<void> {
    const working = setInterval(() => message.working(), WORKING_EVERY_MS);
    let verdict: Verdict;
    try {
      verdict = await handle(message);
    } catch (error) {
      message.nak(NAK_DELAY_MS);
      throw error;
    } finally {
      clearInterval(working);
    }
    if (verdict === 'refused') message.term();
    // Acknowledged, and the server's receipt awaited: once this returns, no other scorer gets
    // it. An acknowledgement lost in an outage only means the window comes again, and is found
    // in the history.
    else await message.ackAck().catch(() => false);
  }

  async close(): Promise<void> {
    await this.#connection.drain().catch(() => this.#connection.close());
  }
}
