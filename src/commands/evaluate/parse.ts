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
import { usageError } from '../../errors.js';
import type { EvaluateOptions } from './run.js';

export interface EvaluateArguments extends Omit<EvaluateOptions, 'log' | 'write' | 'signal'> {
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
  const scored = scoring(values);
  const written = output(values, ['table', 'json']);
  const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
  if (alpha !== undefined && !(alpha >= 0 && Number.isFinite(alpha))) throw usageError(`--alpha needs a number from 0 up, got '${values.alpha}'`);
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
