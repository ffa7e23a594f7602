// The options of a sensor that publishes its windows to NATS instead of scoring them
// (`analyze --publish`, `live --publish`): declared once, converted once, every default here.
import { hostname } from 'node:os';

import { usageError } from '../errors.js';
import { checkName, DEFAULT_STREAM, natsServers } from '../nats/addressing.js';
import type { PublisherOptions } from '../nats/window-publisher.js';
import type { FeatureSchema } from '../pipeline/features.js';
import { byteSize } from './byte-size.js';
import type { OptionValues, OptionsConfig } from './options.js';
import { choice, numberIn, wholeNumberIn } from './values.js';

export const publishOptions = {
  publish: { type: 'string' },
  sensor: { type: 'string' },
  stream: { type: 'string' },
  'buffer-windows': { type: 'string' },
  'buffer-bytes': { type: 'string' },
  'when-full': { type: 'string' },
  'drain-timeout': { type: 'string' },
} as const satisfies OptionsConfig;

export interface Publishing {
  servers: string[];
  /** The URL as given (for messages). */
  url: string;
  sensor: string;
  stream: string;
  bufferWindows: number;
  bufferBytes: number;
  whenFull: 'drop' | 'wait';
  drainTimeoutMs: number;
}

/** The publisher of a sensor with these options: `onTooLarge` is the command's (an archive
 * fails, a live capture drops and counts). */
export function publisherOptionsOf(
  publishing: Publishing,
  schema: FeatureSchema,
  onTooLarge: PublisherOptions['onTooLarge'],
  log: (line: string) => void,
): PublisherOptions {
  return {
    servers: publishing.servers,
    stream: publishing.stream,
    sensor: publishing.sensor,
    schema,
    bufferWindows: publishing.bufferWindows,
    bufferBytes: publishing.bufferBytes,
    whenFull: publishing.whenFull,
    onTooLarge,
    drainTimeoutMs: publishing.drainTimeoutMs,
    log,
  };
}

export const DEFAULT_BUFFER_WINDOWS = 1000;
export const DEFAULT_BUFFER_BYTES = 256 * 1024 * 1024;
export const DEFAULT_DRAIN_TIMEOUT_S = 60;

/** The host's name as a sensor name: what NATS subjects allow. */
export function defaultSensorName(): string {
  const name = hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return name === '' ? 'sensor' : name;
}

/**
 * The publishing options, checked; null without --publish (and then none of the others may be
 * given). `whenFull` is the command's default: an archive waits, a live capture drops.
 */
export function publishing(values: OptionValues, defaults: { whenFull: 'drop' | 'wait' }): Publishing | null {
  const url = values.publish as string | undefined;
  if (url === undefined) {
    const stray = Object.keys(publishOptions).find((name) => name !== 'publish' && values[name] !== undefined);
    if (stray) throw usageError(`--${stray} is an option of a sensor: it needs --publish nats://HOST:PORT`);
    return null;
  }
  return {
    servers: natsServers(url, '--publish'),
    url,
    sensor: checkName((values.sensor as string | undefined) ?? defaultSensorName(), '--sensor'),
    stream: checkName((values.stream as string | undefined) ?? DEFAULT_STREAM, '--stream'),
    bufferWindows: wholeNumberIn(values['buffer-windows'] as string | undefined, '--buffer-windows', { what: 'a whole number of windows', min: 1, max: 10_000_000 }) ?? DEFAULT_BUFFER_WINDOWS,
    bufferBytes: byteSize(values['buffer-bytes'] as string | undefined, '--buffer-bytes', { minBytes: 1024 * 1024, maxBytes: 2 ** 40 }) ?? DEFAULT_BUFFER_BYTES,
    whenFull: choice(values['when-full'] as string | undefined, ['drop', 'wait'] as const, '--when-full') ?? defaults.whenFull,
    drainTimeoutMs: (numberIn(values['drain-timeout'] as string | undefined, '--drain-timeout', { what: 'a number of seconds', min: 0, max: 86_400 }) ?? DEFAULT_DRAIN_TIMEOUT_S) * 1000,
  };
}

/** Options that score or record, which a sensor leaves to the scorers: refused beside --publish. */
export function refuseWithPublish(values: OptionValues, names: readonly string[]): void {
  for (const name of names) {
    if (values[name] !== undefined) throw usageError(`--${name} has no use with --publish: the scorers (flowhound serve) score and record the windows`);
  }
}
