// `flowhound flows`: packets or flow files → flow records.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode } from '../../errors.js';
import { summaryJson } from '../../sinks/json.js';
import { FLOWS_HELP } from './help.js';
import { parseFlows, type FlowsArguments } from './parse.js';

export const flowsCommand: Command<FlowsArguments> = {
  name: 'flows',
  synopsis: 'INPUT',
  summary: 'flow records (CTU-13 binetflow CSV, Arrow or Parquet) from a pcap, pcapng or flow file',
  help: FLOWS_HELP,
  parse: parseFlows,
  async run({ yes, json, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runFlows } = await import('./run.js');
    const summary = await runFlows({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, signal: context.signal });
    if (json) await context.write(summaryJson('flows', { ...summary, output: options.output }));
    return ExitCode.ok;
  },
};
