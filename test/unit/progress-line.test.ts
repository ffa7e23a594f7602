// The progress line: a gzip input counts in its uncompressed bytes (the total an estimate,
// marked so, until the end), with the elapsed time and the time left; several inputs add up.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { bytesText, ProgressLine, sumProgress, type ProgressSnapshot } from '../../src/progress.js';

/** A terminal that keeps what is drawn on it. */
function terminal(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: true, columns: 200, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

const GZIP: ProgressSnapshot = { bytesConsumed: 40e6, totalBytes: 100e6, packets: 0, records: 52_000, uncompressedBytes: 500e6, uncompressedTotalBytes: 1e9 };

describe('progress line', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('draws a gzip input on its uncompressed bytes, with elapsed time and ETA', () => {
    vi.useFakeTimers();
    vi.stubEnv('CI', '');
    const { stream, lines } = terminal();
    const line = new ProgressLine(() => GZIP, { stream, label: 'analyze' });
    vi.advanceTimersByTime(10_000);
    line.stop();
    // 500 MB of an estimated 1 GB read, in 10 s: half done, 10 s to go (not 40 % on the
    // compressed bytes, which would say 15 s).
    const drawn = lines.at(-2)!;
    expect(drawn).toContain('analyze  [##########..........]  50%  elapsed 10s, ETA 10s  500.0 MB / ~1.0 GB uncompressed');
    expect(drawn).toContain('52.0 k records');
    expect(lines.at(-1)).toBe('\r\x1b[K');
  });

  it('a plain input, and a gzip one read to its end, show no estimate', () => {
    expect(bytesText({ done: 12e6, total: 40e6, gzip: false })).toBe('12.0 MB / 40.0 MB');
    expect(bytesText({ done: 1e9, total: 1e9, gzip: true })).toBe('1.0 GB / 1.0 GB uncompressed');
    expect(bytesText({ done: 3e6, total: 0, gzip: false })).toBe('3.0 MB');
  });

  it('sums several inputs in the bytes each reader works through', () => {
    const plain: ProgressSnapshot = { bytesConsumed: 100e6, totalBytes: 200e6, packets: 10, records: 1, uncompressedBytes: 0, uncompressedTotalBytes: 0 };
    const sum = sumProgress([GZIP, plain]);
    expect(sum).toMatchObject({ bytesConsumed: 140e6, totalBytes: 300e6, packets: 10, records: 52_001, uncompressedBytes: 600e6, uncompressedTotalBytes: 1.2e9 });
    // Without a gzip input the stored bytes are the measure.
    expect(sumProgress([plain, plain])).toMatchObject({ bytesConsumed: 200e6, totalBytes: 400e6, uncompressedBytes: 0, uncompressedTotalBytes: 0 });
  });
});
