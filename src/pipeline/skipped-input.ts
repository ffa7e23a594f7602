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

/**
 * Packets that came after every window holding them had closed (a capture out of time order by
 * more than the reorder slack: captures concatenated in the wrong order, a clock stepped back),
 * each counted at the start of the oldest window still open: told, never silently moved.
 */
export function describeLatePackets(stats: { latePacketsMoved: number }): string | null {
  const moved = stats.latePacketsMoved;
  if (moved === 0) return null;
  return (
    `${moved} packet${moved === 1 ? '' : 's'} came after every window holding ${moved === 1 ? 'it' : 'them'} had closed ` +
    `(the capture is out of time order): counted at the start of the oldest open window; ` +
    `\`reordercap IN OUT\` (Wireshark) sorts a capture by time`
  );
}

/**
 * A capture none of whose packets could be decoded to IP (a pcapng interface of a link type
 * flowhound does not decode, or every packet cut by the snap length before its IP header):
 * it gives no flows, which must not pass for a quiet network.
 */
export function describeUndecodable(stats: { packets: number; ipPackets: number; undecodablePackets: number }): string | null {
  if (stats.ipPackets > 0 || stats.undecodablePackets === 0) return null;
  const others = stats.packets - stats.undecodablePackets;
  return (
    `no IP packet could be decoded: ${stats.undecodablePackets} of ${stats.packets} packets are undecodable ` +
    `(a link type flowhound does not decode, or cut by the snap length before their IP header)` +
    `${others > 0 ? `, the other ${others} not IP` : ''}: no flows come from them`
  );
}

/** What a capture's statistics call for a word about, one line each. */
export function captureWarnings(stats: { packets: number; ipPackets: number; undecodablePackets: number; latePacketsMoved: number }): string[] {
  return [describeUndecodable(stats), describeLatePackets(stats)].filter((line): line is string => line !== null);
}
