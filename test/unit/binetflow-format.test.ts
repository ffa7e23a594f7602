import { describe, expect, it } from 'vitest';

import {
  formatDirection,
  formatDurationSeconds,
  formatOptionalInt,
  formatPort,
  StartTimeFormatter,
} from '../../src/sinks/binetflow-format.js';

describe('binetflow field formatting (as Argus ra -c , prints CTU-13)', () => {
  it('prints start times in UTC with six fraction digits', () => {
    const formatter = new StartTimeFormatter();
    // 2011-08-16T10:01:46.972101Z, the first record of CTU-13 scenario 6 read as UTC.
    expect(formatter.format(1313488906972101)).toBe('2011/08/16 10:01:46.972101');
    expect(formatter.format(1313488906000007)).toBe('2011/08/16 10:01:46.000007');
    expect(formatter.format(1313488907000000)).toBe('2011/08/16 10:01:47.000000');
  });

  it('prints durations in seconds with six decimals', () => {
    expect(formatDurationSeconds(3599986572)).toBe('3599.986572');
    expect(formatDurationSeconds(467)).toBe('0.000467');
    expect(formatDurationSeconds(0)).toBe('0.000000');
  });

  it('prints ICMP type/code and id in hex, other ports in decimal, absent ports empty', () => {
    expect(formatPort(0x0303, 1)).toBe('0x0303');
    expect(formatPort(8, 1)).toBe('0x0008');
    expect(formatPort(0x8000, 58)).toBe('0x8000');
    expect(formatPort(49213, 6)).toBe('49213');
    expect(formatPort(-1, 6)).toBe('');
  });

  it('right-aligns the direction in five columns', () => {
    expect(formatDirection('->')).toBe('   ->');
    expect(formatDirection('<?>')).toBe('  <?>');
    expect(formatDirection('who')).toBe('  who');
  });

  it('leaves absent TOS values empty', () => {
    expect(formatOptionalInt(-1)).toBe('');
    expect(formatOptionalInt(0)).toBe('0');
  });
});
