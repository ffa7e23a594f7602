// Option values as text → what they mean, or an ERR_USAGE naming the option and the value.
import { usageError } from '../errors.js';

export function positiveNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw usageError(`${option} needs a positive number, got '${value}'`);
  }
  return number;
}

export function integer(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw usageError(`${option} needs a whole number, got '${value}'`);
  return number;
}

/** One of `choices`, or undefined when the option is not given. */
export function choice<Choice extends string>(value: string | undefined, choices: readonly Choice[], option: string): Choice | undefined {
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as Choice | undefined;
  const listed = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : choices.join('');
  throw usageError(`${option} must be ${listed}, got '${value}'`);
}
