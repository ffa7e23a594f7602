//! What a flow accumulates, per end of its key: packets, bytes, flags, TOS, times, and the
//! few bits that decide its initiator and state. 64 bytes, so that a table entry (key and
//! counters) is 104 bytes.

use crate::flow::key::{FlowKey, KeyKind, Side};
use crate::flow::tcp::{self, TcpPhase, UncertainDirection};
use crate::packet::ip_proto;

/// The facts of one packet that a flow counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketFacts {
    pub ts_us: i64,
    pub wire_len: u32,
    pub payload_len: u32,
    pub tos: u8,
    /// TCP flags, 0 for other protocols or a packet without TCP header.
    pub tcp_flags: u8,
    /// ICMP type, when the packet is ICMP with a header.
    pub icmp_type: Option<u8>,
    /// The TCP header's sequence and acknowledgement numbers, when the packet has one. Kept
    /// apart from the flags and payload length (not as a `Segment`), so that the facts are 32
    /// bytes, not 40: they cross between threads for every packet (`PreparedPacket`).
    pub tcp_seq_ack: Option<(u32, u32)>,
}

impl PacketFacts {
    /// The TCP segment, when the packet has a TCP header.
    #[inline]
    pub fn tcp_segment(&self) -> Option<crate::flow::argus_tcp::Segment> {
        self.tcp_seq_ack.map(|(seq, ack)| crate::flow::argus_tcp::Segment { flags: self.tcp_flags, seq, ack, payload_len: self.payload_len })
    }
}

const _: () = assert!(std::mem::size_of::<PacketFacts>() == 32);

const INITIATOR_IS_B: u8 = 1 << 0;
const UNCERTAIN: u8 = 1 << 1;
const PHASE_SHIFT: u8 = 2;
const PHASE_MASK: u8 = 0b111 << PHASE_SHIFT;
const SYNACK_FIRST: u8 = 1 << 5;
const SWAPPED: u8 = 1 << 6;
const ICMP_REQUEST_SEEN: u8 = 1 << 7;

/// Counts indexed by key side (`Side::A` = `key.addr[0]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowCounters {
    pub first_us: i64,
    pub last_us: i64,
    pub bytes: [u64; 2],
    pub payload_bytes: [u64; 2],
    pub pkts: [u32; 2],
    pub tcp_flags: [u8; 2],
    /// TOS (IPv6: traffic class) of the last packet from each side.
    pub tos: [u8; 2],
    /// TCP: flags of the first packet; ICMP: type of the first packet.
    pub first_marker: u8,
    bits: u8,
}

const _: () = assert!(std::mem::size_of::<FlowCounters>() == 64);

/// What one more packet did beyond counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Update {
    /// A packet counter reached its maximum (the count stays there).
    pub saturated: bool,
}

impl FlowCounters {
    /// No packets counted yet, starting at `ts_us`, with the flow's identity bits given.
    fn empty_at(ts_us: i64, tos: [u8; 2], first_marker: u8, bits: u8) -> FlowCounters {
        FlowCounters {
            first_us: ts_us,
            last_us: ts_us,
            bytes: [0; 2],
            payload_bytes: [0; 2],
            pkts: [0; 2],
            tcp_flags: [0; 2],
            tos,
            first_marker,
            bits,
        }
    }

