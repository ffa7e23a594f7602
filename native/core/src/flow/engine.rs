//! The incremental flow engine the binding drives: packets in, finished flow records out.

use crate::error::Result;
use crate::flow::counters::PacketFacts;
use crate::flow::fragments::FragmentTable;
use crate::flow::hash::random_seed;
use crate::flow::key::{orphan_fragment_key, packet_key, PacketKey};
use crate::flow::options::{FlowEngineOptions, FlowMode};
use crate::flow::stats::FlowEngineStats;
use crate::flow::whole::WholeCaptureFlows;
use crate::packet::{DecodedPacket, Fragment, IpPacket, Network, Transport};
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
}

/// Refresh the memory estimate in the stats this often (packets).
const MEMORY_ESTIMATE_EVERY: u64 = 1 << 16;

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
        })
    }

    pub fn options(&self) -> &FlowEngineOptions {
        &self.options
    }

    /// Counts one packet; appends to `out` the records this packet's time finished.
    #[inline]
    pub fn push(&mut self, packet: &DecodedPacket, out: &mut Vec<FlowRecord>) {
        self.stats.packets += 1;
        let ip = match &packet.network {
            Network::Ip(ip) => ip,
            Network::NonIp { .. } => {
                self.stats.non_ip_packets += 1;
                return;
            }
            Network::Undecodable => {
                self.stats.undecodable_packets += 1;
                return;
            }
        };
        self.stats.ip_packets += 1;
        if packet.ts_us < self.last_ts_us {
            self.stats.out_of_order_packets += 1;
        } else {
            self.last_ts_us = packet.ts_us;
        }
        let key = self.key_of(ip, packet.ts_us);
        let facts = facts_of(packet, ip);
        let created = match &mut self.flows {
            Flows::Windowed(flows) => flows.push(key, &facts, out, &mut self.stats),
            Flows::Whole(flows) => {
                let before = flows.len();
                flows.push(key, &facts, out, &mut self.stats);
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

    fn key_of(&mut self, ip: &IpPacket, ts_us: i64) -> PacketKey {
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
        self.stats.peak_active_flows = self.stats.peak_active_flows.max(active as u64);
        self.stats.bytes_per_active_flow = memory.checked_div(active).unwrap_or(0) as u64;
    }
}

#[inline]
fn facts_of(packet: &DecodedPacket, ip: &IpPacket) -> PacketFacts {
    let (tcp_flags, icmp_type) = match ip.transport {
        Transport::Tcp { flags, .. } => (flags, None),
        Transport::Icmp { icmp_type, .. } => (0, Some(icmp_type)),
        _ => (0, None),
    };
    PacketFacts { ts_us: packet.ts_us, wire_len: packet.wire_len, payload_len: ip.payload_len, tos: ip.tos, tcp_flags, icmp_type }
}
