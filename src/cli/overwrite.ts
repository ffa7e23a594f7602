// Asking before a command overwrites an existing -o FILE (analyze, evaluate).
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { usageError } from '../errors.js';

/** Asks on the terminal whether `path` may be overwritten; throws ERR_USAGE when the answer is no. */
export async function confirmOverwrite(path: string | null, yes: boolean): Promise<void> {
  if (path === null || path === '-' || yes || !process.stdin.isTTY || !existsSync(path)) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`${path} exists; overwrite it? [y/N] `, resolve));
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw usageError(`not overwriting ${path} (give --yes to overwrite without asking)`);
}
