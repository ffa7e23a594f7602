// `flowhound models` arguments → what to show.
import { HELP_WANTED } from '../../cli/command.js';
import { helpOption, parseArguments, scoringOptions } from '../../cli/options.js';
import { usageError } from '../../errors.js';
import type { ModelsCommandOptions } from './run.js';

export type ModelsArguments = Omit<ModelsCommandOptions, 'write'>;

export function parseModels(args: string[]): ModelsArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    model: scoringOptions.model,
    schema: { type: 'boolean' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  if (positionals.length > 0) throw usageError(`models takes no INPUT; see 'flowhound help models'`);
  return { schema: values.schema === true, modelPaths: values.model ?? [], json: values.json === true };
}
