//! Packets made ready for the flow tables: each one's key and what it counts.
//!
//! This is the part of counting a packet that depends on no flow table, only on the fragment
//! table (a later fragment takes the key of its first), so it can run ahead of the counting:
//! a batch at a time on the engine's thread (`FlowEngine::push_batch`), so that the batch's
//! table lookups can be prefetched, or on the thread that reads and decodes
//! (`DecodeThread`), so that two cores share the work.

use crate::flow::counters::PacketFacts;
use crate::flow::fragments::FragmentTable;
use crate::flow::key::{orphan_fragment_key, packet_key, packet_key_into, FlowKey, KeyKind, PacketKey, Side};
use crate::packet::{DecodedPacket, Fragment, IpAddr16, IpPacket, Network, Transport};

/// What kind of packet a `PreparedPacket` is: only IP packets have a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PacketKind {
    Ip,
    NonIp,
    Undecodable,
}

/// What the fragment table made of a later fragment, for the engine's stats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FragmentOutcome {
    /// Not a later fragment.
    None,
    /// Joined to the flow of its first fragment.
    Joined,
    /// Its first fragment was not seen: keyed on its own.
    Orphan,
}

/// A packet ready for its flow table (or, when not IP, for the engine's stats). Filled in
/// place, never built and moved: see `key::packet_key_into`.
#[derive(Clone, Copy, Debug)]
pub struct PreparedPacket {
    pub(crate) kind: PacketKind,
    pub(crate) fragment: FragmentOutcome,
    pub(crate) key: PacketKey,
    pub(crate) facts: PacketFacts,
}

impl PreparedPacket {
    /// A placeholder to fill: a packet that could not be decoded.
    pub const EMPTY: PreparedPacket = PreparedPacket {
        kind: PacketKind::Undecodable,
        fragment: FragmentOutcome::None,
        key: PacketKey {
            key: FlowKey { addr: [IpAddr16([0; 16]); 2], port: [0; 2], proto: 0, kind: KeyKind::AddressPair, discriminator: 0 },
            sender: Side::A,
        },
        facts: PacketFacts { ts_us: 0, wire_len: 0, payload_len: 0, tos: 0, tcp_flags: 0, icmp_type: None, tcp_seq_ack: None },
    };
}

/// Makes packets ready for the flow tables of the engine it came from (`FlowEngine::preparer`).
/// Every packet of a capture must go through the same preparer, in order, since the
/// fragment table follows them. The keys' hashes are left to the engine: on two threads, the
/// one that reads and decodes has more to do.
pub struct PacketPreparer {
    fragments: FragmentTable,
}

impl PacketPreparer {
    pub(crate) fn new(max_fragmented_datagrams: usize, fragment_timeout_us: i64) -> PacketPreparer {
        PacketPreparer { fragments: FragmentTable::new(max_fragmented_datagrams, fragment_timeout_us) }
    }

    /// Prepares `packets` into `out` (as many as the shorter of the two holds), in order.
    pub fn prepare_batch(&mut self, packets: &[DecodedPacket], out: &mut [PreparedPacket]) {
        for (packet, ready) in packets.iter().zip(out.iter_mut()) {
            self.prepare(packet, ready);
        }
    }

    /// Prepares a whole (unfragmented) IP packet: what `prepare` does for it, without the
    /// packet written out as a `DecodedPacket` first (see `decode::decode_common`).
    #[inline(always)]
    pub fn prepare_whole_ip(&mut self, ts_us: i64, wire_len: u32, ip: &IpPacket, out: &mut PreparedPacket) {
        debug_assert!(ip.fragment == Fragment::Whole);
        out.kind = PacketKind::Ip;
        out.fragment = FragmentOutcome::None;
        out.facts = facts_of(ts_us, wire_len, ip);
        packet_key_into(ip, &mut out.key);
    }

    /// Prepares one packet.
    #[inline(always)]
    pub fn prepare(&mut self, packet: &DecodedPacket, out: &mut PreparedPacket) {
        let ip = match &packet.network {
            Network::Ip(ip) => ip,
            Network::NonIp { .. } => {
                out.kind = PacketKind::NonIp;
                return;
            }
            Network::Undecodable => {
                out.kind = PacketKind::Undecodable;
                return;
            }
        };
        out.kind = PacketKind::Ip;
        out.facts = facts_of(packet.ts_us, packet.wire_len, ip);
        match ip.fragment {
            Fragment::Whole => {
                out.fragment = FragmentOutcome::None;
                packet_key_into(ip, &mut out.key);
            }
            _ => (out.key, out.fragment) = self.fragment_key_of(ip, packet.ts_us),
        }
    }

    #[cold]
    fn fragment_key_of(&mut self, ip: &IpPacket, ts_us: i64) -> (PacketKey, FragmentOutcome) {
        match ip.fragment {
            Fragment::Whole => (packet_key(ip), FragmentOutcome::None),
            Fragment::First { ip_id } => {
                let key = packet_key(ip);
                self.fragments.register_first(ip, ip_id, key, ts_us);
                (key, FragmentOutcome::None)
            }
            Fragment::Later { ip_id, .. } => match self.fragments.find_later(ip, ip_id, ts_us) {
                Some(key) => (key, FragmentOutcome::Joined),
                None => (orphan_fragment_key(ip, ip_id), FragmentOutcome::Orphan),
            },
        }
    }
}

#[inline]
fn facts_of(ts_us: i64, wire_len: u32, ip: &IpPacket) -> PacketFacts {
    let (tcp_flags, icmp_type, tcp_seq_ack) = match ip.transport {
        Transport::Tcp { flags, seq, ack, .. } => (flags, None, Some((seq, ack))),
        Transport::Icmp { icmp_type, .. } => (0, Some(icmp_type), None),
        _ => (0, None, None),
    };
    PacketFacts { ts_us, wire_len, payload_len: ip.payload_len, tos: ip.tos, tcp_flags, icmp_type, tcp_seq_ack }
}
