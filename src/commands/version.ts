// `flowhound version`: the versions of flowhound, its native core and Node.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { HELP_WANTED, type Command } from '../cli/command.js';
import { helpOption, parseArguments } from '../cli/options.js';
import { ExitCode, usageError } from '../errors.js';
import { coreVersion, packageRoot } from '../core-defaults.js';

const VERSION_HELP = `Usage: flowhound version

The versions of flowhound, of its native core, and of Node; a report or a bug needs them.
`;

// The core's version is the one its build wrote beside the addon (native/defaults.json), so that
// this command, like help, starts without loading the addon.

export const versionCommand: Command<null> = {
  name: 'version',
  synopsis: '',
  summary: 'versions of flowhound and its native core',
  help: VERSION_HELP,
  parse(args) {
    const { values, positionals } = parseArguments(args, helpOption);
    if (values.help) return HELP_WANTED;
    if (positionals.length > 0) throw usageError('version takes no arguments');
    return null;
  },
  async run(_options, context) {
    const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    await context.write(`flowhound ${version} (native core ${coreVersion}, Node ${process.version})\n`);
    return ExitCode.ok;
  },
};
