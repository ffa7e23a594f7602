// The one way a command writes an output (checked first by output-target.ts). A file appears
// whole or not at all: bytes go to `NAME.PID-N.partial` beside it, which is synced and renamed
// onto NAME only when complete, so a run that fails, is interrupted or is killed never leaves a
// truncated file under the name of a complete one. A later run to the same NAME removes the
// partial files of processes that no longer exist. Devices and FIFOs are written in place.
// Every failure of the file system (no space, a closed pipe, a vanished directory) becomes one
// ERR_IO naming the output, raised by the next write or by commit, never an unhandled 'error'.
import { createWriteStream } from 'node:fs';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { FlowhoundError } from '../errors.js';
import type { OutputTarget } from './output-target.js';

/** `NAME.PID-N.partial`: whose it is, and plainly not the finished file. */
const PARTIAL_SUFFIX = /^\.(\d+)-\d+\.partial$/;
let partialCount = 0;

function partialPath(filePath: string): string {
  partialCount += 1;
  return `${filePath}.${process.pid}-${partialCount}.partial`;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the partial files a killed run left beside `filePath`. */
async function removeStalePartials(filePath: string, directory: string): Promise<void> {
  const name = basename(filePath);
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(name)) continue;
    const match = PARTIAL_SUFFIX.exec(entry.slice(name.length));
    if (match && !processExists(Number(match[1]))) await rm(join(directory, entry), { force: true });
  }
}

/** A file-system error as the ERR_IO of an output. */
export function outputError(path: string, error: unknown): FlowhoundError {
  if (error instanceof FlowhoundError) return error;
  const { code, message } = error as NodeJS.ErrnoException;
  const reason = code === 'ENOSPC' ? 'no space left on the device' : message.replace(/^[A-Z]+: /, '');
  return new FlowhoundError('ERR_IO', `cannot write the output: ${reason}${code === undefined ? '' : ` (${code})`}`, { path });
}

function displayPath(target: OutputTarget): string {
  return target.kind === 'standard-output' ? 'standard output' : target.path;
}

/** An output written as a stream of bytes (text, CSV, Arrow) by TypeScript. */
export class GuardedOutput {
  readonly target: OutputTarget;
  readonly #stream: Writable;
  readonly #handle: FileHandle | null;
  readonly #partialPath: string | null;
  #failure: FlowhoundError | null = null;
  #waiters: ((failure: FlowhoundError) => void)[] = [];
  #ended = false;
  readonly #onError = (error: unknown) => this.#fail(error);

  private constructor(target: OutputTarget, stream: Writable, handle: FileHandle | null, partialPath: string | null) {
    this.target = target;
    this.#stream = stream;
    this.#handle = handle;
    this.#partialPath = partialPath;
    // Attached for the stream's whole life: a write that fails after a discard is no crash.
    stream.on('error', this.#onError);
  }

  /** Opens `target` for writing: its partial file, the device, or standard output. */
  static async open(target: OutputTarget): Promise<GuardedOutput> {
    if (target.kind === 'standard-output') return new GuardedOutput(target, process.stdout, null, null);
    if (target.kind === 'special') {
      // Append, as a shell's >> would: never truncates a device or a file behind /dev/stdout.
      const stream = createWriteStream(target.path, { flags: 'a' });
      const output = new GuardedOutput(target, stream, null, null);
      await new Promise<void>((resolve) => {
        stream.once('ready', resolve);
        stream.once('error', () => resolve());
      });
      output.#throwIfFailed();
      return output;
    }
    await removeStalePartials(target.filePath, target.directory);
    const path = partialPath(target.filePath);
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx');
    } catch (error) {
      throw outputError(target.path, error);
    }
    return new GuardedOutput(target, handle.createWriteStream({ autoClose: false }), handle, path);
  }

  /** The partial file being written (null for devices and standard output). */
  get partialPath(): string | null {
    return this.#partialPath;
  }

