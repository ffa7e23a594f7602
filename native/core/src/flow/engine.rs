//! The incremental flow engine the binding drives: packets in, finished flow records out.

use crate::error::Result;
use crate::packet::DecodedPacket;
use crate::prefetch::prefetch_read;
use crate::record::FlowRecord;

use super::hash::random_seed;
use super::options::{FlowEngineOptions, FlowMode};
use super::prepared::{FragmentOutcome, PacketKind, PacketPreparer, PreparedPacket};
use super::stats::{FlowEngineStats, WindowEvictions};
use super::whole::WholeCaptureFlows;
use super::windowed::WindowedFlows;

enum Flows {
    Windowed(WindowedFlows),
    Whole(WholeCaptureFlows),
}

pub struct FlowEngine {
    options: FlowEngineOptions,
    flows: Flows,
    /// Prepares what `push` and `push_batch` are given.
    preparer: PacketPreparer,
    stats: FlowEngineStats,
    last_ts_us: i64,
    /// The flow tables' hash seed.
    seed: u64,
    /// `push_batch`'s packets, prepared: `BATCH_PACKETS` of them.
    prepared: Vec<PreparedPacket>,
}

/// Refresh the memory estimate in the stats this often (packets).
const MEMORY_ESTIMATE_EVERY: u64 = 1 << 16;

/// Packets `push_batch` and `push_prepared` take at once: their table slots and entries are
/// fetched from memory before they are counted. Enough that the first packet's entry has
/// arrived when it is counted; few enough that the batch stays in the L1 cache (about 100
/// bytes each). 64 and 128 were no faster.
pub const BATCH_PACKETS: usize = 32;

impl FlowEngine {
    /// Fails with `ERR_BAD_OPTION` when the options are out of range or inconsistent.
    pub fn new(options: FlowEngineOptions) -> Result<FlowEngine> {
        options.validate()?;
        let seed = random_seed();
        let flows = match options.mode {
            FlowMode::Windowed { window_us, step_us } => Flows::Windowed(WindowedFlows::new(
                window_us,
                step_us,
                options.reorder_slack_us,
                options.max_active_flows,
                options.memory.flow_tables_bytes(),
                options.uncertain_direction,
                seed,
            )),
            FlowMode::Whole { status_interval_us } => Flows::Whole(WholeCaptureFlows::new(
                status_interval_us,
                options.timeouts,
                options.max_active_flows,
                options.memory.flow_tables_bytes(),
                options.uncertain_direction,
                seed,
            )),
        };
        Ok(FlowEngine {
            options,
            flows,
            preparer: PacketPreparer::new(options.max_fragmented_datagrams, options.timeouts.fragment_us),
            stats: FlowEngineStats::default(),
            last_ts_us: i64::MIN,
            seed,
            prepared: vec![PreparedPacket::EMPTY; BATCH_PACKETS],
        })
    }

    pub fn options(&self) -> &FlowEngineOptions {
        &self.options
    }

    /// A new preparer for this engine's packets (same fragment settings), to
    /// prepare them elsewhere, on another thread, and count them with `push_prepared`. An
    /// engine's packets all go through one preparer: this one, or the engine's own (`push`,
    /// `push_batch`), never both.
    pub(crate) fn preparer(&self) -> PacketPreparer {
        PacketPreparer::new(self.options.max_fragmented_datagrams, self.options.timeouts.fragment_us)
    }

    /// Counts one packet; appends to `out` the records this packet's time finished.
    #[inline]
    pub fn push(&mut self, packet: &DecodedPacket, out: &mut Vec<FlowRecord>) {
        let mut prepared = PreparedPacket::EMPTY;
        self.preparer.prepare(packet, &mut prepared);
        let hash = prepared.key.key.hash(self.seed);
        self.count(&prepared, hash, out);
    }

    /// Counts packets as `push` does one by one, with the same result, but faster: the
    /// packets' keys are made first, then their table slots and entries fetched from memory,
    /// so that the cache misses of a batch overlap instead of coming one after another.
    pub fn push_batch(&mut self, packets: &[DecodedPacket], out: &mut Vec<FlowRecord>) {
        let mut prepared = std::mem::take(&mut self.prepared);
        for batch in packets.chunks(BATCH_PACKETS) {
            self.preparer.prepare_batch(batch, &mut prepared);
            self.push_prepared(&prepared[..batch.len()], out);
        }
        self.prepared = prepared;
    }

