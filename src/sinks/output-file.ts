// Output files appear whole or not at all: data goes to `NAME.partial` and is renamed into
// place only when complete, so an interrupted run never leaves a truncated file that looks done.
import { createWriteStream, type WriteStream } from 'node:fs';
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

export function openOutput(path: string | null): OutputTarget {
  if (path === null || path === '-') {
    return {
      stream: process.stdout,
      commit: async () => {},
      discard: async () => {},
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
