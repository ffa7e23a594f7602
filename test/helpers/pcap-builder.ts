// Builds small classic pcap files (Ethernet, IPv4) packet by packet, so tests can state
// exactly which packets a capture holds. Checksums are left zero: flow building ignores them.

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface PacketSpec {
  timeUs: number;
  src: string;
  dst: string;
  /** 6 TCP, 17 UDP, 1 ICMP, anything else: bare IP. */
  proto: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** Transport payload bytes (filler). */
  payloadBytes?: number;
  tos?: number;
}

const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const MIN_ETHERNET_FRAME = 60;

function ipv4Bytes(address: string): number[] {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return parts;
}

function transportHeaderBytes(spec: PacketSpec): number {
  if (spec.proto === 6) return 20;
  if (spec.proto === 17) return 8;
  if (spec.proto === 1) return 8;
  return 0;
}

/** The packet as it goes on the wire (Ethernet frame without FCS, padded to 60 bytes). */
export function buildFrame(spec: PacketSpec): Uint8Array {
  const payload = spec.payloadBytes ?? 0;
  const ipLength = IPV4_HEADER + transportHeaderBytes(spec) + payload;
  const frameLength = Math.max(ETHERNET_HEADER + ipLength, MIN_ETHERNET_FRAME);
  const frame = new Uint8Array(frameLength);
  const view = new DataView(frame.buffer);
  const src = ipv4Bytes(spec.src);
  const dst = ipv4Bytes(spec.dst);
  // Ethernet: MACs derived from the addresses, EtherType IPv4.
  frame.set([0x02, 0, ...dst], 0);
  frame.set([0x02, 0, ...src], 6);
  view.setUint16(12, 0x0800);
  // IPv4.
  let at = ETHERNET_HEADER;
  frame[at] = 0x45;
  frame[at + 1] = spec.tos ?? 0;
  view.setUint16(at + 2, ipLength);
  frame[at + 8] = 64;
  frame[at + 9] = spec.proto;
  frame.set(src, at + 12);
  frame.set(dst, at + 16);
  at += IPV4_HEADER;
  if (spec.proto === 6) {
    view.setUint16(at, spec.srcPort ?? 0);
    view.setUint16(at + 2, spec.dstPort ?? 0);
    frame[at + 12] = 5 << 4;
    frame[at + 13] = spec.tcpFlags ?? 0;
    view.setUint16(at + 14, 65535);
  } else if (spec.proto === 17) {
    view.setUint16(at, spec.srcPort ?? 0);
    view.setUint16(at + 2, spec.dstPort ?? 0);
    view.setUint16(at + 4, 8 + payload);
  } else if (spec.proto === 1) {
    frame[at] = spec.icmpType ?? 8;
    frame[at + 1] = spec.icmpCode ?? 0;
    view.setUint16(at + 4, spec.icmpId ?? 0);
  }
  return frame;
}

/** A pcap file (µs, little-endian, Ethernet) holding the packets in the order given. */
export function buildPcap(packets: PacketSpec[], snaplen = 65535): Uint8Array {
  const frames = packets.map((spec) => ({ spec, frame: buildFrame(spec) }));
  const size = 24 + frames.reduce((sum, { frame }) => sum + 16 + Math.min(frame.length, snaplen), 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snaplen, true);
  view.setUint32(20, 1, true);
  let at = 24;
  for (const { spec, frame } of frames) {
    const captured = Math.min(frame.length, snaplen);
    view.setUint32(at, Math.floor(spec.timeUs / 1e6), true);
    view.setUint32(at + 4, spec.timeUs % 1e6, true);
    view.setUint32(at + 8, captured, true);
    view.setUint32(at + 12, frame.length, true);
    file.set(frame.subarray(0, captured), at + 16);
    at += 16 + captured;
  }
  return file;
}

/**
 * As `buildPcap`, on another link layer: each Ethernet frame's 14-byte header is replaced by
 * `linkHeader(etherType)` (the IP packet after it unchanged) and the file says `linkType`.
 */
export function buildPcapWithLink(packets: PacketSpec[], linkType: number, linkHeader: (etherType: number) => Uint8Array): Uint8Array {
  const frames = packets.map((spec) => {
    const ethernet = buildFrame(spec);
    const etherType = (ethernet[12]! << 8) | ethernet[13]!;
    const header = linkHeader(etherType);
    const frame = new Uint8Array(header.length + ethernet.length - 14);
    frame.set(header, 0);
    frame.set(ethernet.subarray(14), header.length);
    return { spec, frame };
  });
  const file = new Uint8Array(24 + frames.reduce((sum, { frame }) => sum + 16 + frame.length, 0));
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, linkType, true);
  let at = 24;
  for (const { spec, frame } of frames) {
    view.setUint32(at, Math.floor(spec.timeUs / 1e6), true);
    view.setUint32(at + 4, spec.timeUs % 1e6, true);
    view.setUint32(at + 8, frame.length, true);
    view.setUint32(at + 12, frame.length, true);
    file.set(frame, at + 16);
    at += 16 + frame.length;
  }
  return file;
}

/** Wire length of a packet, as flow byte counts see it. */
export function wireLength(spec: PacketSpec): number {
  return buildFrame(spec).length;
}

/**
 * A pcapng file (little-endian, one Ethernet interface at the default µs resolution) holding
 * the packets in the order given, each in an Enhanced Packet Block. `ticksOverride` gives some
 * packets a raw 64-bit timestamp instead of their `timeUs` (e.g. 10n ** 19n, a time no date holds).
 */
export function buildPcapng(packets: PacketSpec[], ticksOverride: Map<number, bigint> = new Map()): Uint8Array {
  const blocks: Uint8Array[] = [];
  const block = (type: number, body: Uint8Array): Uint8Array => {
    const padded = Math.ceil(body.length / 4) * 4;
    const out = new Uint8Array(12 + padded);
    const view = new DataView(out.buffer);
    view.setUint32(0, type, true);
    view.setUint32(4, out.length, true);
    out.set(body, 8);
    view.setUint32(out.length - 4, out.length, true);
    return out;
  };
  const sectionHeader = new Uint8Array(16);
  const shb = new DataView(sectionHeader.buffer);
  shb.setUint32(0, 0x1a2b3c4d, true);
  shb.setUint16(4, 1, true);
  shb.setBigInt64(8, -1n, true);
  blocks.push(block(0x0a0d0d0a, sectionHeader));
  const interfaceDescription = new Uint8Array(8);
  const idb = new DataView(interfaceDescription.buffer);
  idb.setUint16(0, 1, true);
  idb.setUint32(4, 65535, true);
  blocks.push(block(1, interfaceDescription));
  packets.forEach((spec, index) => {
    const frame = buildFrame(spec);
    const body = new Uint8Array(20 + frame.length);
    const view = new DataView(body.buffer);
    const ticks = ticksOverride.get(index) ?? BigInt(spec.timeUs);
    view.setUint32(4, Number(ticks >> 32n), true);
    view.setUint32(8, Number(ticks & 0xffffffffn), true);
    view.setUint32(12, frame.length, true);
    view.setUint32(16, frame.length, true);
    body.set(frame, 20);
    blocks.push(block(6, body));
  });
  const size = blocks.reduce((sum, b) => sum + b.length, 0);
  const file = new Uint8Array(size);
  let at = 0;
  for (const b of blocks) {
    file.set(b, at);
    at += b.length;
  }
  return file;
}
