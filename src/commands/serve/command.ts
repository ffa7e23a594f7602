// `flowhound serve`: a scorer of windows that sensors publish to NATS JetStream.
import type { Command } from '../../cli/command.js';
import { SERVE_HELP } from './help.js';
import { parseServe, type ServeArguments } from './parse.js';

export const serveCommand: Command<ServeArguments> = {
  name: 'serve',
  synopsis: '',
  summary: 'score the windows sensors publish to NATS (--nats URL; analyze/live --publish), record, alert',
  help: SERVE_HELP,
  parse: (args) => parseServe(args),
  async run(options, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runServe } = await import('./run.js');
    const outcome = await runServe({ ...options, log: context.log, write: context.write });
    return outcome.exitCode;
  },
};
