// What `live` hands the capture from its options, whether it scores the windows here (run.ts)
// or publishes them to the scorers (publish.ts): one mapping, so that a sensor captures exactly
// as `live` does.
import type { LiveReaderOptions } from '../../pipeline/live.js';
import type { LiveOptions } from './run.js';

export type CaptureSettingsSource = Pick<
  LiveOptions,
  'windowSeconds' | 'stepSeconds' | 'maxActiveFlows' | 'memcapBytes' | 'snaplen' | 'bufferSizeBytes' | 'promiscuous' | 'bpf' | 'durationSeconds' | 'maxPackets'
>;

/** The capture's settings from `live`'s options; the LAN and the callbacks are the caller's. */
export function captureSettingsOf(options: CaptureSettingsSource): Omit<LiveReaderOptions, 'lan' | 'onEvent' | 'onPoll'> {
  return {
    windowSeconds: options.windowSeconds,
    stepSeconds: options.stepSeconds,
    maxActiveFlows: options.maxActiveFlows,
    memcapBytes: options.memcapBytes,
    snaplen: options.snaplen,
    bufferSizeBytes: options.bufferSizeBytes,
    promiscuous: options.promiscuous,
    bpf: options.bpf,
    durationSeconds: options.durationSeconds,
    maxPackets: options.maxPackets,
  };
}
