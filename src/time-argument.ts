// Times given on the command line: epoch seconds, or a calendar time as flow files write them.
import { usageError } from './errors.js';

const CALENDAR = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Microseconds since the epoch from `1313487000`, `1313487000.5`, `2011/08/16 11:30:00`,
 * `2011-08-16T11:30:00.25` or `2011-08-16T09:30:00Z`. A calendar time without a zone is
 * local at `utcOffsetMinutes`, like the flow file's own times.
 */
export function parseTimeArgument(text: string, utcOffsetMinutes: number, option: string): number {
  const us = timeUs(text, utcOffsetMinutes, option);
  if (us < EARLIEST_US || us >= LATEST_US) throw usageError(`${option} needs a time from 1970-01-01 to 2100-01-01 UTC, got '${text}'`);
  return us;
}

/** The times flowhound reads and writes: none before the epoch, none from 2100 on (as its inputs' timestamps). */
const EARLIEST_US = 0;
const LATEST_US = Date.UTC(2100, 0, 1) * 1000;

function timeUs(text: string, utcOffsetMinutes: number, option: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1e6);
  const match = CALENDAR.exec(trimmed);
  if (!match) {
    throw usageError(`${option} needs a time such as '2011/08/16 11:30:00' or epoch seconds, got '${text}'`);
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const utcMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(utcMs);
  const exact =
    check.getUTCFullYear() === fields[0] && check.getUTCMonth() === fields[1] - 1 && check.getUTCDate() === fields[2] &&
    check.getUTCHours() === fields[3] && check.getUTCMinutes() === fields[4] && check.getUTCSeconds() === fields[5];
  if (!exact) throw usageError(`${option}: '${text}' is not a valid date and time`);
  let offsetMinutes = utcOffsetMinutes;
  if (zone === 'Z') offsetMinutes = 0;
  else if (zone !== undefined) {
    const digits = zone.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const micros = Number(fraction.padEnd(6, '0') || '0');
  return (utcMs - offsetMinutes * 60_000) * 1000 + micros;
}
