// `flowhound models`: the models a run scores with, their cards, the feature schema.
import type { Command } from '../../cli/command.js';
import { ExitCode } from '../../errors.js';
import { MODELS_HELP } from './help.js';
import { parseModels, type ModelsArguments } from './parse.js';

export const modelsCommand: Command<ModelsArguments> = {
  name: 'models',
  synopsis: '',
  summary: 'the models a run scores with, and the feature schema (--schema)',
  help: MODELS_HELP,
  parse: parseModels,
  async run(options, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runModels } = await import('./run.js');
    await runModels({ ...options, write: context.write });
    return ExitCode.ok;
  },
};
