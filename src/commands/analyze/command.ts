// `flowhound analyze`: captures or flow files → the LAN hosts most likely infected.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode } from '../../errors.js';
import { ANALYZE_HELP } from './help.js';
import { parseAnalyze, type AnalyzeArguments } from './parse.js';

export const analyzeCommand: Command<AnalyzeArguments> = {
  name: 'analyze',
  synopsis: 'INPUT…',
  summary: 'rank the LAN hosts most likely infected, from captures or flow files',
  help: ANALYZE_HELP,
  parse: (args) => parseAnalyze(args),
  async run({ yes, failOnDetection, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runAnalyze } = await import('./run.js');
    const outcome = await runAnalyze({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, write: context.write, signal: context.signal });
    if (outcome.result.run.interrupted) return ExitCode.interrupted;
    return failOnDetection && outcome.detected ? ExitCode.detection : ExitCode.ok;
  },
};
