// `flowhound evaluate` arguments → the options of a run, checked.
import { HELP_WANTED } from '../../cli/command.js';
import {
  helpOption,
  output,
  outputOptions,
  parseArguments,
  reading,
  readingOptions,
  scoring,
  scoringOptions,
  yesOption,
} from '../../cli/options.js';
import { numberIn } from '../../cli/values.js';
import { usageError } from '../../errors.js';
import type { EvaluateOptions } from './run.js';

export interface EvaluateArguments extends Omit<EvaluateOptions, 'log' | 'write' | 'signal' | 'confirmOverwrite'> {
  /** Overwrite -o FILE without asking. */
  yes: boolean;
}

export function parseEvaluate(args: string[]): EvaluateArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {
    ...scoringOptions,
    ...outputOptions,
    ...yesOption,
    ...readingOptions,
    infected: { type: 'string', multiple: true },
    alpha: { type: 'string' },
    ...helpOption,
  });
  if (values.help) return HELP_WANTED;
  // Checked here as well as by the run, so that a usage error loads none of the run's modules.
  if (positionals.length === 0) throw usageError("evaluate needs at least one INPUT; see 'flowhound help evaluate'");
  const scored = scoring(values);
  const written = output(values, ['table', 'json']);
  // The weight of the n-th window is e^(−α·n) + 1: past α = 1000 the weights no longer change.
  const alpha = numberIn(values.alpha, '--alpha', { what: 'a decay rate per window', min: 0, max: 1000 });
  return {
    inputs: positionals,
    reader: { lan: scored.lan, ...reading(values) },
    infected: values.infected ?? [],
    modelPaths: scored.modelPaths,
    threshold: scored.threshold,
    alpha,
    threads: scored.threads,
    ...written,
    yes: values.yes === true,
  };
}
