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
  async run({ yes, failOnDetection, publishing, statusIntervalS, json, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    if (publishing !== null) {
      const { runAnalyzePublish } = await import('./publish.js');
      const published = await runAnalyzePublish({ ...options, publishing, statusIntervalS, json, log: context.log, write: context.write, signal: context.signal });
      return published.exitCode;
    }
    const { runAnalyze } = await import('./run.js');
    const outcome = await runAnalyze({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, write: context.write, signal: context.signal });
    if (outcome.result.run.interrupted) return ExitCode.interrupted;
    return failOnDetection && outcome.detected ? ExitCode.detection : ExitCode.ok;
  },
};