    /// Counters for a flow whose first packet is `facts`, sent by `sender`; `direction` names
    /// the initiator of a TCP connection whose handshake was not seen.
    pub fn first_packet(key: &FlowKey, sender: Side, facts: &PacketFacts, direction: UncertainDirection) -> FlowCounters {
        let mut bits = 0;
        let mut initiator = sender;
        let mut first_marker = 0;
        if key.proto == ip_proto::TCP {
            let (src_port, dst_port) = match key.kind {
                KeyKind::Ports => (key.port[sender.index()], key.port[sender.other().index()]),
                _ => (0, 0),
            };
            let start = tcp::start(facts.tcp_flags, src_port, dst_port, direction);
            if start.initiator_is_receiver {
                initiator = sender.other();
            }
            if start.uncertain {
                bits |= UNCERTAIN;
            }
            if start.synack_first {
                bits |= SYNACK_FIRST;
            }
            bits |= (start.phase as u8) << PHASE_SHIFT;
            first_marker = facts.tcp_flags;
        } else if let Some(icmp_type) = facts.icmp_type {
            first_marker = icmp_type;
            if key.kind == KeyKind::IcmpV4 {
                // The requester (or error sender) is side A whoever spoke first.
                initiator = Side::A;
            }
        }
        if initiator == Side::B {
            bits |= INITIATOR_IS_B;
        }
        let mut counters = FlowCounters::empty_at(facts.ts_us, [0; 2], first_marker, bits);
        counters.count(key, sender, facts);
        counters
    }

    /// A new record of a flow that continues: counts from zero, orientation and phase kept.
    pub fn continuation(&self, key: &FlowKey, sender: Side, facts: &PacketFacts) -> FlowCounters {
        let mut counters = FlowCounters::empty_at(facts.ts_us, self.tos, self.first_marker, self.bits);
        counters.add(key, sender, facts);
        counters
    }

    /// Counts one more packet and follows the TCP phase.
    #[inline]
    pub fn add(&mut self, key: &FlowKey, sender: Side, facts: &PacketFacts) -> Update {
        let mut update = Update::default();
        if key.proto == ip_proto::TCP && facts.tcp_flags != 0 {
            let step = tcp::step(self.phase(), facts.tcp_flags);
            if step.completes_handshake && self.bits & SYNACK_FIRST != 0 && self.bits & SWAPPED == 0 {
                self.bits ^= INITIATOR_IS_B;
                self.bits |= SWAPPED;
            }
            self.set_phase(step.phase);
        }
        update.saturated = self.count(key, sender, facts);
        update
    }

    #[inline]
    fn count(&mut self, key: &FlowKey, sender: Side, facts: &PacketFacts) -> bool {
        let side = sender.index();
        if facts.ts_us < self.first_us {
            self.first_us = facts.ts_us;
        }
        if facts.ts_us > self.last_us {
            self.last_us = facts.ts_us;
        }
        self.bytes[side] += u64::from(facts.wire_len);
        self.payload_bytes[side] += u64::from(facts.payload_len);
        let saturated = self.pkts[side] == u32::MAX;
        self.pkts[side] = self.pkts[side].saturating_add(1);
        self.tcp_flags[side] |= facts.tcp_flags;
        self.tos[side] = facts.tos;
        if key.kind == KeyKind::IcmpV4 && sender == Side::A {
            if let Some(icmp_type) = facts.icmp_type {
                if crate::flow::key::icmp_v4_request_of(icmp_type).is_some_and(|(_, is_reply)| !is_reply) {
                    self.bits |= ICMP_REQUEST_SEEN;
                }
            }
        }
        saturated
    }

    /// Adds a later stretch of the same flow (the next bucket of a window): sums, time range,
    /// last TOS; the orientation stays this (earlier) one's, except that a handshake left
    /// half-open here and completed there swaps it as it would have in one table.
    pub fn merge_later(&mut self, later: &FlowCounters) {
        if later.first_us < self.first_us {
            self.first_us = later.first_us;
        }
        if later.last_us > self.last_us {
            self.last_us = later.last_us;
        }
        for side in 0..2 {
            self.bytes[side] += later.bytes[side];
            self.payload_bytes[side] += later.payload_bytes[side];
            self.pkts[side] = self.pkts[side].saturating_add(later.pkts[side]);
            self.tcp_flags[side] |= later.tcp_flags[side];
            if later.pkts[side] > 0 {
                self.tos[side] = later.tos[side];
            }
        }
        if self.phase() == TcpPhase::SynReceived
            && self.bits & SYNACK_FIRST != 0
            && self.bits & SWAPPED == 0
            && later.first_marker != 0
            && tcp::step(TcpPhase::SynReceived, later.first_marker).completes_handshake
        {
            self.bits ^= INITIATOR_IS_B;
            self.bits |= SWAPPED;
        }
        if later.pkts != [0, 0] {
            self.set_phase(later.phase());
        }
        self.bits |= later.bits & ICMP_REQUEST_SEEN;
    }

