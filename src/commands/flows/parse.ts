// `flowhound flows` arguments → the options of a run, checked.
import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, output, outputOptions, parseArguments, reading, readingOptions } from '../../cli/options.js';
import { positiveNumber } from '../../cli/values.js';
import { usageError } from '../../errors.js';
import type { FlowsCommandOptions } from './run.js';

export type FlowsArguments = Omit<FlowsCommandOptions, 'log' | 'signal'>;

export function parseFlows(args: string[]): FlowsArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...outputOptions,
    ...readingOptions,
    whole: { type: 'boolean' },
    'status-interval': { type: 'string' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  if (positionals.length !== 1) {
    throw usageError(`flows takes one INPUT, got ${positionals.length}; see 'flowhound help flows'`);
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
    ...output(values, ['csv', 'arrow']),
    ...reading(values),
    whole,
    statusIntervalSeconds: positiveNumber(values['status-interval'], '--status-interval'),
  };
}
