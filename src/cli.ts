// The `flowhound` command: finds the command its first argument names and runs it, prints the
// errors that end a run, and returns the exit code. Each command's help, arguments and work are
// in commands/; the options several of them share, in cli/options.ts.
import { type Command, runCommand, terminalContext, unknownCommand } from './cli/command.js';
import { reportFailure } from './cli/report-failure.js';
import { analyzeCommand } from './commands/analyze/command.js';
import { completionCommand } from './commands/completion/command.js';
import { demoCommand } from './commands/demo.js';
import { evaluateCommand } from './commands/evaluate/command.js';
import { featuresCommand } from './commands/features/command.js';
import { flowsCommand } from './commands/flows/command.js';
import { helpCommand, mainHelp } from './commands/help.js';
import { liveCommand } from './commands/live/command.js';
import { modelsCommand } from './commands/models/command.js';
import { reportCommand } from './commands/report/command.js';
import { serveCommand } from './commands/serve/command.js';
import { synthCommand } from './commands/synth/command.js';
import { versionCommand } from './commands/version.js';
import { exitCodeOf } from './error-codes.js';
import { ExitCode, FlowhoundError, usageError } from './errors.js';
import { outputError } from './sinks/guarded-output.js';

/** Every command, in the order the main help lists them. */
export const COMMANDS: readonly Command[] = [
  analyzeCommand,
  liveCommand,
  serveCommand,
  evaluateCommand,
  demoCommand,
  modelsCommand,
  reportCommand,
  flowsCommand,
  synthCommand,
  featuresCommand,
  helpCommand,
  versionCommand,
  completionCommand,
];

/** Other spellings of a command's name. */
const ALIASES: Partial<Record<string, string>> = { '--help': 'help', '-h': 'help', '--version': 'version', '-V': 'version' };

/** Runs the command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new FlowhoundError('ERR_INTERRUPTED', 'interrupted'));
  process.once('SIGINT', onSigint);
  // A reader that goes away (`flowhound flows x.pcap | head`) ends the run quietly, as for any Unix tool.
  // Any other failure of standard output (`> file` on a full disk) is the ERR_IO of the output.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
    process.stderr.write(`flowhound: ${outputError('standard output', error).describe()}\n`);
    process.exit(exitCodeOf('ERR_IO'));
  });
  const context = terminalContext(controller.signal, COMMANDS);
  const [name, ...args] = argv;
  try {
    if (name === undefined) {
      await context.write(mainHelp(COMMANDS));
      return ExitCode.usageOrInput;
    }
    const wanted = ALIASES[name] ?? name;
    const command = COMMANDS.find((candidate) => candidate.name === wanted);
    if (command === undefined) throw usageError(unknownCommand(name, COMMANDS));
    return await runCommand(command, args, context);
  } catch (error) {
    return reportFailure(error, (line) => process.stderr.write(`${line}\n`));
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
