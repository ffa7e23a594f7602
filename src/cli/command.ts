// What every `flowhound` command is (src/commands/*/command.ts), and how one is run: its
// arguments parsed and checked first, then the work.
import { once } from 'node:events';

import { ExitCode } from '../errors.js';
import { nearest } from './options.js';

/** What a command runs with besides its options: the terminal, Ctrl-C, the other commands. */
export interface CommandContext {
  /** Aborted by Ctrl-C; its reason is an ERR_INTERRUPTED FlowhoundError. */
  signal: AbortSignal;
  /** A line for the user (progress summaries, warnings): standard error. */
  log: (line: string) => void;
  /** Results: standard output; resolves once a full pipe has drained. */
  write: (data: string | Uint8Array) => Promise<void>;
  /** Every command, in the order the main help lists them (for `flowhound help`). */
  commands: readonly Command[];
}

/** What `parse` returns for -h/--help: the command's help, not a run. */
export const HELP_WANTED = 'help';

export interface Command<Options = unknown> {
  /** The word after `flowhound`. */
  readonly name: string;
  /** What follows the name in the main help's list ('INPUT…', '[COMMAND]'), or ''. */
  readonly synopsis: string;
  /** One line for the main help's list. */
  readonly summary: string;
  /** The full help: `flowhound help NAME`, `flowhound NAME --help`. */
  readonly help: string;
  /**
   * The arguments after the name → the options `run` takes, every default filled in and every
   * value checked (an ERR_USAGE FlowhoundError otherwise); HELP_WANTED for -h/--help.
   */
  parse(args: string[]): Options | typeof HELP_WANTED;
  /** Does the work; resolves to the exit code, or throws a FlowhoundError. */
  run(options: Options, context: CommandContext): Promise<ExitCode>;
}

/** Parses `args` and runs the command, or prints its help. */
export async function runCommand<Options>(command: Command<Options>, args: string[], context: CommandContext): Promise<ExitCode> {
  const options = command.parse(args);
  if (options === HELP_WANTED) {
    await context.write(command.help);
    return ExitCode.ok;
  }
  return command.run(options, context);
}

/** The context of a run from the command line: standard output and error. */
export function terminalContext(signal: AbortSignal, commands: readonly Command[] = []): CommandContext {
  return {
    signal,
    log: (line) => process.stderr.write(`${line}\n`),
    write: async (data) => {
      if (!process.stdout.write(data)) await once(process.stdout, 'drain');
    },
    commands,
  };
}

/** The message for a command flowhound does not have, with the one meant when one is near. */
export function unknownCommand(name: string, commands: readonly Command[]): string {
  const meant = name.startsWith('-') ? null : nearest(name, commands.map((command) => command.name));
  return `unknown command '${name}'${meant ? `; did you mean '${meant}'?` : ''} ('flowhound help' lists the commands)`;
}
