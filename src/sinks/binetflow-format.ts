// Text forms of flow fields exactly as Argus's `ra -c , -Z b` prints them in CTU-13 files.

const ICMP = 1;
const ICMPV6 = 58;
const MICROS_PER_SECOND = 1_000_000;

/** `2011/08/16 10:01:46.972101` in UTC, from µs since the epoch. */
export class StartTimeFormatter {
  #cachedSecond = Number.NaN;
  #cachedPrefix = '';

  format(timeUs: number): string {
    const second = Math.floor(timeUs / MICROS_PER_SECOND);
    if (second !== this.#cachedSecond) {
      const d = new Date(second * 1000);
      this.#cachedPrefix =
        `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())} ` +
        `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.`;
      this.#cachedSecond = second;
    }
    const micros = timeUs - second * MICROS_PER_SECOND;
    return this.#cachedPrefix + String(micros).padStart(6, '0');
  }
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** Seconds with six decimals, as Argus prints Dur. */
export function formatDurationSeconds(durationUs: number): string {
  const whole = Math.floor(durationUs / MICROS_PER_SECOND);
  const micros = durationUs - whole * MICROS_PER_SECOND;
  return `${whole}.${String(micros).padStart(6, '0')}`;
}

/**
 * Sport and Dport as Argus prints them. Records keep ICMP's type and code in the source port
 * (`type << 8 | code`) and the echo id in the destination port. Argus reads both as
 * little-endian numbers from the packet's bytes, so it shows ICMP's type/code as 0xCCTT and
 * echo id 7 as 0x0700; ICMPv6's as the decimal type and code.
 */
export function formatPorts(srcPort: number, dstPort: number, protoNumber: number): [string, string] {
  if (protoNumber === ICMP) {
    return [srcPort < 0 ? '' : hex4(swapBytes(srcPort)), dstPort < 0 ? '' : hex4(swapBytes(dstPort))];
  }
  if (protoNumber === ICMPV6) {
    if (srcPort < 0) return ['', ''];
    return [String(srcPort >> 8), String(srcPort & 0xff)];
  }
  return [srcPort < 0 ? '' : String(srcPort), dstPort < 0 ? '' : String(dstPort)];
}

function swapBytes(value: number): number {
  return ((value & 0xff) << 8) | (value >> 8);
}

function hex4(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}

/**
 * Dir as Argus pads it in CTU-13 files: two-character arrows pointing right get three spaces,
 * everything else two (`   ->`, `   ?>`, `  <-`, `  <?`, `  <->`, `  <?>`, `  who`).
 */
export function formatDirection(direction: string): string {
  return direction === '->' || direction === '?>' ? `   ${direction}` : `  ${direction}`;
}

/** A small integer column where -1 means "absent". */
export function formatOptionalInt(value: number): string {
  return value < 0 ? '' : String(value);
}
