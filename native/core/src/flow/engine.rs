//! The incremental flow engine the binding drives: packets in, finished flow records out.

use crate::error::Result;
use crate::flow::argus_tcp::Segment;
use crate::flow::counters::PacketFacts;
use crate::flow::fragments::FragmentTable;
use crate::flow::hash::random_seed;
use crate::flow::key::{orphan_fragment_key, packet_key, packet_key_into, FlowKey, KeyKind, PacketKey, Side};
use crate::flow::options::{FlowEngineOptions, FlowMode};
use crate::flow::stats::FlowEngineStats;
use crate::flow::whole::WholeCaptureFlows;
use crate::packet::{DecodedPacket, Fragment, IpAddr16, IpPacket, Network, Transport};
use crate::record::FlowRecord;
use crate::window::WindowedFlows;

enum Flows {
    Windowed(WindowedFlows),
    Whole(WholeCaptureFlows),
}

pub struct FlowEngine {
    options: FlowEngineOptions,
    flows: Flows,
    fragments: FragmentTable,
    stats: FlowEngineStats,
    last_ts_us: i64,
    /// The flow tables' hash seed.
    seed: u64,
    /// `push_batch`'s packets, ready to count: `BATCH_PACKETS` of them.
    prepared: Vec<Prepared>,
}

/// A packet ready for its flow table: its key, the key's hash, and what it counts; or a
/// packet that is not IP. Not an `Option`, so that it can be filled in place.
#[derive(Clone, Copy)]
struct Prepared {
    is_ip: bool,
    key: PacketKey,
    hash: u64,
    facts: PacketFacts,
}

impl Prepared {
    const NOT_IP: Prepared = Prepared {
        is_ip: false,
        key: PacketKey {
            key: FlowKey { addr: [IpAddr16([0; 16]); 2], port: [0; 2], proto: 0, kind: KeyKind::AddressPair, discriminator: 0 },
            sender: Side::A,
        },
        hash: 0,
        facts: PacketFacts { ts_us: 0, wire_len: 0, payload_len: 0, tos: 0, tcp_flags: 0, icmp_type: None, tcp_segment: None },
    };
}

/// Refresh the memory estimate in the stats this often (packets).
const MEMORY_ESTIMATE_EVERY: u64 = 1 << 16;

/// Packets `push_batch` prepares before counting them: their table slots and entries are
/// fetched from memory meanwhile. Enough that the first packet's entry has arrived when it is
/// counted; few enough that the batch stays in the L1 cache (about 100 bytes each).
pub const BATCH_PACKETS: usize = 32;

impl FlowEngine {
    /// Fails with `ERR_BAD_OPTION` when the options are out of range or inconsistent.
    pub fn new(options: FlowEngineOptions) -> Result<FlowEngine> {
        options.validate()?;
        let seed = random_seed();
        let flows = match options.mode {
            FlowMode::Windowed { window_us, step_us } => {
                Flows::Windowed(WindowedFlows::new(window_us, step_us, options.reorder_slack_us, options.max_active_flows, seed))
            }
            FlowMode::Whole { status_interval_us } => {
                Flows::Whole(WholeCaptureFlows::new(status_interval_us, options.timeouts, options.max_active_flows, seed))
            }
        };
        Ok(FlowEngine {
            options,
            flows,
            fragments: FragmentTable::new(options.max_fragmented_datagrams, options.timeouts.fragment_us),
            stats: FlowEngineStats::default(),
            last_ts_us: i64::MIN,
            seed,
            prepared: vec![Prepared::NOT_IP; BATCH_PACKETS],
        })
    }

    pub fn options(&self) -> &FlowEngineOptions {
        &self.options
    }

    /// Counts one packet; appends to `out` the records this packet's time finished.
    #[inline]
    pub fn push(&mut self, packet: &DecodedPacket, out: &mut Vec<FlowRecord>) {
        let prepared = self.prepare(packet);
        self.count(packet, prepared.as_ref(), out);
    }

