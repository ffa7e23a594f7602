// How a run that failed ends: the error in one line on standard error, and its exit status.
// flowhound's own errors carry their code; anything else is a bug in flowhound, told as
// ERR_INTERNAL with exit status 70, never as a stack trace and never as 1, which scripts read
// as "a host was detected" (`--fail-on-detection`).
import { exitCodeOf } from '../error-codes.js';
import { FlowhoundError, internalError } from '../errors.js';

/** Writes the line that tells `error` (and, with FLOWHOUND_DEBUG=1, a bug's stack); returns the exit status. */
export function reportFailure(error: unknown, writeLine: (line: string) => void, debug = process.env.FLOWHOUND_DEBUG === '1'): number {
  const failure = error instanceof FlowhoundError ? error : internalError(error);
  writeLine(`flowhound: ${failure.describe()}`);
  if (failure !== error && debug && error instanceof Error && error.stack !== undefined) writeLine(error.stack);
  return exitCodeOf(failure.code);
}
