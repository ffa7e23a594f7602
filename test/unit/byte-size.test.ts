// --memcap's sizes: IEC units are powers of 1024, SI units powers of 1000, a bare number is
// bytes; anything else, or a size past the limits, is ERR_USAGE naming units, limits and value.
import { describe, expect, it } from 'vitest';

import { byteSize, formatBytes } from '../../src/cli/byte-size.js';
import { FlowhoundError } from '../../src/errors.js';
import { coreDefaults } from '../../src/native.js';

const limits = { minBytes: coreDefaults.minMemcapBytes, maxBytes: coreDefaults.maxMemcapBytes };

describe('byteSize', () => {
  it('reads IEC and SI units, any case, with or without a space, and bare bytes', () => {
    expect(byteSize('2GiB', '--memcap', limits)).toBe(2 * 2 ** 30);
    expect(byteSize('512mib', '--memcap', limits)).toBe(512 * 2 ** 20);
    expect(byteSize('1.5 GiB', '--memcap', limits)).toBe(1.5 * 2 ** 30);
    expect(byteSize('300MB', '--memcap', limits)).toBe(300e6);
    expect(byteSize('16777216', '--memcap', limits)).toBe(16 * 2 ** 20);
    expect(byteSize('1TiB', '--memcap', limits)).toBe(2 ** 40);
    expect(byteSize(undefined, '--memcap', limits)).toBeUndefined();
  });

  it('refuses sizes past the core’s limits and text that is not a size, saying units, limits and value', () => {
    for (const text of ['16777215', '15MiB', '1025GiB', '2TiB', '2XB', 'GiB', '-1GiB', '0x10MiB', '', '1e9']) {
      let error: unknown;
      try {
        byteSize(text, '--memcap', limits);
      } catch (caught) {
        error = caught;
      }
      expect(error, text).toBeInstanceOf(FlowhoundError);
      expect((error as FlowhoundError).code).toBe('ERR_USAGE');
      expect((error as FlowhoundError).message).toBe(
        `--memcap needs a size from 16 MiB to 1 TiB (a number of bytes, or with a unit: KiB, MiB, GiB, TiB, kB, MB, GB, TB), got '${text}'`,
      );
    }
  });

  it('writes a size in the largest binary unit that holds it exactly', () => {
    expect([formatBytes(coreDefaults.memcapBytes), formatBytes(3 * 2 ** 29), formatBytes(1000)]).toEqual(['256 MiB', '1536 MiB', '1000 bytes']);
  });
});
