import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { FULL_HASH_LIMIT_BYTES, inputFingerprint } from '../../src/pipeline/input-fingerprint.js';

describe('input fingerprint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowhound-fingerprint-'));

  it('is the SHA-256 of a small file', async () => {
    const path = join(dir, 'small.bin');
    writeFileSync(path, 'abc');
    expect(await inputFingerprint(path, 3)).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('samples a large file, says so, and changes when a sampled block changes', async () => {
    const path = join(dir, 'large.bin');
    const size = FULL_HASH_LIMIT_BYTES + 4096;
    writeFileSync(path, '');
    truncateSync(path, size); // sparse: no disk used
    const before = await inputFingerprint(path, size);
    expect(before).toMatch(/^sample:[0-9a-f]{64}$/);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from("x"), 0, 1, Math.floor((size * 32) / 65)); // inside the 32nd spread block
    closeSync(fd);
    expect(await inputFingerprint(path, size)).not.toBe(before);
  });
});
