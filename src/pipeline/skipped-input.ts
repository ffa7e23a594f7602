// What a reader passed over under --keep-going (flow-file rows, packets whose time is out of
// range), told in one line with the first reason, so that nothing is dropped without a word.
import { decodeError } from '../errors.js';

export interface SkipCounts {
  skippedRows: number;
  skippedPackets: number;
  /** The first reasons, as error JSON (the core's wire form). */
  skipReasons: readonly string[];
}

/** "4 flow-file rows skipped (--keep-going); the first: ERR_…", or null when nothing was skipped. */
export function describeSkips(stats: SkipCounts): string | null {
  const parts: string[] = [];
  if (stats.skippedRows > 0) parts.push(`${stats.skippedRows} flow-file row${stats.skippedRows === 1 ? '' : 's'}`);
  if (stats.skippedPackets > 0) parts.push(`${stats.skippedPackets} packet${stats.skippedPackets === 1 ? '' : 's'}`);
  if (parts.length === 0) return null;
  const first = stats.skipReasons.length > 0 ? decodeError(stats.skipReasons[0]!) : null;
  return `${parts.join(' and ')} skipped (--keep-going)${first ? `; the first: ${first.describe()}` : ''}`;
}
