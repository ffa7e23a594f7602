// `flowhound flows` arguments → the options of a run, checked.
import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, output, outputOptions, parseArguments, reading, readingOptions, yesOption } from '../../cli/options.js';
import { seconds } from '../../cli/values.js';
import { usageError } from '../../errors.js';
import type { FlowsCommandOptions } from './run.js';

export interface FlowsArguments extends Omit<FlowsCommandOptions, 'log' | 'signal' | 'confirmOverwrite'> {
  /** Overwrite -o FILE without asking. */
  yes: boolean;
  /** The run's summary as JSON on standard output (needs -o: without it the records go there). */
  json: boolean;
}

export function parseFlows(args: string[]): FlowsArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...outputOptions,
    ...yesOption,
    ...readingOptions,
    whole: { type: 'boolean' },
    'status-interval': { type: 'string' },
    host: { type: 'string', multiple: true },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  if (positionals.length !== 1) {
    throw usageError(`flows takes one INPUT, got ${positionals.length}; see 'flowhound help flows'`);
  }
  if (values.json === true && (values.output === undefined || values.output === '-')) {
    throw usageError('--json writes the summary on standard output, where the records go without -o: give -o FILE');
  }
  const whole = values.whole === true;
  if (whole && (values.window !== undefined || values.step !== undefined)) {
    throw usageError('--whole and --window/--step exclude each other');
  }
  if (!whole && values['status-interval'] !== undefined) {
    throw usageError('--status-interval goes with --whole');
  }
  return {
    input: positionals[0]!,
    ...output(values, ['csv', 'arrow', 'parquet']),
    ...reading(values),
    whole,
    statusIntervalSeconds: seconds(values['status-interval'], '--status-interval'),
    hosts: values.host ?? [],
    verbose: values.verbose === true,
    yes: values.yes === true,
    json: values.json === true,
  };
}
