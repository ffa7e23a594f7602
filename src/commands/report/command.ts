// `flowhound report`: the history → an HTML page, JSON or CSV, or a summary on the terminal.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode } from '../../errors.js';
import { REPORT_HELP } from './help.js';
import { parseReport, type ReportArguments } from './parse.js';

export const reportCommand: Command<ReportArguments> = {
  name: 'report',
  synopsis: '',
  summary: 'the batch host-scoring report from the history: HTML, JSON or CSV',
  help: REPORT_HELP,
  parse: parseReport,
  async run({ yes, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runReport } = await import('./run.js');
    await runReport({ ...options, confirmOverwrite: yes ? undefined : askBeforeOverwriting, log: context.log, signal: context.signal });
    return ExitCode.ok;
  },
};
