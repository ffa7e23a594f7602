// Output files appear whole or not at all: data goes to `NAME.partial` and is renamed into
// place only when complete, so an interrupted run never leaves a truncated file that looks done.
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface OutputTarget {
  stream: Writable;
  /** Waits until everything is written, then publishes the file. */
  commit(): Promise<void>;
  /** Removes what was written (after a failure). */
  discard(): Promise<void>;
}

/** True when `path` exists and is not a regular file: a device, a FIFO, a socket. */
function isSpecialFile(path: string): boolean {
  try {
    return !statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A path that a native writer fills: `writePath` is where to write, `commit` publishes it. */
export interface PublishedPath {
  writePath: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** As `openOutput`, for files written by the addon: FILE.partial, renamed when complete. */
export function publishedPath(path: string): PublishedPath {
  if (isSpecialFile(path)) {
    return { writePath: path, commit: async () => {}, discard: async () => {} };
  }
  const writePath = `${path}.partial`;
  return {
    writePath,
    commit: () => rename(writePath, path),
    discard: () => rm(writePath, { force: true }),
  };
}

export function openOutput(path: string | null): OutputTarget {
  if (path === null || path === '-') {
    return {
      stream: process.stdout,
      commit: async () => {},
      discard: async () => {},
    };
  }
  if (isSpecialFile(path)) {
    // /dev/null, a named pipe, …: written in place; renaming onto them would replace them.
    const stream = createWriteStream(path, { flags: 'a' });
    return {
      stream,
      commit: async () => {
        stream.end();
        await once(stream, 'finish');
      },
      discard: () => {
        stream.destroy();
        return Promise.resolve();
      },
    };
  }
  const partialPath = `${path}.partial`;
  const stream: WriteStream = createWriteStream(partialPath);
  return {
    stream,
    commit: async () => {
      stream.end();
      await once(stream, 'finish');
      await rename(partialPath, path);
    },
    discard: async () => {
      stream.destroy();
      await rm(partialPath, { force: true });
    },
  };
}

/** Writes a chunk, waiting for the stream to drain when its buffer is full. */
export async function writeChunk(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}
