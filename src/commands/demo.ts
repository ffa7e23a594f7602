// `flowhound demo`: analyze on the capture that ships with flowhound (CTU-13 scenario 6, rebuilt
// by synth), with that capture's LAN. It takes analyze's options.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from '../cli/command.js';
import { FlowhoundError } from '../errors.js';
import { packageRoot } from '../core-defaults.js';
import { analyzeCommand } from './analyze/command.js';
import { parseAnalyze, type AnalyzeArguments } from './analyze/parse.js';

const DEMO_CAPTURE = join(packageRoot, 'models', 'demo', 'ctu13-scenario6-slice.pcap');
const DEMO_LAN = '147.32.0.0/16';

const DEMO_HELP = `Usage: flowhound demo [options]

Runs 'flowhound analyze' on a capture that ships with flowhound: 8.5 minutes of CTU-13
scenario 6 (the Menti bot at 147.32.84.165 among the hosts of ${DEMO_LAN}), rebuilt as a
capture by 'flowhound synth'. The same as:
  flowhound analyze ${DEMO_CAPTURE} --lan ${DEMO_LAN}

It takes analyze's options ('flowhound help analyze'); an INPUT given is analysed instead of
the demo capture, and --lan replaces ${DEMO_LAN}.

Examples:
  flowhound demo
  flowhound demo -v --no-db
  flowhound demo -o ranking.json
`;

export const demoCommand: Command<AnalyzeArguments> = {
  name: 'demo',
  synopsis: '',
  summary: 'analyze a capture rebuilt from CTU-13 scenario 6 that ships with flowhound',
  help: DEMO_HELP,
  parse: (args) => parseAnalyze(args, { inputs: [DEMO_CAPTURE], lan: [DEMO_LAN] }),
  async run(options, context) {
    if (!existsSync(DEMO_CAPTURE)) throw new FlowhoundError('ERR_IO', 'the demo capture is missing from this installation', { path: DEMO_CAPTURE });
    if (!options.quiet) {
      context.log(
        `demo: 8.5 minutes of CTU-13 scenario 6 (the Menti bot at 147.32.84.165 among the hosts of ${DEMO_LAN}),\n` +
          `      rebuilt as a capture by flowhound synth: flowhound analyze ${DEMO_CAPTURE} --lan ${DEMO_LAN}\n`,
      );
    }
    return analyzeCommand.run(options, context);
  },
};