    /// Counts packets as `push` does one by one, with the same result, but faster: the
    /// packets' keys are made first, their table slots and then entries fetched from memory
    /// while the others are made, so that the cache misses of a batch overlap instead of
    /// coming one after another.
    pub fn push_batch(&mut self, packets: &[DecodedPacket], out: &mut Vec<FlowRecord>) {
        let mut prepared = std::mem::take(&mut self.prepared);
        for batch in packets.chunks(BATCH_PACKETS) {
            let prepared = &mut prepared[..batch.len()];
            // Keys in packet order: the fragment table follows the packets.
            for (packet, ready) in batch.iter().zip(prepared.iter_mut()) {
                self.prepare_key(packet, ready);
            }
            // Hashed in a pass of their own: hashing a key just made waits for its stores.
            for ready in prepared.iter_mut().filter(|ready| ready.is_ip) {
                ready.hash = ready.key.key.hash(self.seed);
                self.prefetch_slot(ready.hash);
            }
            for ready in prepared.iter().filter(|ready| ready.is_ip) {
                self.prefetch_entry(ready.hash);
            }
            for (packet, ready) in batch.iter().zip(prepared.iter()) {
                self.count(packet, ready.is_ip.then_some(ready), out);
            }
        }
        self.prepared = prepared;
    }

    /// The packet's key, hash and facts, if it is IP: the part of counting that depends on
    /// no flow table (only on the fragment table, so it must see packets in order).
    #[inline]
    fn prepare(&mut self, packet: &DecodedPacket) -> Option<Prepared> {
        let mut prepared = Prepared::NOT_IP;
        self.prepare_key(packet, &mut prepared);
        prepared.hash = prepared.key.key.hash(self.seed);
        prepared.is_ip.then_some(prepared)
    }

    /// As `prepare`, into `out`, leaving the hash alone.
    #[inline(always)]
    fn prepare_key(&mut self, packet: &DecodedPacket, out: &mut Prepared) {
        let Network::Ip(ip) = &packet.network else {
            out.is_ip = false;
            return;
        };
        out.is_ip = true;
        out.facts = facts_of(packet, ip);
        match ip.fragment {
            Fragment::Whole => packet_key_into(ip, &mut out.key),
            _ => out.key = self.fragment_key_of(ip, packet.ts_us),
        }
    }

    #[inline]
    fn prefetch_slot(&self, hash: u64) {
        match &self.flows {
            Flows::Windowed(flows) => flows.prefetch_slot(hash),
            Flows::Whole(flows) => flows.prefetch_slot(hash),
        }
    }

    #[inline]
    fn prefetch_entry(&self, hash: u64) {
        match &self.flows {
            Flows::Windowed(flows) => flows.prefetch_entry(hash),
            Flows::Whole(flows) => flows.prefetch_entry(hash),
        }
    }

    /// Counts a packet `prepare`d (`None` when it is not IP) in the stats and its flow.
    #[inline]
    fn count(&mut self, packet: &DecodedPacket, prepared: Option<&Prepared>, out: &mut Vec<FlowRecord>) {
        self.stats.packets += 1;
        let Some(prepared) = prepared else {
            match packet.network {
                Network::NonIp { .. } => self.stats.non_ip_packets += 1,
                _ => self.stats.undecodable_packets += 1,
            }
            return;
        };
        self.stats.ip_packets += 1;
        if packet.ts_us < self.last_ts_us {
            self.stats.out_of_order_packets += 1;
        } else {
            self.last_ts_us = packet.ts_us;
        }
        let created = match &mut self.flows {
            Flows::Windowed(flows) => flows.push(prepared.key, prepared.hash, &prepared.facts, out, &mut self.stats),
            Flows::Whole(flows) => {
                let before = flows.len();
                flows.push(prepared.key, prepared.hash, &prepared.facts, out, &mut self.stats);
                flows.len() > before
            }
        };
        if created {
            self.stats.active_flows += 1;
            if self.stats.active_flows > self.stats.peak_active_flows {
                self.refresh_flow_counts();
            }
        }
        if self.stats.packets.is_multiple_of(MEMORY_ESTIMATE_EVERY) {
            self.refresh_flow_counts();
        }
    }

    /// End of input: writes every record still open.
    pub fn finish(&mut self, out: &mut Vec<FlowRecord>) {
        self.refresh_flow_counts();
        match &mut self.flows {
            Flows::Windowed(flows) => flows.finish(out, &mut self.stats),
            Flows::Whole(flows) => flows.finish(out, &mut self.stats),
        }
        self.stats.active_flows = 0;
    }

    pub fn stats(&self) -> &FlowEngineStats {
        &self.stats
    }

    #[cold]
    fn fragment_key_of(&mut self, ip: &IpPacket, ts_us: i64) -> PacketKey {
        match ip.fragment {
            Fragment::Whole => packet_key(ip),
            Fragment::First { ip_id } => {
                let key = packet_key(ip);
                self.fragments.register_first(ip, ip_id, key, ts_us);
                key
            }
            Fragment::Later { ip_id, .. } => match self.fragments.find_later(ip, ip_id, ts_us) {
                Some(key) => {
                    self.stats.fragments_joined += 1;
                    key
                }
                None => {
                    self.stats.orphan_fragments += 1;
                    orphan_fragment_key(ip, ip_id)
                }
            },
        }
    }

