// `flowhound evaluate`: analyze's host scores held against ground truth.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode } from '../../errors.js';
import { EVALUATE_HELP } from './help.js';
import { parseEvaluate, type EvaluateArguments } from './parse.js';

export const evaluateCommand: Command<EvaluateArguments> = {
  name: 'evaluate',
  synopsis: 'INPUT…',
  summary: "score analyze's host scores against ground truth (--infected, labels)",
  help: EVALUATE_HELP,
  parse: parseEvaluate,
  async run({ yes, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runEvaluate } = await import('./run.js');
    const outcome = await runEvaluate({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, write: context.write, signal: context.signal });
    return outcome.interrupted ? ExitCode.interrupted : ExitCode.ok;
  },
};
