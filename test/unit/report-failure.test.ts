// How a failed run ends: flowhound's errors with their code and exit status; anything else
// (a bug) as one ERR_INTERNAL line and exit status 70, never a stack trace and never 1.
import { describe, expect, it } from 'vitest';

import { reportFailure } from '../../src/cli/report-failure.js';
import { ExitCode, FlowhoundError } from '../../src/errors.js';

function failure(error: unknown, debug = false): { status: number; lines: string[] } {
  const lines: string[] = [];
  const status = reportFailure(error, (line) => lines.push(line), debug);
  return { status, lines };
}

describe('reportFailure', () => {
  it("tells flowhound's own errors with their code and their exit status", () => {
    expect(failure(new FlowhoundError('ERR_USAGE', 'bad'))).toEqual({ status: ExitCode.usageOrInput, lines: ['flowhound: ERR_USAGE: bad'] });
    expect(failure(new FlowhoundError('ERR_INTERRUPTED', 'interrupted')).status).toBe(ExitCode.interrupted);
  });

  it('tells any other error as ERR_INTERNAL in one line, exit status 70, with no stack', () => {
    const { status, lines } = failure(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(status).toBe(70);
    expect(status).not.toBe(ExitCode.detection);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^flowhound: ERR_INTERNAL: Cannot read properties of undefined \(reading 'x'\) \(a bug in flowhound/);
    expect(lines[0]).not.toMatch(/\n| {4}at /);
    expect(failure('a thrown string').lines[0]).toMatch(/^flowhound: ERR_INTERNAL: a thrown string /);
  });

  it("adds a bug's stack only when asked (FLOWHOUND_DEBUG=1)", () => {
    const { lines } = failure(new RangeError('Invalid time value'), true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/RangeError: Invalid time value\n\s+at /);
    expect(failure(new FlowhoundError('ERR_USAGE', 'bad'), true).lines).toHaveLength(1);
  });
});