  #fail(error: unknown): void {
    if (this.#failure !== null || this.#ended) return;
    this.#failure = outputError(displayPath(this.target), error);
    for (const waiter of this.#waiters.splice(0)) waiter(this.#failure);
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#ended) throw new FlowhoundError('ERR_IO', 'internal: write after the output was closed', { path: displayPath(this.target) });
  }

  /** Waits until the stream takes more, or rejects with its failure. */
  #drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#failure !== null) {
        reject(this.#failure);
        return;
      }
      const onDrain = () => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== onFailure);
        resolve();
      };
      const onFailure = (failure: FlowhoundError) => {
        this.#stream.removeListener('drain', onDrain);
        reject(failure);
      };
      this.#stream.once('drain', onDrain);
      this.#waiters.push(onFailure);
    });
  }

  /** Writes `chunk`; resolves once the stream can take more. Rejects with the output's ERR_IO. */
  async write(chunk: string | Uint8Array): Promise<void> {
    this.#throwIfFailed();
    if (!this.#stream.write(chunk)) await this.#drained();
    this.#throwIfFailed();
  }

  /** Resolves when the stream's buffer is below its mark (for writers that push bytes themselves). */
  async ready(): Promise<void> {
    this.#throwIfFailed();
    if (this.#stream.writableNeedDrain) await this.#drained();
  }

  /** Finishes the output: flushed, synced and renamed into place. On failure, removes it and throws ERR_IO. */
  async commit(): Promise<void> {
    this.#throwIfFailed();
    const target = this.target;
    try {
      if (target.kind === 'standard-output') {
        if (this.#stream.writableNeedDrain) await this.#drained();
      } else {
        this.#stream.end();
        await Promise.race([finished(this.#stream), this.#drainedFailure()]);
        this.#throwIfFailed();
      }
      this.#ended = true;
      if (target.kind === 'file') {
        await this.#handle!.datasync();
        // The stream holds the handle until it is destroyed (it does not close it: autoClose is off).
        this.#stream.destroy();
        await this.#handle!.close();
        await rename(this.#partialPath!, target.filePath);
      }
    } catch (error) {
      this.#ended = false;
      const failure = this.#failure ?? outputError(displayPath(target), error);
      await this.discard();
      throw failure;
    } finally {
      if (target.kind === 'standard-output') this.#stream.removeListener('error', this.#onError);
    }
  }

  /** A promise that rejects when the output fails (and never resolves otherwise). */
  #drainedFailure(): Promise<never> {
    return new Promise<never>((_resolve, reject) => {
      if (this.#failure !== null) reject(this.#failure);
      else this.#waiters.push(reject);
    });
  }

  /** Stops after a failure elsewhere: removes the partial file. Never throws; safe to call twice. */
  async discard(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter(this.#failure ?? new FlowhoundError('ERR_IO', 'the output was discarded', { path: displayPath(this.target) }));
    if (this.target.kind === 'standard-output') {
      this.#stream.removeListener('error', this.#onError);
      return;
    }
    this.#stream.destroy();
    await this.#handle?.close().catch(() => {});
    if (this.#partialPath !== null) await rm(this.#partialPath, { force: true });
  }
}

/** An output the addon writes by path (synth's capture and labels): the path to give it, published when complete. */
export class GuardedNativeOutput {
  readonly target: OutputTarget;
  /** Where the addon writes. */
  readonly writePath: string;
  readonly #partialPath: string | null;
  #ended = false;

  private constructor(target: OutputTarget, writePath: string, partialPath: string | null) {
    this.target = target;
    this.writePath = writePath;
    this.#partialPath = partialPath;
  }

  static async open(target: OutputTarget): Promise<GuardedNativeOutput> {
    if (target.kind === 'standard-output') return new GuardedNativeOutput(target, '/dev/stdout', null);
    if (target.kind === 'special') return new GuardedNativeOutput(target, target.path, null);
    await removeStalePartials(target.filePath, target.directory);
    const path = partialPath(target.filePath);
    try {
      // Created here, exclusively, so that the name is this run's; the addon truncates and fills it.
      await (await open(path, 'wx')).close();
    } catch (error) {
      throw outputError(target.path, error);
    }
    return new GuardedNativeOutput(target, path, path);
  }

  /** Syncs the file the addon wrote and renames it into place. On failure, removes it and throws ERR_IO. */
  async commit(): Promise<void> {
    if (this.#partialPath === null || this.target.kind !== 'file') return;
    try {
      const handle = await open(this.#partialPath, 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(this.#partialPath, this.target.filePath);
      this.#ended = true;
    } catch (error) {
      await this.discard();
      throw outputError(this.target.path, error);
    }
  }

  /** Removes what the addon wrote. Never throws; safe to call twice. */
  async discard(): Promise<void> {
    if (this.#ended || this.#partialPath === null) return;
    this.#ended = true;
    await rm(this.#partialPath, { force: true });
  }
}

/** Writes a whole document (a ranking, a report, an evaluation) to a checked target, published only when complete. */
export async function writeWholeOutput(target: OutputTarget, data: string | Uint8Array): Promise<void> {
  const output = await GuardedOutput.open(target);
  try {
    await output.write(data);
  } catch (error) {
    await output.discard();
    throw error;
  }
  await output.commit();
}
