// `flowhound live`: a network interface → the LAN hosts most likely infected, as each window closes.
import type { Command } from '../../cli/command.js';
import { LIVE_HELP } from './help.js';
import { parseLive, type LiveArguments } from './parse.js';

export const liveCommand: Command<LiveArguments> = {
  name: 'live',
  synopsis: 'IFACE',
  summary: 'capture on an interface (a mirror port) and rank the LAN hosts as each window closes',
  help: LIVE_HELP,
  parse: (args) => parseLive(args),
  async run({ publishing, statusIntervalS, ...options }, context) {
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    if (publishing !== null && !options.listInterfaces) {
      const { runLivePublish } = await import('./publish.js');
      const published = await runLivePublish({ ...options, publishing, statusIntervalS, log: context.log });
      return published.exitCode;
    }
    const { runLive } = await import('./run.js');
    const outcome = await runLive({ ...options, log: context.log, write: context.write });
    return outcome.exitCode;
  },
};
