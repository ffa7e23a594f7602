// `flowhound features` arguments → the options of a run, checked.
import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, lanOption, output, outputOptions, parseArguments, reading, readingOptions, yesOption } from '../../cli/options.js';
import { usageError } from '../../errors.js';
import type { FeaturesCommandOptions } from './run.js';

export interface FeaturesArguments extends Omit<FeaturesCommandOptions, 'log' | 'signal' | 'confirmOverwrite'> {
  /** Overwrite existing tables without asking. */
  yes: boolean;
  /** The run's summary as JSON on standard output. */
  json: boolean;
}

export function parseFeatures(args: string[]): FeaturesArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...outputOptions,
    ...yesOption,
    'hosts-output': { type: 'string' },
    ...lanOption,
    infected: { type: 'string', multiple: true },
    labels: { type: 'string' },
    ...readingOptions,
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  // Checked here as well as by the run, so that a usage error loads none of the run's modules.
  if (positionals.length === 0) throw usageError("features needs at least one INPUT; see 'flowhound help features'");
  const { output: flowTable, format, quiet } = output(values, ['arrow', 'parquet', 'csv']);
  if (flowTable === null) throw usageError("features needs -o FLOWS.arrow (or .csv); see 'flowhound help features'");
  return {
    inputs: positionals,
    output: flowTable,
    hostsOutput: values['hosts-output'] ?? null,
    format,
    labels: values.labels ?? null,
    reader: { lan: values.lan, infected: values.infected, ...reading(values) },
    quiet,
    verbose: values.verbose === true,
    yes: values.yes === true,
    json: values.json === true,
  };
}
