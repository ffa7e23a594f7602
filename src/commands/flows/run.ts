// `flowhound flows`: any input → flow records (binetflow CSV or Arrow IPC).
import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import { FlowReader, type FlowOptions } from '../../pipeline/flows.js';
import { readInputs, type InputReader, type ReadLoopOptions, type ReadOutcome } from '../../pipeline/read-loop.js';
import { ArrowFlowSink } from '../../sinks/arrow-flows.js';
import { BinetflowCsvSink } from '../../sinks/binetflow-csv.js';
import { flowFormatFromPath, type FlowOutputFormat, type FlowSink } from '../../sinks/flow-sink.js';
import { GuardedOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets } from '../../sinks/output-target.js';
import { usageError } from '../../errors.js';

export interface FlowsCommandOptions extends FlowOptions, OverwriteConfirmation {
  input: string;
  /** Output path; null or '-' for standard output. */
  output: string | null;
  format: FlowOutputFormat | null;
  quiet: boolean;
  /** Receives the human summary and warnings (stderr in the CLI). */
  log: (line: string) => void;
  /** Aborts the run (SIGINT). */
  signal?: AbortSignal;
}

export interface FlowsSummary {
  records: number;
  packets: number;
  bytesConsumed: number;
  inputKind: string;
  elapsedMs: number;
  damaged: boolean;
}

export async function runFlows(options: FlowsCommandOptions): Promise<FlowsSummary> {
  const format = options.format ?? (options.output ? flowFormatFromPath(options.output) : null) ?? 'csv';
  if (options.output === null && format === 'arrow' && process.stdout.isTTY) {
    throw usageError('refusing to write binary Arrow data to a terminal: give -o FILE.arrow or redirect the output');
  }
  const targets = checkOutputTargets({ outputs: [options.output], inputs: [options.input] });
  await options.confirmOverwrite?.(targets);
  const startedMs = Date.now();
  const reader = FlowReader.open(options.input, options);
  const windowed = reader.inputKind === 'capture' && !options.whole;
  const csvLayout = { label: reader.inputKind === 'flowFile', windowed };
  const output = await GuardedOutput.open(targets[0]!);
  const reading = { label: 'flows', quiet: options.quiet, log: options.log, signal: options.signal };
  // The addon makes each batch's CSV text or Arrow columns: no record becomes a JavaScript value.
  const { interrupted } =
    format === 'arrow'
      ? await writeAll(reader.arrow(), new ArrowFlowSink(output, targets[0]!.kind === 'standard-output' || options.output!.endsWith('.arrows')), reading)
      : await writeAll(reader.csv(csvLayout), new BinetflowCsvSink(output, csvLayout), reading);
  // Ctrl-C leaves no output: a part of the records would look like all of them.
  if (interrupted) throw options.signal!.reason;

  const finalProgress = reader.progress();
  const damage = reader.damage();
  const summary: FlowsSummary = {
    records: finalProgress.records,
    packets: finalProgress.packets,
    bytesConsumed: finalProgress.bytesConsumed,
    inputKind: reader.inputKind,
    elapsedMs: Date.now() - startedMs,
    damaged: damage !== null,
  };
  if (!options.quiet) {
    const stats = reader.stats();
    const from = reader.inputKind === 'capture' ? plural(summary.packets, 'packet') : 'flow file';
    const read = reader.options;
    const mode = reader.inputKind !== 'capture'
      ? ''
      : read.whole
        ? `, whole capture, status interval ${read.statusIntervalSeconds} s`
        : `, windows ${read.windowSeconds} s every ${read.stepSeconds} s`;
    options.log(
      `flows: ${plural(summary.records, 'record')} from ${from}${mode} in ${(summary.elapsedMs / 1000).toFixed(2)} s` +
        (options.output && options.output !== '-' ? ` → ${options.output}` : ''),
    );
    // Early evictions by their cause: the active-flow cap, or the memory budget.
    const byCause = { ...stats, flowsEvictedEarly: stats.flowsEvictedEarly - stats.flowsEvictedMemcap };
    for (const line of describeStats(byCause)) options.log(`  ${line}`);
  }
  return summary;
}

/** Reads every batch into the sink; removes the output on any failure or on Ctrl-C. */
async function writeAll<Batch>(reader: InputReader<Batch>, sink: FlowSink<Batch>, reading: ReadLoopOptions): Promise<ReadOutcome> {
  try {
    const outcome = await readInputs([reader], (batch) => sink.write(batch), reading);
    if (outcome.interrupted) await sink.abort();
    else await sink.close();
    return outcome;
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The statistics worth a line: anything that was not turned into an ordinary flow. */
function describeStats(stats: object): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(stats)) {
    if (typeof value === 'number' && value > 0 && NOTEWORTHY_STATS.has(name)) {
      lines.push(`${NOTEWORTHY_STATS.get(name)}: ${value}`);
    }
  }
  return lines;
}

const NOTEWORTHY_STATS = new Map<string, string>([
  ['nonIpPackets', 'non-IP packets (not in IP flows)'],
  ['undecodablePackets', 'undecodable packets'],
  ['orphanFragments', 'IP fragments whose first fragment was not seen'],
  ['outOfOrderPackets', 'packets out of time order'],
  ['flowsEvictedEarly', 'flows emitted early at the active-flow cap'],
  ['flowsEvictedMemcap', 'flows emitted early under the memory budget (--memcap)'],
]);
