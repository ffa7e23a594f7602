// How flowhound addresses things on NATS: the server URLs given (--publish, --nats), the
// deployment's stream (--stream, default FLOWHOUND), a subject per sensor
// (flowhound.windows.<sensor>), the scorers' shared durable consumer, and a window's message
// id, sensor/input/window start, by which JetStream drops a window published twice within
// its duplicate window. No NATS client here: the command line checks these before any run
// module loads.
import { usageError } from '../errors.js';

/** nats://HOST:PORT (or several, comma-separated), checked: what the nats client is given. */
export function natsServers(url: string, option: string): string[] {
  const servers = url.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (servers.length === 0) throw usageError(`${option} needs a NATS server URL: nats://HOST:PORT`);
  for (const server of servers) {
    let parsed: URL;
    try {
      parsed = new URL(server);
    } catch {
      throw usageError(`${option}: '${server}' is not a URL; give nats://HOST:PORT`);
    }
    if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') throw usageError(`${option}: '${server}' is not a NATS URL; give nats://HOST:PORT`);
    if (parsed.hostname === '') throw usageError(`${option}: '${server}' names no host; give nats://HOST:PORT`);
  }
  return servers;
}

export const DEFAULT_STREAM = 'FLOWHOUND';
export const SUBJECT_PREFIX = 'flowhound.windows';
/** The durable consumer every scorer of a stream pulls from. */
export const SCORERS_CONSUMER = 'flowhound-scorers';
/** How long JetStream remembers message ids, ns: a sensor restarted within it republishes nothing twice. */
export const DUPLICATE_WINDOW_NS = 2 * 3600 * 1e9;
/** How long a scorer may hold a window before JetStream hands it to another, ns (a scorer extends it while it works). */
export const ACK_WAIT_NS = 10 * 1e9;

/** A sensor's or stream's name: letters, digits, '-' and '_' (a NATS subject token, and a stream name). */
export function checkName(name: string, option: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw usageError(`${option} '${name}': use 1 to 64 letters, digits, '-' or '_'`);
  return name;
}

export function sensorSubject(sensor: string): string {
  return `${SUBJECT_PREFIX}.${sensor}`;
}

/** The sensor a subject names. */
export function sensorOfSubject(subject: string): string {
  return subject.startsWith(`${SUBJECT_PREFIX}.`) ? subject.slice(SUBJECT_PREFIX.length + 1) : subject;
}

export function windowMessageId(sensor: string, inputSha256: string, windowStartUs: number): string {
  return `${sensor}/${inputSha256}/${windowStartUs}`;
}

