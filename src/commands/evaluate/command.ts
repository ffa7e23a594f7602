// `flowhound evaluate`: analyze's host scores held against ground truth.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode } from '../../errors.js';
import { EVALUATE_HELP } from './help.js';
import { parseEvaluate, type EvaluateArguments } from './parse.js';
import { runEvaluate } from './run.js';

export const evaluateCommand: Command<EvaluateArguments> = {
  name: 'evaluate',
  synopsis: 'INPUT…',
  summary: "score analyze's host scores against ground truth (--infected, labels)",
  help: EVALUATE_HELP,
  parse: parseEvaluate,
  async run({ yes, ...options }, context) {
    const outcome = await runEvaluate({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, write: context.write, signal: context.signal });
    return outcome.interrupted ? ExitCode.interrupted : ExitCode.ok;
  },
};
