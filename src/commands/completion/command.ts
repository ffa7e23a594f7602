// `flowhound completion`: the shell completion scripts.
import type { Command } from '../../cli/command.js';
import { ExitCode } from '../../errors.js';
import { COMPLETION_HELP } from './help.js';
import { parseCompletion, type CompletionArguments } from './parse.js';
import { completionCommands, completionScript } from './run.js';

export const completionCommand: Command<CompletionArguments> = {
  name: 'completion',
  synopsis: '',
  summary: 'the completion script for bash, zsh or fish',
  help: COMPLETION_HELP,
  parse: parseCompletion,
  async run({ shell, json }, context) {
    if (json) await context.write(`${JSON.stringify({ commands: completionCommands(context.commands) }, null, 2)}\n`);
    else await context.write(completionScript(shell!, context.commands));
    return ExitCode.ok;
  },
};
