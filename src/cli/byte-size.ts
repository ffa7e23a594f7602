// A size in bytes as a person writes it: `2GiB`, `512MiB`, `1.5 GiB`, `300MB`, `1073741824`.
// IEC units (KiB, MiB, GiB, TiB) are powers of 1024, SI units (kB, MB, GB, TB) powers of 1000,
// as their standards say; a bare number is bytes. Case does not matter. Anything else, or a
// size outside the limits, is an ERR_USAGE naming the option, the units, the limits and the
// value given.
import { usageError } from '../errors.js';

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes in the largest binary unit that writes them exactly: 268435456 → '256 MiB'. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** A size in bytes from `minBytes` to `maxBytes`, or undefined when the option is not given. */
export function byteSize(value: string | undefined, option: string, limits: { minBytes: number; maxBytes: number }): number | undefined {
  if (value === undefined) return undefined;
  const match = SIZE.exec(value.trim());
  const unit = match ? UNIT_BYTES[(match[2] || 'b').toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : NaN;
  if (!(bytes >= limits.minBytes && bytes <= limits.maxBytes)) {
    throw usageError(
      `${option} needs a size from ${formatBytes(limits.minBytes)} to ${formatBytes(limits.maxBytes)} ` +
        `(a number of bytes, or with a unit: KiB, MiB, GiB, TiB, kB, MB, GB, TB), got '${value}'`,
    );
  }
  return bytes;
}
