// `flowhound help [COMMAND]`: the list of commands, or a command's own help.
import { HELP_WANTED, unknownCommand, type Command } from '../cli/command.js';
import { helpOption, parseArguments } from '../cli/options.js';
import { ExitCode, usageError } from '../errors.js';

const HELP_HELP = `Usage: flowhound help [COMMAND] [--json]

Without a COMMAND, the commands flowhound has, with its exit codes; with one, that command's
options and examples (as 'flowhound COMMAND --help'). --json: the commands as JSON.

Every command takes -h/--help, -y/--yes (overwrite -o FILE without asking), -v/--verbose,
-q/--quiet and --json (its result as JSON on standard output); every option that takes a list
takes it repeated or as a comma list (--lan 10.0.0.0/8,192.168.0.0/16).

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
Every command takes -h/--help, -y/--yes, -v/--verbose, -q/--quiet and --json (its result as
JSON on standard output); lists are repeated options or comma lists. -V/--version: the versions.
Run 'flowhound help COMMAND' for a command's options and examples; 'flowhound completion bash'
(or zsh, fish) for shell completion.
Exit codes: 0 success, 1 detection (analyze --fail-on-detection), 2 usage or input error,
70 a bug in flowhound, 130 interrupted.
`;
}

export const helpCommand: Command<{ topic: string | undefined; json: boolean }> = {
  name: 'help',
  synopsis: '[COMMAND]',
  summary: "this text, or a command's own help",
  help: HELP_HELP,
  parse(args) {
    const { values, positionals } = parseArguments(args, helpOption);
    if (values.help) return HELP_WANTED;
    if (positionals.length > 1) throw usageError(`help takes one COMMAND, got ${positionals.length}`);
    return { topic: positionals[0], json: values.json === true };
  },
  async run({ topic, json }, context) {
    if (json && topic === undefined) {
      const commands = context.commands.map((command) => ({ name: command.name, synopsis: command.synopsis, summary: command.summary }));
      await context.write(`${JSON.stringify({ commands }, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (topic === undefined) {
      await context.write(mainHelp(context.commands));
      return ExitCode.ok;
    }
    const command = context.commands.find((candidate) => candidate.name === topic);
    if (command === undefined) throw usageError(unknownCommand(topic, context.commands));
    await context.write(command.help);
    return ExitCode.ok;
  },
};
