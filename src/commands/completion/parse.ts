// `flowhound completion` arguments → which shell.
import { HELP_WANTED } from '../../cli/command.js';
import { parseArguments } from '../../cli/options.js';
import { choice } from '../../cli/values.js';
import { usageError } from '../../errors.js';
import { SHELLS, type Shell } from './run.js';

export interface CompletionArguments {
  shell: Shell | null;
  json: boolean;
}

export function parseCompletion(args: string[]): CompletionArguments | typeof HELP_WANTED {
  const { values, positionals } = parseArguments(args, {});
  if (values.help) return HELP_WANTED;
  if (positionals.length > 1) throw usageError(`completion takes one SHELL, got ${positionals.length}`);
  const shell = choice(positionals[0], SHELLS, 'completion') ?? null;
  if (shell === null && values.json !== true) throw usageError(`completion needs a shell: ${SHELLS.join(', ')}; see 'flowhound help completion'`);
  return { shell, json: values.json === true };
}
