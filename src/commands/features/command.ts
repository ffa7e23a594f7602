// `flowhound features`: inputs → the training tables.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode } from '../../errors.js';
import { summaryJson } from '../../sinks/json.js';
import { FEATURES_HELP } from './help.js';
import { parseFeatures, type FeaturesArguments } from './parse.js';

export const featuresCommand: Command<FeaturesArguments> = {
  name: 'features',
  synopsis: 'INPUT…',
  summary: 'training tables: per-flow and per-(LAN host, window) feature rows, labelled',
  help: FEATURES_HELP,
  parse: parseFeatures,
  async run({ yes, json, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runFeatures } = await import('./run.js');
    const summary = await runFeatures({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, signal: context.signal });
    if (json) await context.write(summaryJson('features', { ...summary, output: options.output, hostsOutput: options.hostsOutput }));
    return ExitCode.ok;
  },
};
