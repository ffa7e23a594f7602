// Option values as text → what they mean, or an ERR_USAGE naming the option, what it takes
// (with its unit), its limits and the value given. Numbers are read strictly: digits with an
// optional sign, fraction and exponent; never '' (which Number() reads as 0) or 0x…, and never
// past the limits of what the value goes into (a u32 in the addon wraps silently otherwise).
import { usageError } from '../errors.js';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

export interface NumberRange {
  /** What the option takes, with its unit, as the message says it: 'a whole number of flows', 'a number of seconds'. */
  what: string;
  min: number;
  max: number;
  /** Said after the limits, e.g. '(4 per core)'. */
  note?: string;
}

function outOfRange(option: string, range: NumberRange, value: string): never {
  throw usageError(`${option} needs ${range.what} from ${range.min} to ${range.max}${range.note ? ` ${range.note}` : ''}, got '${value}'`);
}

/** A number within `range`, or undefined when the option is not given. */
export function numberIn(value: string | undefined, option: string, range: NumberRange): number | undefined {
  if (value === undefined) return undefined;
  const number = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(number) || number < range.min || number > range.max) outOfRange(option, range, value);
  return number;
}

/** A whole number within `range` (itself within JavaScript's exact integers), or undefined when not given. */
export function wholeNumberIn(value: string | undefined, option: string, range: NumberRange): number | undefined {
  const number = numberIn(value, option, range);
  if (number !== undefined && !Number.isSafeInteger(number)) outOfRange(option, range, value!);
  return number;
}

/** The longest window, step or status interval the core takes (native/node/src/options.rs). */
const MAX_SPAN_S = 1e9;

/** A span of capture time in seconds: more than nothing at µs precision, at most what the core takes. */
export function seconds(value: string | undefined, option: string): number | undefined {
  return numberIn(value, option, { what: 'a number of seconds', min: 1e-6, max: MAX_SPAN_S });
}

/** One of `choices`, or undefined when the option is not given. */
export function choice<Choice extends string>(value: string | undefined, choices: readonly Choice[], option: string): Choice | undefined {
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as Choice | undefined;
  const listed = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : choices.join('');
  throw usageError(`${option} must be ${listed}, got '${value}'`);
}