    pub fn initiator(&self) -> Side {
        if self.bits & INITIATOR_IS_B != 0 {
            Side::B
        } else {
            Side::A
        }
    }

    /// TCP: the handshake was not seen, so the direction is a guess.
    pub fn direction_uncertain(&self) -> bool {
        self.bits & UNCERTAIN != 0
    }

    /// The initiator is whoever happened to send first (or, for TCP, a guess from the ports):
    /// no handshake or ICMP request told it.
    pub fn initiator_is_a_guess(&self, key: &FlowKey) -> bool {
        match key.proto {
            ip_proto::TCP => self.direction_uncertain(),
            ip_proto::ICMP | ip_proto::ICMPV6 => false,
            _ => true,
        }
    }

    /// TCP: the first packet was a bare SYN, so its sender opened a connection, whatever
    /// the same ports carried before.
    pub fn opened_by_syn(&self, key: &FlowKey) -> bool {
        key.proto == ip_proto::TCP && !self.direction_uncertain() && self.bits & SYNACK_FIRST == 0 && self.phase() == TcpPhase::SynSent
    }

    /// Names `initiator` as the flow's initiator, when something surer than its first packet
    /// tells it (the flow's earlier records).
    pub fn set_initiator(&mut self, initiator: Side) {
        if initiator == Side::B {
            self.bits |= INITIATOR_IS_B;
        } else {
            self.bits &= !INITIATOR_IS_B;
        }
    }

    pub fn phase(&self) -> TcpPhase {
        TcpPhase::from_bits((self.bits & PHASE_MASK) >> PHASE_SHIFT)
    }

    fn set_phase(&mut self, phase: TcpPhase) {
        self.bits = (self.bits & !PHASE_MASK) | ((phase as u8) << PHASE_SHIFT);
    }

    pub fn icmp_request_seen(&self) -> bool {
        self.bits & ICMP_REQUEST_SEEN != 0
    }