    /// Counts packets prepared by a preparer from `preparer()`, as `push_batch` counts them.
    pub fn push_prepared(&mut self, packets: &[PreparedPacket], out: &mut Vec<FlowRecord>) {
        let mut hashes = [0u64; BATCH_PACKETS];
        for (start, batch) in (0..).step_by(BATCH_PACKETS).zip(packets.chunks(BATCH_PACKETS)) {
            // Packets prepared on another core are in its cache, not this one's: the next
            // batch is fetched while this one is counted.
            let next = packets.as_ptr().wrapping_add(start + BATCH_PACKETS);
            // Hashed in a pass of their own (hashing a key just made waits for its stores),
            // each slot fetched as soon as known.
            for (index, (ready, hash)) in batch.iter().zip(hashes.iter_mut()).enumerate() {
                prefetch_read(next.wrapping_add(index));
                if ready.kind == PacketKind::Ip {
                    *hash = ready.key.key.hash(self.seed);
                    self.prefetch_slot(*hash);
                }
            }
            // By now the first slots have arrived: what they point to can be fetched.
            for (ready, &hash) in batch.iter().zip(hashes.iter()) {
                if ready.kind == PacketKind::Ip {
                    self.prefetch_entry(hash);
                }
            }
            for (ready, &hash) in batch.iter().zip(hashes.iter()) {
                self.count(ready, hash, out);
            }
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

    /// Counts a prepared packet (if IP, its key hashing to `hash`) in the stats and its flow.
    #[inline]
    fn count(&mut self, prepared: &PreparedPacket, hash: u64, out: &mut Vec<FlowRecord>) {
        self.stats.packets += 1;
        match prepared.kind {
            PacketKind::Ip => {}
            PacketKind::NonIp => {
                self.stats.non_ip_packets += 1;
                return;
            }
            PacketKind::Undecodable => {
                self.stats.undecodable_packets += 1;
                return;
            }
        }
        self.stats.ip_packets += 1;
        match prepared.fragment {
            FragmentOutcome::None => {}
            FragmentOutcome::Joined => self.stats.fragments_joined += 1,
            FragmentOutcome::Orphan => self.stats.orphan_fragments += 1,
        }
        let ts_us = prepared.facts.ts_us;
        if ts_us < self.last_ts_us {
            self.stats.out_of_order_packets += 1;
        } else {
            self.last_ts_us = ts_us;
        }
        let created = match &mut self.flows {
            Flows::Windowed(flows) => flows.push(prepared.key, hash, &prepared.facts, out, &mut self.stats),
            Flows::Whole(flows) => {
                let before = flows.len();
                flows.push(prepared.key, hash, &prepared.facts, out, &mut self.stats);
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

    /// Windowed mode: the clock (a live capture's wall clock) has reached `now_us` without a
    /// packet; appends the records of the windows that ended by then (their end plus the
    /// reorder slack), as a packet of that time would. Whole-capture mode: nothing.
    pub fn advance_clock(&mut self, now_us: i64, out: &mut Vec<FlowRecord>) {
        if let Flows::Windowed(flows) = &mut self.flows {
            flows.advance_clock(now_us, out, &mut self.stats);
            self.stats.active_flows = flows.len() as u64;
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

    /// The most bytes the flow tables held once each new flow was settled, as the memory
    /// budget counts them (tables, queues, and the records their flows would become); at most
    /// `MemoryBudget::flow_tables_bytes`. Not among the stats: it follows the allocations'
    /// capacities, which the batching of packets changes a little.
    pub fn peak_table_bytes(&self) -> usize {
        match &self.flows {
            Flows::Windowed(flows) => flows.peak_budget_bytes(),
            Flows::Whole(flows) => flows.peak_budget_bytes(),
        }
    }

    /// Windowed mode: the start of the last window emitted; no record of it or of an earlier
    /// window will come again. `None` before the first (and in whole-capture mode).
    pub fn closed_through_us(&self) -> Option<i64> {
        match &self.flows {
            Flows::Windowed(flows) => flows.closed_through_us(),
            Flows::Whole(_) => None,
        }
    }

    /// Windowed mode: the early evictions since the last call, per window (see
    /// `FlowEngineStats::flows_evicted_early`); empty in whole-capture mode.
    pub fn take_window_evictions(&mut self) -> Vec<WindowEvictions> {
        match &mut self.flows {
            Flows::Windowed(flows) => flows.take_evictions(),
            Flows::Whole(_) => Vec::new(),
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
