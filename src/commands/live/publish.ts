// `flowhound live IFACE --publish nats://HOST:PORT`: a sensor on a mirror port. The capture
// thread builds each window's feature rows as `live` does, and each closed window is published
// to NATS JetStream, with what the kernel counted and dropped while it was open, instead of
// being scored here: the scorers (`flowhound serve`) score, record and alert. A capture cannot
// pause, so while the broker is away windows wait in a bounded buffer and, past it, the oldest
// are dropped (--when-full drop, the default here): counted in the status lines, in the next
// windows' headers (the scorers report them), and at the end. Ctrl-C or SIGTERM closes the
// open windows (partial), publishes them, and exits 0.
import { createHash } from 'node:crypto';

import { publisherOptionsOf, type Publishing } from '../../cli/publish-options.js';
import { ExitCode } from '../../errors.js';
import { featureSchema, windowingOf } from '../../pipeline/features.js';
import { listInterfaces, LiveReader } from '../../pipeline/live.js';
import { readInputs } from '../../pipeline/read-loop.js';
import { publisherLine, reportPeriodically } from '../../nats/sensor-report.js';
import { WindowPublisher, type PublishedInput } from '../../nats/window-publisher.js';
import { captureSettingsOf } from './capture-settings.js';
import { defaultLan, type LiveOptions } from './run.js';

export type LivePublishOptions = Pick<
  LiveOptions,
  'interface' | 'lan' | 'windowSeconds' | 'stepSeconds' | 'maxActiveFlows' | 'memcapBytes' | 'bpf' | 'snaplen' | 'bufferSizeBytes' | 'promiscuous' | 'durationSeconds' | 'maxPackets' | 'quiet' | 'log'
> & { publishing: Publishing; statusIntervalS: number };

export interface LivePublishOutcome {
  exitCode: ExitCode;
  windows: number;
  packets: number;
  kernelDropped: number;
  windowsDropped: number;
}

export async function runLivePublish(options: LivePublishOptions): Promise<LivePublishOutcome> {
  const { publishing } = options;
  const lan = options.lan ?? defaultLan(listInterfaces().find((i) => i.name === options.interface));
  const reader = LiveReader.open(options.interface, {
    lan,
    ...captureSettingsOf(options),
    onEvent: (event) => options.log(`live: interface ${options.interface} ${event}`),
  });
  let stops = 0;
  const onStop = (signal: NodeJS.Signals) => {
    stops++;
    if (stops === 1) {
      options.log(`\nlive: ${signal}: closing the open windows (partial), publishing them, stopping…`);
      reader.stop();
    } else if (signal === 'SIGINT') {
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  let publisher: WindowPublisher | null = null;
  try {
    const input = `live:${options.interface}`;
    const startedAt = new Date().toISOString();
    const effective = reader.options;
    const published: PublishedInput = {
      input,
      // A capture has no content to fingerprint: each capture is an input of its own.
      sha256: createHash('sha256').update(`${publishing.sensor}\n${input}\n${startedAt}\n${process.pid}`).digest('hex'),
      sizeBytes: 0,
      reading: { lan: effective.lan, ...windowingOf(effective, input), utcOffsetMinutes: effective.flows.utcOffsetMinutes },
    };
    publisher = await WindowPublisher.open(publisherOptionsOf(publishing, featureSchema(), 'drop', options.log));
    options.log(
      `live: capturing on ${options.interface}; sensor ${publishing.sensor} → ${publishing.url}, stream ${publishing.stream}, subject ${publisher.subject}\n` +
        `live: LAN ${lan.join(', ')}; windows of ${published.reading.windowSeconds} s every ${published.reading.stepSeconds} s`,
    );
    const stopReports = reportPeriodically(publisher, publishing.sensor, options.quiet ? 0 : options.statusIntervalS, options.log);
    let windows = 0;
    try {
      await readInputs(
        [reader],
        async (window) => {
          const facts = reader.factsOf(window);
          await publisher!.publish(
            window,
            published,
            facts && { kernelReceived: facts.kernelReceived, kernelDropped: facts.kernelDropped, interfaceDropped: facts.interfaceDropped, partial: facts.partial },
          );
          windows++;
        },
        { label: 'live', quiet: true, log: options.log },
      );
    } finally {
      stopReports();
    }
    const stats = await publisher.close();
    const status = reader.status();
    const count = (n: number) => n.toLocaleString('en-US');
    options.log(
      `live: stopped after ${count(status.packets)} packets in ${count(windows)} windows; kernel drops ${count(status.kernelDropped)} (ps_drop), ` +
        `${count(status.interfaceDropped)} (ps_ifdrop); ${publisherLine(publishing.sensor, stats)}`,
    );
    return { exitCode: ExitCode.ok, windows, packets: status.packets, kernelDropped: status.kernelDropped, windowsDropped: stats.dropped + stats.tooLarge };
  } finally {
    reader.stop();
    await publisher?.close();
  }
}
