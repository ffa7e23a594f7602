// How a deployment lays windows out on JetStream (names in addressing.ts): one stream holding
// every sensor's subject, kept on disk until a scorer has acknowledged them (work-queue
// retention: what is in the stream is what is still to score, so its count per subject is
// each sensor's lag), remembering message ids for DUPLICATE_WINDOW_NS; one durable pull
// consumer that every scorer shares.
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from 'nats';

import { FlowhoundError } from '../errors.js';
import { DUPLICATE_WINDOW_NS, ACK_WAIT_NS, SCORERS_CONSUMER, SUBJECT_PREFIX } from './addressing.js';

/** Creates the stream if it is not there; one that is there keeps its settings (an operator's). */
export async function ensureStream(manager: JetStreamManager, stream: string): Promise<void> {
  try {
    await manager.streams.info(stream);
    return;
  } catch (error) {
    if (!/stream not found/i.test((error as Error).message)) throw jetStreamError(error, `cannot read stream ${stream}`);
  }
  try {
    await manager.streams.add({
      name: stream,
      subjects: [`${SUBJECT_PREFIX}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: DUPLICATE_WINDOW_NS,
    });
  } catch (error) {
    // Another sensor or scorer made it meanwhile.
    if (/already in use|already exists/i.test((error as Error).message)) return;
    throw jetStreamError(error, `cannot create stream ${stream}`);
  }
}

/** Creates the scorers' durable pull consumer if it is not there. */
export async function ensureScorersConsumer(manager: JetStreamManager, stream: string): Promise<void> {
  try {
    await manager.consumers.info(stream, SCORERS_CONSUMER);
    return;
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw jetStreamError(error, `cannot read consumer ${SCORERS_CONSUMER} of stream ${stream}`);
  }
  try {
    await manager.consumers.add(stream, {
      durable_name: SCORERS_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ACK_WAIT_NS,
      // Unlimited: a window is redelivered until some scorer commits it, or refuses it (term).
      max_deliver: -1,
    });
  } catch (error) {
    if (/already in use|already exists/i.test((error as Error).message)) return;
    throw jetStreamError(error, `cannot create consumer ${SCORERS_CONSUMER} of stream ${stream}`);
  }
}

export function jetStreamError(error: unknown, doing: string): FlowhoundError {
  if (error instanceof FlowhoundError) return error;
  const message = (error as Error).message ?? String(error);
  const hint = /jetstream not enabled|503/i.test(message) ? ' (is JetStream on? start nats-server with -js)' : '';
  return new FlowhoundError('ERR_NATS_JETSTREAM', `${doing}: ${message}${hint}`);
}
