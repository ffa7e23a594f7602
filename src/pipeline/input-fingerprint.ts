// What identifies an input in the history: a SHA-256 of its bytes. Hashing a 4 GB capture
// whole costs seconds of a core that the analysis needs, so inputs above FULL_HASH_LIMIT_BYTES
// are identified by a SHA-256 of their size and 66 sampled blocks (the first and last 16 MiB's
// first 64 KiB and 64 blocks spread evenly between), written `sample:<hex>` so that it is never
// taken for a hash of the whole file.
//
// A stream (`-` for standard input, a FIFO, a device, a process substitution) is read once, by
// the addon: reading it here too would steal its bytes (a FIFO's reader then waits for ever).
// It is not hashed, and gets a SHA-256 of a random nonce instead, so that no two runs of
// streams are ever taken for the same input.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';

export const FULL_HASH_LIMIT_BYTES = 256 * 1024 * 1024;
const SAMPLE_BLOCK_BYTES = 64 * 1024;
const SPREAD_BLOCKS = 64;
const EDGE_BYTES = 16 * 1024 * 1024;

export async function inputFingerprint(path: string, sizeBytes: number): Promise<string> {
  const hash = createHash('sha256');
  if (sizeBytes <= FULL_HASH_LIMIT_BYTES) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
  hash.update(`size ${sizeBytes}\n`);
  const file = await open(path, 'r');
  try {
    const block = Buffer.alloc(SAMPLE_BLOCK_BYTES);
    const offsets = [0, EDGE_BYTES, sizeBytes - EDGE_BYTES, sizeBytes - SAMPLE_BLOCK_BYTES];
    for (let i = 1; i <= SPREAD_BLOCKS; i++) offsets.push(Math.floor((sizeBytes * i) / (SPREAD_BLOCKS + 1)));
    for (const offset of offsets) {
      const { bytesRead } = await file.read(block, 0, SAMPLE_BLOCK_BYTES, offset);
      hash.update(block.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return `sample:${hash.digest('hex')}`;
}

/** An input as a run records it: its path, size (0 for a stream) and fingerprint. */
export interface InputDescription {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** Describes an input without consuming it: regular files are hashed, streams never read. */
export async function describeInput(path: string): Promise<InputDescription> {
  const info = path === '-' ? null : statSync(path);
  if (info === null || !info.isFile()) {
    return { path, sizeBytes: 0, sha256: createHash('sha256').update(`unread stream ${path} ${randomUUID()}`).digest('hex') };
  }
  return { path, sizeBytes: info.size, sha256: await inputFingerprint(path, info.size) };
}
