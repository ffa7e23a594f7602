// Where a command's results go, checked before any work starts: standard output, a device or
// FIFO written in place, or a file written beside itself and renamed into place. A target that
// cannot be written (a missing directory, a path under a regular file, a read-only file) is an
// ERR_IO naming it; a target that is one of the run's inputs, or another of its outputs, is
// refused, comparing device and inode (hard links, symbolic links and `./` spellings alike).
import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

import { FlowhoundError, usageError } from '../errors.js';

export type OutputTarget =
  /** No -o, or `-o -`. */
  | { kind: 'standard-output' }
  /** A device, FIFO or socket (/dev/null, /dev/stdout, a named pipe): written in place, never renamed onto. */
  | { kind: 'special'; path: string }
  /**
   * A file: written to a temporary file in `directory` and renamed onto `filePath` when complete.
   * `path` is as the user gave it (for messages); `filePath` is where it really is (a symbolic
   * link's target, so that the link keeps pointing at the new file).
   */
  | { kind: 'file'; path: string; filePath: string; directory: string; exists: boolean };

/**
 * /dev/stdout, /dev/fd/N, /proc/self/fd/N: links to an open descriptor, written in place even
 * when it is a regular file (`flowhound … -o /dev/stdout > file`), as a shell would.
 */
function isDescriptorLink(absolute: string): boolean {
  if (!absolute.startsWith('/dev/') && !absolute.startsWith('/proc/')) return false;
  try {
    return lstatSync(absolute).isSymbolicLink();
  } catch {
    return false;
  }
}

function describeErrno(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    default:
      return code === undefined ? message : `${message.replace(/^[A-Z]+: /, '')}`;
  }
}

function ioError(path: string, message: string): FlowhoundError {
  return new FlowhoundError('ERR_IO', message, { path });
}

/** What is at `absolute` (null: nothing yet); errors name `path`, as the user gave it. */
function statOrNull(path: string, absolute: string): Stats | null {
  try {
    return statSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(path, `cannot write the output: ${describeErrno(error)}`);
  }
}

function checkWritable(path: string, what: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw ioError(path, `cannot write ${what}: ${describeErrno(error)}`);
  }
}

/** One output path → its target, or ERR_IO when it cannot be written. */
export function checkOutputTarget(path: string | null): OutputTarget {
  if (path === null || path === '-') return { kind: 'standard-output' };
  const absolute = resolve(path);
  const stats = statOrNull(path, absolute);
  if (stats?.isDirectory()) throw ioError(path, 'cannot write the output: it is a directory');
  if (stats !== null && (!stats.isFile() || isDescriptorLink(absolute))) {
    checkWritable(absolute, 'the output');
    return { kind: 'special', path };
  }
  if (stats !== null) {
    const filePath = realpathSync(absolute);
    checkWritable(filePath, 'over the existing file');
    checkDirectory(path, dirname(filePath));
    return { kind: 'file', path, filePath, directory: dirname(filePath), exists: true };
  }
  const directory = dirname(absolute);
  checkDirectory(path, directory);
  const filePath = join(realpathSync(directory), basename(absolute));
  return { kind: 'file', path, filePath, directory: dirname(filePath), exists: false };
}

/** The directory a file is created in must exist and take new files (the temporary one, then the rename). */
function checkDirectory(path: string, directory: string): void {
  // Named as the user wrote it when they named it: `results`, not /home/…/results.
  const shown = dirname(path) === '.' || isAbsolute(path) ? directory : dirname(path);
  let stats: Stats;
  try {
    stats = statSync(directory);
  } catch (error) {
    throw ioError(path, `cannot write the output: its directory ${shown} cannot be used (${describeErrno(error)})`);
  }
  if (!stats.isDirectory()) throw ioError(path, `cannot write the output: ${shown} is not a directory`);
  try {
    accessSync(directory, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw ioError(path, `cannot create files in ${shown}: ${describeErrno(error)}`);
  }
}

/** Device and inode: the same file under any name. */
function identity(path: string): string | null {
  try {
    const { dev, ino } = statSync(path);
    return `${dev}:${ino}`;
  } catch {
    return null;
  }
}

/** Where a target's bytes end up, for telling two paths apart. */
function targetIdentity(target: OutputTarget): string | null {
  switch (target.kind) {
    case 'standard-output':
      return null;
    case 'special':
      return identity(target.path);
    case 'file':
      return identity(target.filePath) ?? `new:${target.filePath}`;
  }
}

export interface OutputCheck {
  /** -o and every other file the run writes (a second table, a labels sidecar); null: standard output. */
  outputs: (string | null)[];
  /** Every file the run reads: inputs, labels, models, lists, the history. Those that do not exist are left to their readers. */
  inputs: string[];
}

/**
 * Checks every output of a run before it starts: each can be written, none is one of the
 * inputs, and no two are the same file. Returns the targets in the order of `outputs`.
 */
export function checkOutputTargets({ outputs, inputs }: OutputCheck): OutputTarget[] {
  const targets = outputs.map(checkOutputTarget);
  const inputIdentities = new Map<string, string>();
  for (const input of inputs) {
    if (input === '-') continue;
    const id = identity(input);
    if (id !== null) inputIdentities.set(id, input);
  }
  const seen = new Map<string, string>();
  targets.forEach((target, index) => {
    const id = targetIdentity(target);
    if (id === null || target.kind === 'standard-output') return;
    const input = inputIdentities.get(id);
    if (input !== undefined) {
      throw usageError(`refusing to write the output ${target.path} over the input ${input}: they are the same file`);
    }
    const other = seen.get(id);
    if (other !== undefined) throw usageError(`two outputs are the same file (${other} and ${target.path}): give them different paths`);
    seen.set(id, outputs[index]!);
  });
  return targets;
}
