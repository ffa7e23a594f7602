// A gzip flow file's progress in uncompressed bytes (what the progress line draws): its size
// from the gzip trailer before anything is read, the text decoded as it is read, and the exact
// size at the end; checked against zlib's own count of the text.
import { createReadStream, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { native, packageRoot } from '../../src/native.js';

const EXCERPT = join(packageRoot, 'test/fixtures/flowfiles/ctu13-scenario11-excerpt.binetflow.gz');
const SCENARIO6 = join(packageRoot, '../shared/data/ctu13/capture20110816.binetflow.gz');

async function gunzippedLength(path: string): Promise<number> {
  let length = 0;
  for await (const chunk of createReadStream(path).pipe(createGunzip())) length += (chunk as Buffer).length;
  return length;
}

describe('gzip flow file progress', () => {
  it('counts the text decoded against the size the trailer gives, exact at the end', async () => {
    const text = gunzipSync(readFileSync(EXCERPT)).length;
    const stream = native.FlowStream.open(EXCERPT, { utcOffsetMinutes: 120 });
    const opened = stream.progress();
    expect(opened.uncompressedTotalBytes).toBe(text);
    expect(opened.uncompressedBytes).toBeGreaterThan(0);
    while ((await stream.nextBatch()) !== null);
    const end = stream.progress();
    expect(end).toMatchObject({ uncompressedBytes: text, uncompressedTotalBytes: text, bytesConsumed: statSync(EXCERPT).size, totalBytes: statSync(EXCERPT).size });
  });

  it('a plain file has no uncompressed counts', async () => {
    const stream = native.FlowStream.open(join(packageRoot, 'test/fixtures/flowfiles/ctu13-scenario6-excerpt.binetflow'), {});
    while ((await stream.nextBatch()) !== null);
    expect(stream.progress()).toMatchObject({ uncompressedBytes: 0, uncompressedTotalBytes: 0 });
  });

  it.skipIf(!existsSync(SCENARIO6))('CTU-13 scenario 6 (../shared/data): the estimate is the size all along, and the fraction only grows', async () => {
    const text = await gunzippedLength(SCENARIO6);
    const stream = native.FlowStream.open(SCENARIO6, { utcOffsetMinutes: 120, batchRecords: 65_536 });
    const fractions: number[] = [];
    for (;;) {
      const progress = stream.progress();
      expect(progress.uncompressedTotalBytes).toBe(text);
      fractions.push(progress.uncompressedBytes / progress.uncompressedTotalBytes);
      if ((await stream.nextBatch()) === null) break;
    }
    expect(fractions.length).toBeGreaterThan(5);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.at(-1)).toBe(1);
    // The compressed bytes would have said something else midway: the text is not spread evenly.
  });
});
