import { describe, expect, it } from 'vitest';

import { parseTimeArgument } from '../../src/time-argument.js';

describe('times on the command line', () => {
  it('reads epoch seconds, with a fraction', () => {
    expect(parseTimeArgument('1313487000', 0, '--from')).toBe(1_313_487_000_000_000);
    expect(parseTimeArgument('1313487000.25', 120, '--from')).toBe(1_313_487_000_250_000);
  });

  it('reads calendar times as local at the offset, unless they carry a zone', () => {
    // 11:30 CEST is 09:30 UTC.
    expect(parseTimeArgument('2011/08/16 11:30', 120, '--from')).toBe(Date.UTC(2011, 7, 16, 9, 30) * 1000);
    expect(parseTimeArgument('2011-08-16T11:30:00.000001', 120, '--from')).toBe(Date.UTC(2011, 7, 16, 9, 30) * 1000 + 1);
    expect(parseTimeArgument('2011-08-16T09:30:00Z', 120, '--from')).toBe(Date.UTC(2011, 7, 16, 9, 30) * 1000);
    expect(parseTimeArgument('2011-08-16T11:30:00+02:00', 0, '--from')).toBe(Date.UTC(2011, 7, 16, 9, 30) * 1000);
    expect(parseTimeArgument('2011-08-16', 0, '--from')).toBe(Date.UTC(2011, 7, 16) * 1000);
  });

  it('refuses anything else with the option named', () => {
    expect(() => parseTimeArgument('yesterday', 0, '--to')).toThrow(/--to needs a time/);
    expect(() => parseTimeArgument('2011/13/45 99:99', 0, '--to')).toThrow();
  });
});
