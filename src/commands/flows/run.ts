// `flowhound flows`: any input → flow records (binetflow CSV, Arrow IPC or Parquet).
import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import { readAddressList } from '../../analysis/host-filter.js';
import { describeReading, FlowReader, type FlowOptions } from '../../pipeline/flows.js';
import { readInputs, type InputReader, type ReadLoopOptions, type ReadOutcome } from '../../pipeline/read-loop.js';
import { BinetflowCsvSink } from '../../sinks/binetflow-csv.js';
import { flowFormatFromPath, type FlowOutputFormat, type FlowSink } from '../../sinks/flow-sink.js';
import { GuardedOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets } from '../../sinks/output-target.js';
import { usageError } from '../../errors.js';
import { requireParquet } from '../../sinks/parquet-availability.js';
import type { TableEncoding } from '../../sinks/table-output.js';

export interface FlowsCommandOptions extends FlowOptions, OverwriteConfirmation {
  input: string;
  /** Output path; null or '-' for standard output. */
  output: string | null;
  format: FlowOutputFormat | null;
  /** -v: the options the reader runs with, before the records. */
  verbose?: boolean;
  /** --host: only the records these addresses or ranges (or files of them) are an end of; empty: every record. */
  hosts?: string[];
  quiet: boolean;
  /** Receives the human summary and warnings (stderr in the CLI). */
  log: (line: string) => void;
  /** Aborts the run (SIGINT). */
  signal?: AbortSignal;
}

export interface FlowsSummary {
  records: number;
  /** Records written: all of them, or those of --host. */
  written: number;
  packets: number;
  bytesConsumed: number;
  inputKind: string;
  elapsedMs: number;
  damaged: boolean;
}

export async function runFlows(options: FlowsCommandOptions): Promise<FlowsSummary> {
  const format = options.format ?? (options.output ? flowFormatFromPath(options.output) : null) ?? 'csv';
  if (format === 'parquet') requireParquet(options.output);
  if ((options.output === null || options.output === '-') && format !== 'csv' && process.stdout.isTTY) {
    throw usageError(`refusing to write binary ${format === 'arrow' ? 'Arrow' : 'Parquet'} data to a terminal: give -o FILE.${format} or redirect the output`);
  }
  const keep = readAddressList(options.hosts ?? [], '--host');
  const targets = checkOutputTargets({ outputs: [options.output], inputs: [options.input] });
  await options.confirmOverwrite?.(targets);
  const startedMs = Date.now();
  const reader = FlowReader.open(options.input, options);
  const windowed = reader.inputKind === 'capture' && !options.whole;
  if (options.verbose && !options.quiet) options.log(`${describeReading(reader.options)} (${reader.inputKind === 'capture' ? 'a capture' : 'a flow file'})`);
  if (keep.length > 0) reader.keepHosts(keep.map((range) => range.text));
  const csvLayout = { label: reader.inputKind === 'flowFile', windowed };
  const output = await GuardedOutput.open(targets[0]!);
  const reading = { label: 'flows', quiet: options.quiet, log: options.log, signal: options.signal };
  // The addon makes each batch's CSV text or Arrow columns (and leaves out the records of other
  // hosts under --host): no record becomes a JavaScript value.
  // Arrow and Parquet load apache-arrow, once the input is being read; CSV never does.
  const { interrupted } =
    format === 'csv'
      ? await writeAll(reader.csv(csvLayout), new BinetflowCsvSink(output, csvLayout), reading)
      : await writeAll(reader.arrow(), new (await import('../../sinks/arrow-flows.js')).ArrowFlowSink(output, tableEncoding(format, options.output)), reading);
  // Ctrl-C leaves no output: a part of the records would look like all of them.
  if (interrupted) throw options.signal!.reason;
  const written = reader.recordsKept();

  const finalProgress = reader.progress();
  const damage = reader.damage();
  const summary: FlowsSummary = {
    records: finalProgress.records,
    written,
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
    const records = keep.length > 0 ? `${plural(written, 'record')} of ${(options.hosts ?? []).join(',')} (of ${summary.records})` : plural(summary.records, 'record');
    options.log(
      `flows: ${records} from ${from}${mode} in ${(summary.elapsedMs / 1000).toFixed(2)} s` +
        (options.output && options.output !== '-' ? ` → ${options.output}` : ''),
    );
    // Early evictions by their cause: the active-flow cap, or the memory budget.
    const byCause = { ...stats, flowsEvictedEarly: stats.flowsEvictedEarly - stats.flowsEvictedMemcap };
    for (const line of describeStats(byCause)) options.log(`  ${line}`);
  }
  return summary;
}

/** Parquet; Arrow's stream format on standard output and for .arrows, its file format otherwise. */
function tableEncoding(format: 'arrow' | 'parquet', output: string | null): TableEncoding {
  if (format === 'parquet') return 'parquet';
  return output === null || output === '-' || output.endsWith('.arrows') ? 'arrow-stream' : 'arrow-file';
}

/** Reads every batch into the sink; removes the output on any failure or on Ctrl-C. */
async function writeAll<Batch extends { length: number }>(reader: InputReader<Batch>, sink: FlowSink<Batch>, reading: ReadLoopOptions): Promise<ReadOutcome> {
  try {
    // Under --host a batch may hold no record of the hosts: nothing to write.
    const outcome = await readInputs([reader], async (batch) => (batch.length > 0 ? sink.write(batch) : undefined), reading);
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
