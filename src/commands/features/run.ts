// `flowhound features`: inputs → the training tables (flow rows and host rows per window),
// with ground truth from the inputs' labels, a synth labels sidecar, or --infected.
import { basename } from 'node:path';

import type { OverwriteConfirmation } from '../../cli/overwrite.js';
import { usageError } from '../../errors.js';
import { describeReading } from '../../pipeline/flows.js';
import { FeatureReader, featureSchema, type FeatureReaderOptions } from '../../pipeline/features.js';
import { readInputs } from '../../pipeline/read-loop.js';
import {
  defaultHostsPath,
  FeatureTableSink,
  flowTableBatch,
  flowTableSpec,
  hostTableBatch,
  hostTableSpec,
  tableFormatFromPath,
  type TableFormat,
} from '../../sinks/feature-table.js';
import { GuardedOutput } from '../../sinks/guarded-output.js';
import { checkOutputTargets } from '../../sinks/output-target.js';
import { requireParquet } from '../../sinks/parquet-availability.js';
import { sidecarBeside } from '../synth/labels-path.js';

export interface FeaturesCommandOptions extends OverwriteConfirmation {
  inputs: string[];
  /** Windows, LAN, infected hosts, flow-file reading. */
  reader: Omit<FeatureReaderOptions, 'labelsPath'>;
  /** The flow table. */
  output: string;
  /** The host table; default: OUTPUT with `.hosts` before its extension. */
  hostsOutput: string | null;
  format: TableFormat | null;
  /** A labels sidecar for a single capture input; by default OUT.labels.csv beside a capture is used. */
  labels: string | null;
  quiet: boolean;
  /** -v: the options each reader runs with. */
  verbose?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface FeaturesSummary {
  inputs: number;
  windows: number;
  flowRows: number;
  hostRows: number;
  infectedHosts: string[];
  elapsedMs: number;
}

export async function runFeatures(options: FeaturesCommandOptions): Promise<FeaturesSummary> {
  if (options.inputs.length === 0) throw usageError("features needs at least one INPUT; see 'flowhound help features'");
  if (options.labels !== null && options.inputs.length !== 1) {
    throw usageError('--labels goes with a single INPUT (a capture rebuilt by synth)');
  }
  const format = options.format ?? tableFormatFromPath(options.output);
  if (format === null) throw usageError(`cannot tell the table format from '${options.output}': use .arrow, .parquet or .csv, or --format`);
  if (format === 'parquet') requireParquet(options.output);
  const hostsOutput = options.hostsOutput ?? defaultHostsPath(options.output);
  if (hostsOutput === options.output) throw usageError('the flow table and the host table need different paths');
  const labelsPaths = options.inputs.map((input) => options.labels ?? sidecarBeside(input) ?? undefined);
  const [flowTarget, hostTarget] = checkOutputTargets({
    outputs: [options.output, hostsOutput],
    inputs: [...options.inputs, ...labelsPaths.filter((path) => path !== undefined)],
  });
  await options.confirmOverwrite?.([flowTarget!, hostTarget!]);

  const startedMs = Date.now();
  const schema = featureSchema();
  const flowOutput = await GuardedOutput.open(flowTarget!);
  const hostOutput = await GuardedOutput.open(hostTarget!).catch(async (error: unknown) => {
    await flowOutput.discard();
    throw error;
  });
  const flowSink = new FeatureTableSink(flowOutput, format, flowTableSpec(schema));
  const hostSink = new FeatureTableSink(hostOutput, format, hostTableSpec(schema));
  let windows = 0;
  const infected = new Set<string>();
  try {
    // Every input opens (and fails) before any row is written.
    const readers = options.inputs.map((input, i) => FeatureReader.open(input, { ...options.reader, labelsPath: labelsPaths[i] }));
    const names = options.inputs.map((input) => basename(input));
    if (options.verbose && !options.quiet) readers.forEach((reader, i) => options.log(`  ${names[i]}: ${describeReading(reader.options.flows, reader.options.lan)}`));
    const describeInput = (inputIndex: number) => {
      const stats = readers[inputIndex]!.featureStats();
      for (const host of stats.infectedHosts) infected.add(host);
      if (options.quiet) return;
      const labelsPath = labelsPaths[inputIndex];
      let line = `  ${names[inputIndex]}: ${stats.records} records → ${stats.windows} windows, ${stats.flowRows} flow rows, ${stats.hostRows} host rows`;
      if (labelsPath !== undefined) line += `; labels from ${basename(labelsPath)}: ${stats.sidecarLabelled} flows labelled, ${stats.sidecarUnmatched} without a record`;
      options.log(line);
      const evicted = readers[inputIndex]!.sourceStats().flowsEvictedEarly;
      if (evicted > 0 || stats.flowRowsDropped > 0) {
        options.log(`  ${names[inputIndex]}: memory budget (--memcap): ${evicted} flows evicted early, ${stats.flowRowsDropped} flow rows left out of the table (their flows still count in the host rows)`);
      }
      if (stats.lateRecords > 0) options.log(`  warning: ${stats.lateRecords} records came after their windows had closed and are in no row: the input is far out of time order (sort a flow file by StartTime)`);
    };
    const { interrupted } = await readInputs(
      readers,
      async (window, inputIndex) => {
        await flowSink.write(flowTableBatch(window, names[inputIndex]!, schema));
        await hostSink.write(hostTableBatch(window, names[inputIndex]!, schema));
        windows++;
      },
      // The tables hold the inputs one after another, in the order given.
      { label: 'features', quiet: options.quiet, log: options.log, signal: options.signal, order: 'sequential', onInputEnd: describeInput },
    );
    // Ctrl-C leaves no tables: a part of the rows would look like all of them.
    if (interrupted) throw options.signal!.reason;
    await flowSink.close();
    await hostSink.close();
  } catch (error) {
    await flowSink.abort();
    await hostSink.abort();
    throw error;
  }
  const summary: FeaturesSummary = {
    inputs: options.inputs.length,
    windows,
    flowRows: flowSink.rows,
    hostRows: hostSink.rows,
    infectedHosts: [...infected].sort(),
    elapsedMs: Date.now() - startedMs,
  };
  if (!options.quiet) {
    options.log(
      `features: ${summary.flowRows} flow rows → ${options.output}, ${summary.hostRows} host rows → ${hostsOutput} ` +
        `(schema v${schema.version}, ${windows} windows) in ${(summary.elapsedMs / 1000).toFixed(2)} s`,
    );
    if (summary.infectedHosts.length > 0) options.log(`  infected hosts (labels and --infected): ${summary.infectedHosts.join(' ')}`);
  }
  return summary;
}
