// `flowhound analyze INPUT… --publish nats://HOST:PORT`: a sensor for archives. The inputs are
// read into windows of feature rows natively, as analyze reads them, and each closed window is
// published to NATS JetStream instead of being scored here: the scorers (`flowhound serve`)
// score, rank and record. Reading pauses while the buffer is full (--when-full wait, the
// default here), so an archive loses nothing to an outage; the end says what was published
// and what, if anything, was dropped.
import { publisherOptionsOf, type Publishing } from '../../cli/publish-options.js';
import { ExitCode } from '../../errors.js';
import { describeInput } from '../../pipeline/input-fingerprint.js';
import { FeatureReader, featureSchema, windowingOf, type FeatureReaderOptions } from '../../pipeline/features.js';
import { readInputs } from '../../pipeline/read-loop.js';
import { publisherLine, reportPeriodically } from '../../nats/sensor-report.js';
import { WindowPublisher, type PublishedInput, type PublisherStats } from '../../nats/window-publisher.js';

export interface AnalyzePublishOptions {
  inputs: string[];
  reader: Omit<FeatureReaderOptions, 'labelsPath' | 'infected' | 'flowColumns'>;
  publishing: Publishing;
  /** Seconds between status lines (0: none). */
  statusIntervalS: number;
  quiet: boolean;
  json: boolean;
  log: (line: string) => void;
  write: (data: string) => Promise<void>;
  signal?: AbortSignal;
}

export interface AnalyzePublishOutcome {
  exitCode: ExitCode;
  windows: number;
  stats: PublisherStats;
}

export async function runAnalyzePublish(options: AnalyzePublishOptions): Promise<AnalyzePublishOutcome> {
  const { publishing } = options;
  // Every input opens (and fails) before the broker is contacted.
  const readers = options.inputs.map((path) => FeatureReader.open(path, { ...options.reader, flowColumns: false }));
  const identities = await Promise.all(options.inputs.map(describeInput));
  const inputs: PublishedInput[] = readers.map((reader, i) => {
    const effective = reader.options;
    return {
      input: options.inputs[i]!,
      sha256: identities[i]!.sha256,
      sizeBytes: identities[i]!.sizeBytes,
      reading: { lan: effective.lan, ...windowingOf(effective, options.inputs[i]!), utcOffsetMinutes: effective.flows.utcOffsetMinutes },
    };
  });
  const publisher = await WindowPublisher.open(publisherOptionsOf(publishing, featureSchema(), 'throw', options.log));
  if (!options.quiet) options.log(`analyze: sensor ${publishing.sensor} → ${publishing.url}, stream ${publishing.stream}, subject ${publisher.subject}`);
  const stopReports = options.quiet ? () => {} : reportPeriodically(publisher, publishing.sensor, options.statusIntervalS, options.log);
  let windows = 0;
  let stats: PublisherStats;
  try {
    const outcome = await readInputs(
      readers,
      async (window, inputIndex) => {
        await publisher.publish(window, inputs[inputIndex]!);
        windows++;
      },
      { label: 'analyze', quiet: options.quiet, log: options.log, signal: options.signal },
    );
    stats = await publisher.close();
    stopReports();
    if (!options.quiet) options.log(`analyze: ${windows} windows of ${options.inputs.length} input${options.inputs.length === 1 ? '' : 's'} read; ${publisherLine(publishing.sensor, stats)}`);
    if (options.json) {
      await options.write(
        `${JSON.stringify({ sensor: publishing.sensor, stream: publishing.stream, subject: publisher.subject, windows_read: windows, windows_published: stats.published, bytes_published: stats.publishedBytes, windows_dropped: stats.dropped + stats.tooLarge, retries: stats.retries, interrupted: outcome.interrupted }, null, 2)}\n`,
      );
    }
    return { exitCode: outcome.interrupted ? ExitCode.interrupted : ExitCode.ok, windows, stats };
  } finally {
    stopReports();
    await publisher.close();
  }
}