    fn refresh_flow_counts(&mut self) {
        let (active, memory) = match &self.flows {
            Flows::Windowed(flows) => (flows.len(), flows.memory_bytes()),
            Flows::Whole(flows) => (flows.len(), flows.memory_bytes()),
        };
        self.stats.active_flows = active as u64;
        if active as u64 >= self.stats.peak_active_flows {
            self.stats.peak_active_flows = active as u64;
            self.stats.bytes_per_active_flow = memory.checked_div(active).unwrap_or(0) as u64;
        }
    }
}

#[inline]
fn facts_of(packet: &DecodedPacket, ip: &IpPacket) -> PacketFacts {
    let (tcp_flags, icmp_type, tcp_segment) = match ip.transport {
        Transport::Tcp { flags, seq, ack, .. } => (flags, None, Some(Segment { flags, seq, ack, payload_len: ip.payload_len })),
        Transport::Icmp { icmp_type, .. } => (0, Some(icmp_type), None),
        _ => (0, None, None),
    };
    PacketFacts { ts_us: packet.ts_us, wire_len: packet.wire_len, payload_len: ip.payload_len, tos: ip.tos, tcp_flags, icmp_type, tcp_segment }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::flow::test_packets::{udp, with_fragment, SECOND_US, T0_US};
    use crate::packet::{Fragment, Network};

    #[test]
    fn bad_options_are_refused() {
        let options = FlowEngineOptions { mode: FlowMode::Windowed { window_us: 300 * SECOND_US, step_us: 120 * SECOND_US }, ..FlowEngineOptions::default() };
        assert_eq!(FlowEngine::new(options).err().unwrap().code, ErrorCode::BadOption);
    }

    #[test]
    fn later_fragments_join_their_first_and_orphans_stay_apart() {
        let mut engine = FlowEngine::new(FlowEngineOptions::whole_capture(3600 * SECOND_US)).unwrap();
        let mut out = Vec::new();
        let first = with_fragment(udp(T0_US, 1, 2, 7000, 7001), Fragment::First { ip_id: 77 });
        engine.push(&first, &mut out);
        engine.push(&with_fragment(udp(T0_US + 1, 1, 2, 0, 0), Fragment::Later { ip_id: 77, more: true }), &mut out);
        engine.push(&with_fragment(udp(T0_US + 2, 1, 2, 0, 0), Fragment::Later { ip_id: 77, more: false }), &mut out);
        // Same addresses, another datagram whose first fragment was never seen.
        engine.push(&with_fragment(udp(T0_US + 3, 1, 2, 0, 0), Fragment::Later { ip_id: 78, more: false }), &mut out);
        // After the fragment timeout the datagram is forgotten.
        engine.push(&with_fragment(udp(T0_US + 10 * SECOND_US, 1, 2, 0, 0), Fragment::Later { ip_id: 77, more: false }), &mut out);
        engine.finish(&mut out);
        assert_eq!((engine.stats().fragments_joined, engine.stats().orphan_fragments), (2, 2));
        let ports: Vec<(Option<u16>, u64)> = out.iter().map(|r| (r.src_port, r.total_pkts)).collect();
        assert!(ports.contains(&(Some(7000), 3)), "{ports:?}");
        assert_eq!(out.iter().map(|r| r.total_pkts).sum::<u64>(), 5);
        assert_eq!(out.len(), 3, "the flow, and one orphan flow per datagram id");
    }

    #[test]
    fn packets_that_are_not_ip_are_counted_not_flowed() {
        let mut engine = FlowEngine::new(FlowEngineOptions::default()).unwrap();
        let mut out = Vec::new();
        engine.push(&DecodedPacket { ts_us: T0_US, wire_len: 60, network: Network::NonIp { ether_type: 0x0806 } }, &mut out);
        engine.push(&DecodedPacket { ts_us: T0_US, wire_len: 60, network: Network::Undecodable }, &mut out);
        engine.push(&udp(T0_US + 5, 1, 2, 1, 2), &mut out);
        engine.push(&udp(T0_US, 1, 2, 1, 2), &mut out);
        engine.finish(&mut out);
        let stats = engine.stats();
        assert_eq!((stats.packets, stats.ip_packets, stats.non_ip_packets, stats.undecodable_packets, stats.out_of_order_packets), (4, 2, 1, 1, 1));
        assert_eq!(stats.flows_emitted, 2);
        assert!(out.iter().all(|r| r.start_us == T0_US && r.last_us == T0_US + 5));
    }
}
