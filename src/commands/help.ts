// `flowhound help [COMMAND]`: the list of commands, or a command's own help.
import { HELP_WANTED, type Command } from '../cli/command.js';
import { helpOption, parseArguments } from '../cli/options.js';
import { ExitCode, usageError } from '../errors.js';

const HELP_HELP = `Usage: flowhound help [COMMAND]

Without a COMMAND, the commands flowhound has, with its exit codes; with one, that command's
options and examples (as 'flowhound COMMAND --help').

Examples:
  flowhound help
  flowhound help analyze
`;

/** The main help: what flowhound does, its commands (one line each), its exit codes. */
export function mainHelp(commands: readonly Command[]): string {
  const list = commands.map((command) => `  ${`${command.name} ${command.synopsis}`.trimEnd().padEnd(15)} ${command.summary}\n`).join('');
  return `flowhound: find botnet-infected hosts on a LAN from its traffic

Usage: flowhound <command> [options]

Commands:
${list}
Run 'flowhound help analyze' (or live, evaluate, flows, synth, features) for a command's options and examples.
Exit codes: 0 success, 1 detection (analyze --fail-on-detection), 2 usage or input error,
130 interrupted.
`;
}

export const helpCommand: Command<{ topic: string | undefined }> = {
  name: 'help',
  synopsis: '[COMMAND]',
  summary: "this text, or a command's own help",
  help: HELP_HELP,
  parse(args) {
    const { values, positionals } = parseArguments(args, helpOption);
    if (values.help) return HELP_WANTED;
    if (positionals.length > 1) throw usageError(`help takes one COMMAND, got ${positionals.length}`);
    return { topic: positionals[0] };
  },
  async run({ topic }, context) {
    if (topic === undefined) {
      await context.write(mainHelp(context.commands));
      return ExitCode.ok;
    }
    const command = context.commands.find((candidate) => candidate.name === topic);
    if (command === undefined) throw usageError(`no command '${topic}'`);
    await context.write(command.help);
    return ExitCode.ok;
  },
};
