import { describe, expect, it } from 'vitest';

import {
  formatDirection,
  formatDurationSeconds,
  formatOptionalInt,
  formatPorts,
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

  it('prints ports as Argus does: ICMP as 0xCCTT and hex id, ICMPv6 as decimal type and code', () => {
    // From `ra -Z b` on test7-malicious.pcap: host unreachable (type 3, code 1) → 0x0103.
    expect(formatPorts((3 << 8) | 1, 0xdac1, 1)).toEqual(['0x0103', '0xc1da']);
    // Echo request, id 7 (argus 3.0.8 on test/helpers/small-lan.ts's capture): 0x0008, 0x0700.
    expect(formatPorts(8 << 8, 7, 1)).toEqual(['0x0008', '0x0700']);
    // Neighbour solicitation (135, 0) → "135", "0".
    expect(formatPorts(135 << 8, -1, 58)).toEqual(['135', '0']);
    expect(formatPorts(49213, 80, 6)).toEqual(['49213', '80']);
    expect(formatPorts(-1, -1, 47)).toEqual(['', '']);
  });

  it('pads the direction as Argus does', () => {
    // All seven forms as they appear in capture20110816.binetflow.
    expect(formatDirection('->')).toBe('   ->');
    expect(formatDirection('?>')).toBe('   ?>');
    expect(formatDirection('<-')).toBe('  <-');
    expect(formatDirection('<?')).toBe('  <?');
    expect(formatDirection('<->')).toBe('  <->');
    expect(formatDirection('<?>')).toBe('  <?>');
    expect(formatDirection('who')).toBe('  who');
  });

  it('leaves absent TOS values empty', () => {
    expect(formatOptionalInt(-1)).toBe('');
    expect(formatOptionalInt(0)).toBe('0');
  });
});
