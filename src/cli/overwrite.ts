// Asking before a command overwrites an existing output file: on a terminal only (a script, a
// pipe or a redirected standard error overwrites, as Unix tools do), and never with -y/--yes. Every command that writes -o FILE
// passes this to its run, which asks after its outputs are checked and before any work.
import { createInterface } from 'node:readline';

import { usageError } from '../errors.js';
import type { OutputTarget } from '../sinks/output-target.js';

/** Asks on the terminal whether each existing output file may be overwritten; ERR_USAGE when the answer is no. */
export async function askBeforeOverwriting(targets: readonly OutputTarget[]): Promise<void> {
  // The question goes to standard error and the answer comes from standard input: both must be the terminal.
  if (!process.stdin.isTTY || !process.stderr.isTTY) return;
  for (const target of targets) {
    if (target.kind !== 'file' || !target.exists) continue;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${target.path} exists; overwrite it? [y/N] `, resolve);
      // End of input (Ctrl-D) is a no.
      rl.once('close', () => resolve(''));
    });
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw usageError(`not overwriting ${target.path} (give -y/--yes to overwrite without asking)`);
  }
}

/** What a command's run takes: how to confirm overwriting (undefined with -y: overwrite). */
export interface OverwriteConfirmation {
  confirmOverwrite?: (targets: readonly OutputTarget[]) => Promise<void>;
}