    #[cfg(test)]
    pub fn total_pkts(&self) -> u64 {
        u64::from(self.pkts[0]) + u64::from(self.pkts[1])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::flow::key::packet_key;
    use crate::flow::key::tests::{ip, v4};
    use crate::packet::tcp_flag::{ACK, PSH, RST, SYN};
    use crate::packet::Transport;

    pub fn facts(ts_us: i64, wire_len: u32, tcp_flags: u8) -> PacketFacts {
        PacketFacts { ts_us, wire_len, payload_len: 0, tos: 0, tcp_flags, icmp_type: None, tcp_seq_ack: None }
    }

    fn tcp_packet(src: u8, dst: u8, src_port: u16, dst_port: u16, flags: u8) -> (FlowKey, Side) {
        let pk = packet_key(&ip(v4(src), v4(dst), 6, Transport::Tcp { src_port, dst_port, flags, seq: 0, ack: 0 }));
        (pk.key, pk.sender)
    }

    #[test]
    fn initiator_is_the_first_sender_for_a_syn() {
        let (key, sender) = tcp_packet(9, 1, 4444, 80, SYN);
        let counters = FlowCounters::first_packet(&key, sender, &facts(10, 60, SYN), UncertainDirection::FirstSender);
        assert_eq!(counters.initiator(), sender);
        assert!(!counters.direction_uncertain());
        assert_eq!(counters.pkts[sender.index()], 1);
        assert_eq!(counters.bytes[sender.index()], 60);
    }

    #[test]
    fn synack_first_then_ack_makes_the_acker_the_initiator() {
        let (key, server) = tcp_packet(2, 1, 80, 1111, SYN | ACK);
        let mut counters = FlowCounters::first_packet(&key, server, &facts(0, 60, SYN | ACK), UncertainDirection::FirstSender);
        assert_eq!(counters.initiator(), server);
        counters.add(&key, server.other(), &facts(1000, 60, ACK));
        assert_eq!(counters.initiator(), server.other());
        // Later packets do not swap it back.
        counters.add(&key, server.other(), &facts(2000, 70, PSH | ACK));
        assert_eq!(counters.initiator(), server.other());
        assert_eq!(counters.tcp_flags[server.index()], SYN | ACK);
        assert_eq!(counters.tcp_flags[server.other().index()], PSH | ACK);
    }

    #[test]
    fn synack_then_reset_keeps_the_synack_sender() {
        let (key, server) = tcp_packet(2, 1, 80, 5555, SYN | ACK);
        let mut counters = FlowCounters::first_packet(&key, server, &facts(0, 60, SYN | ACK), UncertainDirection::FirstSender);
        counters.add(&key, server.other(), &facts(1, 60, RST));
        assert_eq!(counters.initiator(), server);
    }

    #[test]
    fn midstream_ack_from_a_service_port_names_its_sender_or_under_argus_3_0_8_its_receiver() {
        let (key, sender) = tcp_packet(2, 1, 80, 9999, ACK);
        let counters = FlowCounters::first_packet(&key, sender, &facts(0, 60, ACK), UncertainDirection::FirstSender);
        assert_eq!(counters.initiator(), sender);
        assert!(counters.direction_uncertain());
        let counters = FlowCounters::first_packet(&key, sender, &facts(0, 60, ACK), UncertainDirection::ServicePort);
        assert_eq!(counters.initiator(), sender.other());
        assert!(counters.direction_uncertain());
    }

    #[test]
    fn merge_sums_counts_and_keeps_the_earliest_orientation() {
        let (key, client) = tcp_packet(1, 2, 5555, 80, SYN);
        let mut early = FlowCounters::first_packet(&key, client, &facts(100, 60, SYN), UncertainDirection::FirstSender);
        early.add(&key, client.other(), &facts(150, 60, SYN | ACK));
        // The next bucket sees the server talk first: on its own it would be uncertain.
        let mut late = FlowCounters::first_packet(&key, client.other(), &facts(300, 1500, PSH | ACK), UncertainDirection::FirstSender);
        late.add(&key, client, &facts(400, 60, ACK));
        early.merge_later(&late);
        assert_eq!(early.pkts, { let mut p = [0; 2]; p[client.index()] = 2; p[client.other().index()] = 2; p });
        assert_eq!(early.total_pkts(), 4);
        assert_eq!(early.bytes[client.other().index()], 1560);
        assert_eq!((early.first_us, early.last_us), (100, 400));
        assert_eq!(early.initiator(), client);
        assert!(!early.direction_uncertain());
        assert_eq!(early.tcp_flags[client.other().index()], SYN | ACK | PSH);
    }

    #[test]
    fn merge_completes_a_handshake_split_across_buckets() {
        let (key, server) = tcp_packet(2, 1, 80, 1111, SYN | ACK);
        let mut early = FlowCounters::first_packet(&key, server, &facts(100, 60, SYN | ACK), UncertainDirection::FirstSender);
        let late = FlowCounters::first_packet(&key, server.other(), &facts(200, 60, ACK), UncertainDirection::FirstSender);
        early.merge_later(&late);
        assert_eq!(early.initiator(), server.other());
    }

    #[test]
    fn icmp_reply_alone_keeps_the_requester_as_initiator() {
        let pk = packet_key(&ip(v4(1), v4(9), 1, Transport::Icmp { icmp_type: 0, icmp_code: 0, id: 5, seq: 1, quoted: None }));
        let mut f = facts(0, 42, 0);
        f.icmp_type = Some(0);
        let counters = FlowCounters::first_packet(&pk.key, pk.sender, &f, UncertainDirection::FirstSender);
        assert_eq!(counters.initiator(), Side::A);
        assert_eq!(pk.sender, Side::B);
        assert!(!counters.icmp_request_seen());
        assert_eq!(counters.first_marker, 0);
    }
}
