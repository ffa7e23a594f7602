// `flowhound version`: the versions of flowhound, its native core and Node.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { HELP_WANTED, type Command } from '../cli/command.js';
import { helpOption, parseArguments } from '../cli/options.js';
import { ExitCode, usageError } from '../errors.js';
import { coreVersion, packageRoot } from '../core-defaults.js';

const VERSION_HELP = `Usage: flowhound version [--json]
       flowhound -V | --version

The versions of flowhound, of its native core, and of Node; a report or a bug needs them.

  --json                     as a JSON object
`;

export const versionCommand: Command<{ json: boolean }> = {
  name: 'version',
  synopsis: '',
  summary: 'versions of flowhound and its native core',
  help: VERSION_HELP,
  parse(args) {
    const { values, positionals } = parseArguments(args, helpOption);
    if (values.help) return HELP_WANTED;
    if (positionals.length > 0) throw usageError('version takes no arguments');
    return { json: values.json === true };
  },
  async run({ json }, context) {
    const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    // The core's version as its build wrote it beside the addon (native/defaults.json): like
    // help, this command starts without loading the addon.
    if (json) {
      await context.write(`${JSON.stringify({ flowhound: version, core: coreVersion, node: process.version })}\n`);
      return ExitCode.ok;
    }
    await context.write(`flowhound ${version} (native core ${coreVersion}, Node ${process.version})\n`);
    return ExitCode.ok;
  },
};
