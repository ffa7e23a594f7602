// A connection to a NATS server, for sensors (--publish URL) and scorers (--nats URL): the URL
// checked, the server reached or an ERR_NATS_CONNECT that says which and why, and reconnection
// for ever afterwards (a broker restart is an outage to ride out, not the end of a sensor).
import { connect, Events, type NatsConnection } from 'nats';

import { FlowhoundError } from '../errors.js';

export interface ConnectOptions {
  /** Who connects, as the server's monitoring shows it ('flowhound sensor NAME'). */
  name: string;
  /** How long the first connection may take, ms. */
  timeoutMs?: number;
  /** Told when the connection is lost and back. */
  onStatus?: (event: 'disconnected' | 'reconnected') => void;
}

/** Connects; ERR_NATS_CONNECT when the server cannot be reached at first. */
export async function connectNats(servers: string[], options: ConnectOptions): Promise<NatsConnection> {
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers,
      name: options.name,
      timeout: options.timeoutMs ?? 5000,
      // Once connected, never give up: an outage is waited out (the sensor's buffer holds the windows meanwhile).
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 5000,
    });
  } catch (error) {
    throw new FlowhoundError('ERR_NATS_CONNECT', `cannot reach the NATS server at ${servers.join(', ')}: ${(error as Error).message}`);
  }
  if (options.onStatus) {
    const onStatus = options.onStatus;
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === Events.Disconnect) onStatus('disconnected');
        else if (status.type === Events.Reconnect) onStatus('reconnected');
      }
    })().catch(() => {});
  }
  return connection;
}
