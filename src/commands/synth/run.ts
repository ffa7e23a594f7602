// `flowhound synth`: a capture rebuilt from labelled flow records, or generated traffic.
import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import {
  awaitNative,
  callNative,
  native,
  type GenerateOptions,
  type NativeSynthJob,
  type SynthRecordsOptions,
  type SynthSummary,
} from '../../native.js';
import { formatCaptureTime, ProgressLine } from '../../progress.js';
import { GuardedNativeOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets } from '../../sinks/output-target.js';

export interface SynthRecordsCommandOptions extends Omit<SynthRecordsOptions, 'labelsPath'> {
  flows: string;
  output: string;
  /** Labels sidecar path, or null for none. */
  labels: string | null;
}

export interface SynthCommandContext extends OverwriteConfirmation {
  quiet: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

async function runJob(job: NativeSynthJob, label: 'synth' | 'generate', context: SynthCommandContext): Promise<SynthSummary> {
  const generating = label === 'generate';
  const progress = new ProgressLine(
    () => {
      const p = job.progress();
      const snapshot = { bytesConsumed: p.bytesDone, totalBytes: p.totalBytes, packets: p.packets, records: p.records };
      return generating ? { ...snapshot, captureUs: p.captureUs, totalCaptureUs: p.totalCaptureUs } : snapshot;
    },
    { quiet: context.quiet, label, records: !generating },
  );
  const onAbort = () => job.cancel();
  context.signal?.addEventListener('abort', onAbort);
  try {
    return await awaitNative(job.run());
  } finally {
    context.signal?.removeEventListener('abort', onAbort);
    progress.stop();
  }
}

export async function runSynthRecords(options: SynthRecordsCommandOptions, context: SynthCommandContext): Promise<SynthSummary> {
  const targets = checkOutputTargets({ outputs: options.labels === null ? [options.output] : [options.output, options.labels], inputs: [options.flows] });
  await context.confirmOverwrite?.(targets);
  const capture = await GuardedNativeOutput.open(targets[0]!);
  let labels: GuardedNativeOutput | null = null;
  const { flows, output: _output, labels: _labels, ...recordOptions } = options;
  const started = Date.now();
  let summary: SynthSummary;
  try {
    if (targets[1] !== undefined) labels = await GuardedNativeOutput.open(targets[1]);
    const labelsPath = labels?.writePath;
    const job = callNative(() => native.SynthJob.fromFlowFile(flows, capture.writePath, { ...recordOptions, labelsPath }));
    summary = await runJob(job, 'synth', context);
  } catch (error) {
    await Promise.all([capture.discard(), labels?.discard()]);
    throw error;
  }
  if (summary.cancelled) {
    await Promise.all([capture.discard(), labels?.discard()]);
    return summary;
  }
  try {
    await capture.commit();
    await labels?.commit();
  } catch (error) {
    await Promise.all([capture.discard(), labels?.discard()]);
    throw error;
  }
  if (!context.quiet) {
    const seconds = (Date.now() - started) / 1000;
    context.log(
      `synth: ${summary.recordsSynthesized} of ${summary.recordsIn} records → ${summary.packetsWritten} packets, ` +
        `${summary.fileBytes} bytes in ${seconds.toFixed(2)} s (${formatRate(summary.packetsWritten / seconds)} packets/s) → ${options.output}`,
    );
    if (labels) context.log(`  labels: ${options.labels}`);
    const skipped: [number, string][] = [
      [summary.skippedNotIp, 'not IP (arp, llc, …)'],
      [summary.skippedTimeRange, 'outside --from/--to'],
      [summary.skippedHosts, 'outside --hosts'],
      [summary.skippedOutOfOrder, 'out of time order beyond the reorder window'],
      [summary.recordsSkipped - summary.skippedNotIp - summary.skippedTimeRange - summary.skippedHosts - summary.skippedOutOfOrder, 'for other reasons (no IP ends, no packets, times pcap cannot hold)'],
      [summary.recordsInexact, 'made as near as possible (bytes and packets cannot all be met)'],
      [summary.rowsSkipped, 'unreadable rows skipped (--keep-going)'],
    ];
    for (const [count, reason] of skipped) if (count > 0) context.log(`  ${count} records ${reason}`);
  }
  return summary;
}

export interface GenerateCommandOptions extends GenerateOptions {
  output: string;
}

export async function runGenerate(options: GenerateCommandOptions, context: SynthCommandContext): Promise<SynthSummary> {
  const targets = checkOutputTargets({ outputs: [options.output], inputs: [] });
  await context.confirmOverwrite?.(targets);
  const capture = await GuardedNativeOutput.open(targets[0]!);
  const { output: _output, ...generateOptions } = options;
  const started = Date.now();
  let summary: SynthSummary;
  try {
    const job = callNative(() => native.SynthJob.generate(capture.writePath, generateOptions));
    summary = await runJob(job, 'generate', context);
  } catch (error) {
    await capture.discard();
    throw error;
  }
  if (summary.cancelled) {
    await capture.discard();
    return summary;
  }
  await capture.commit();
  if (!context.quiet) {
    const seconds = (Date.now() - started) / 1000;
    const span = summary.packetsWritten > 0 ? `${formatCaptureTime(summary.lastPacketUs - summary.firstPacketUs)} of traffic` : 'no traffic';
    context.log(
      `synth: generated ${summary.packetsWritten} packets of ${summary.flows} flows, ${summary.fileBytes} bytes in ` +
        `${seconds.toFixed(2)} s → ${options.output} (${span})`,
    );
    if (summary.infectedHosts.length > 0) context.log(`  infected hosts: ${summary.infectedHosts.join(' ')}`);
  }
  return summary;
}

function formatRate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : `${Math.round(perSecond)}`;
}
