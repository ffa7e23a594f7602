// A small LAN capture whose flows are known: the packets, and (in the e2e test) what Argus
// 3.0.8 made of them, so expected values come from an independent tool.
import { TCP_FLAGS, type PacketSpec } from './pcap-builder.js';

const { FIN, SYN, RST, PSH, ACK } = TCP_FLAGS;
/** 2011-08-16 08:00:10 UTC: 10 s after a multiple of the 150 s step. */
export const T0_US = 1_313_481_610_000_000;
const s = (seconds: number) => T0_US + Math.round(seconds * 1e6);

const web = { src: '192.168.1.10', dst: '93.184.216.34', proto: 6 };
const webOut = { ...web, srcPort: 40000, dstPort: 80 };
const webIn = { ...web, src: web.dst, dst: web.src, srcPort: 80, dstPort: 40000 };

export const SMALL_LAN_PACKETS: PacketSpec[] = [
  // A complete TCP connection: handshake, data both ways, FIN both ways.
  { ...webOut, timeUs: s(0.0), tcpFlags: SYN },
  { ...webIn, timeUs: s(0.02), tcpFlags: SYN | ACK },
  { ...webOut, timeUs: s(0.04), tcpFlags: ACK },
  { ...webOut, timeUs: s(0.05), tcpFlags: PSH | ACK, payloadBytes: 100 },
  { ...webIn, timeUs: s(0.08), tcpFlags: PSH | ACK, payloadBytes: 1000 },
  { ...webOut, timeUs: s(0.1), tcpFlags: FIN | ACK },
  { ...webIn, timeUs: s(0.12), tcpFlags: FIN | ACK },
  { ...webOut, timeUs: s(0.14), tcpFlags: ACK },
  // DNS query and answer.
  { src: '192.168.1.10', dst: '8.8.8.8', proto: 17, srcPort: 5353, dstPort: 53, timeUs: s(1), payloadBytes: 40 },
  { src: '8.8.8.8', dst: '192.168.1.10', proto: 17, srcPort: 53, dstPort: 5353, timeUs: s(1.03), payloadBytes: 120 },
  // UDP without an answer.
  { src: '192.168.1.11', dst: '10.0.0.1', proto: 17, srcPort: 1234, dstPort: 9999, timeUs: s(2), payloadBytes: 10 },
  // Ping and its reply.
  { src: '192.168.1.10', dst: '1.1.1.1', proto: 1, icmpType: 8, icmpId: 7, timeUs: s(3), payloadBytes: 56 },
  { src: '1.1.1.1', dst: '192.168.1.10', proto: 1, icmpType: 0, icmpId: 7, timeUs: s(3.01), payloadBytes: 56 },
  // An unanswered SYN, and a SYN refused with RST-ACK (SMTP attempts).
  { src: '192.168.1.12', dst: '203.0.113.5', proto: 6, srcPort: 5555, dstPort: 25, tcpFlags: SYN, timeUs: s(4) },
  { src: '192.168.1.12', dst: '203.0.113.6', proto: 6, srcPort: 5556, dstPort: 25, tcpFlags: SYN, timeUs: s(5) },
  { src: '203.0.113.6', dst: '192.168.1.12', proto: 6, srcPort: 25, dstPort: 5556, tcpFlags: RST | ACK, timeUs: s(5.01) },
];

/**
 * A beacon: one small UDP packet every 20 s for 600 s, so it spans several 300 s windows
 * (every 20 s stays within Argus's 30 s UDP idle timeout).
 */
export const BEACON_PACKETS: PacketSpec[] = Array.from({ length: 31 }, (_, i) => ({
  src: '192.168.1.66',
  dst: '198.51.100.7',
  proto: 17,
  srcPort: 6666,
  dstPort: 443,
  timeUs: s(10 + i * 20),
  payloadBytes: 32,
}));
