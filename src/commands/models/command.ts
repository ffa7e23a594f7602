// `flowhound models`: the models a run scores with, their cards, the feature schema.
import type { Command } from '../../cli/command.js';
import { ExitCode } from '../../errors.js';
import { MODELS_HELP } from './help.js';
import { parseModels, type ModelsArguments } from './parse.js';
import { runModels } from './run.js';

export const modelsCommand: Command<ModelsArguments> = {
  name: 'models',
  synopsis: '',
  summary: 'the models a run scores with, and the feature schema (--schema)',
  help: MODELS_HELP,
  parse: parseModels,
  async run(options, context) {
    await runModels({ ...options, write: context.write });
    return ExitCode.ok;
  },
};
