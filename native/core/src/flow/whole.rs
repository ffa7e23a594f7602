//! Whole-capture flows, as `argus -S <interval>` writes them.
//!
//! What argus 3.0.8 does (its `ArgusModeler.c` queues, confirmed by probes):
//! - A flow's record starts with a packet and is reported once capture time reaches
//!   record start + status interval; a packet at or after that instant opens the next
//!   record. Idle time alone never ends a record.
//! - After a report the flow's state lingers for the protocol's idle timeout (TCP 60 s,
//!   UDP and other IP 30 s, ICMP 5 s). A packet within it continues the flow: same
//!   initiator and TCP state, and a one-way record is named `REQ`/`RSP` instead of `INT`.
//!   After it, the next packet starts a new flow.
//! - A TCP SYN on a closing or reset connection ends the record and starts a new flow with
//!   that packet (port reuse).
//! - Records still open at the end of the capture are written then.

use std::collections::VecDeque;

use crate::flow::argus_tcp::ArgusTcpTracker;
use crate::flow::counters::{FlowCounters, PacketFacts};
use crate::flow::key::{FlowKey, PacketKey, Side};
use crate::flow::options::IdleTimeouts;
use crate::flow::tcp::UncertainDirection;
use crate::flow::record_builder::{build_record, RecordContext, RecordPlace, PACKET_RECORD_BYTES};
use crate::flow::stats::FlowEngineStats;
use crate::flow::table::{evict_count, FlowTable};
use crate::record::FlowRecord;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Its current record has packets and is not yet reported.
    Active,
    /// Reported; kept until its idle timeout for a continuation.
    Lingering,
}

#[derive(Clone, Debug)]
struct WholeFlow {
    counters: FlowCounters,
    record_start_us: i64,
    /// Bumped whenever the flow's record changes, so that queue items left behind are ignored.
    generation: u32,
    status: Status,
    place: RecordPlace,
    /// Bit per key side: its TOS is known (Argus keeps it across records).
    tos_known: u8,
    /// TCP flows: Argus's connection state, which decides port reuse.
    tcp: Option<ArgusTcpTracker>,
}

#[derive(Clone, Copy, Debug)]
struct QueueItem {
    time_us: i64,
    key: FlowKey,
    generation: u32,
}

pub struct WholeCaptureFlows {
    table: FlowTable<WholeFlow>,
    status_interval_us: i64,
    timeouts: IdleTimeouts,
    max_active_flows: usize,
    /// The table's share of the memory budget (`MemoryBudget::flow_tables_bytes`).
    table_budget_bytes: usize,
    /// The most `budget_bytes` held once a new flow was settled (evictions done).
    peak_budget_bytes: usize,
    uncertain_direction: UncertainDirection,
    /// Records by start time: the front is the next due for its status report.
    status_queue: VecDeque<QueueItem>,
    /// Reported flows by report time, one queue per idle timeout.
    linger_queues: Vec<(i64, VecDeque<QueueItem>)>,
    now_us: i64,
}

impl WholeCaptureFlows {
    pub fn new(
        status_interval_us: i64,
        timeouts: IdleTimeouts,
        max_active_flows: usize,
        table_budget_bytes: usize,
        uncertain_direction: UncertainDirection,
        seed: u64,
    ) -> WholeCaptureFlows {
        WholeCaptureFlows {
            table: FlowTable::with_capacity(1024, seed),
            status_interval_us,
            timeouts,
            max_active_flows,
            table_budget_bytes,
            peak_budget_bytes: 0,
            uncertain_direction,
            status_queue: VecDeque::new(),
            linger_queues: Vec::new(),
            now_us: i64::MIN,
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn memory_bytes(&self) -> usize {
        let item = std::mem::size_of::<QueueItem>();
        self.table.memory_bytes()
            + self.status_queue.capacity() * item
            + self.linger_queues.iter().map(|(_, queue)| queue.capacity() * item).sum::<usize>()
    }

    /// What the memory budget counts: the table and its queues, and the records its flows
    /// would become.
    pub fn budget_bytes(&self) -> usize {
        self.memory_bytes() + self.table.len() * PACKET_RECORD_BYTES
    }

    pub fn peak_budget_bytes(&self) -> usize {
        self.peak_budget_bytes
    }

    /// Hints that a packet of `hash` will be counted soon (see `FlowTable::prefetch_slot`).
    #[inline]
    pub fn prefetch_slot(&self, hash: u64) {
        self.table.prefetch_slot(hash);
    }

    /// As `prefetch_slot`, for the entry (see `FlowTable::prefetch_entry`).
    #[inline]
    pub fn prefetch_entry(&self, hash: u64) {
        self.table.prefetch_entry(hash);
    }

    /// Counts a packet whose key hashes (with the seed given to `new`) to `hash`.
    pub fn push(&mut self, packet: PacketKey, hash: u64, facts: &PacketFacts, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        self.now_us = self.now_us.max(facts.ts_us);
        self.report_due(out, stats);
        let key = packet.key;
        debug_assert_eq!(hash, key.hash(self.table.seed()));
        let sender_bit = 1u8 << packet.sender.index();
        let Some(index) = self.table.find(&key, hash) else {
            let flow = WholeFlow {
                counters: FlowCounters::first_packet(&key, packet.sender, facts, self.uncertain_direction),
                record_start_us: facts.ts_us,
                generation: 0,
                status: Status::Active,
                place: RecordPlace::First,
                tos_known: sender_bit,
                tcp: facts.tcp_segment().map(|segment| ArgusTcpTracker::first(packet.sender, &segment)),
            };
            self.table.find_or_insert_with(&key, hash, || flow);
            self.status_queue.push_back(QueueItem { time_us: facts.ts_us, key, generation: 0 });
            if self.table.len() > self.max_active_flows {
                self.evict_idle(out, stats, false);
            }
            while self.budget_bytes() > self.table_budget_bytes && !self.table.is_empty() {
                self.evict_idle(out, stats, true);
            }
            self.peak_budget_bytes = self.peak_budget_bytes.max(self.budget_bytes());
            self.compact_queues_if_stale();
            return;
        };
        let flow = self.table.value_mut(index);
        let restarts = match (flow.tcp.as_ref(), facts.tcp_segment().as_ref()) {
            (Some(tracker), Some(segment)) => tracker.restarts(packet.sender, segment),
            _ => false,
        };
        if restarts {
            // Port reuse: the record ends at this SYN (Argus stamps its last time with the
            // SYN's but does not count it) and the SYN starts a new flow.
            if flow.status == Status::Active {
                flow.counters.last_us = flow.counters.last_us.max(facts.ts_us);
                out.push(record_of(&key, flow));
                stats.flows_emitted += 1;
            }
            flow.counters = FlowCounters::first_packet(&key, packet.sender, facts, self.uncertain_direction);
            flow.tcp = facts.tcp_segment().map(|segment| ArgusTcpTracker::first(packet.sender, &segment));
            flow.place = RecordPlace::First;
            flow.tos_known = sender_bit;
        } else {
            if let (Some(tracker), Some(segment)) = (flow.tcp.as_mut(), facts.tcp_segment().as_ref()) {
                tracker.update(packet.sender, segment);
            }
            flow.tos_known |= sender_bit;
            if flow.status == Status::Active {
                if flow.counters.add(&key, packet.sender, facts).saturated {
                    stats.saturated_counters += 1;
                }
                return;
            }
            // Lingering after a report: the flow continues in a new record.
            flow.counters = flow.counters.continuation(&key, packet.sender, facts);
            flow.place = RecordPlace::Continuation;
        }
        flow.status = Status::Active;
        flow.record_start_us = facts.ts_us;
        flow.generation = flow.generation.wrapping_add(1);
        let generation = flow.generation;
        self.status_queue.push_back(QueueItem { time_us: facts.ts_us, key, generation });
        self.compact_queues_if_stale();
    }

    /// Queue items of flows since evicted, restarted or continued stay until their time
    /// comes; when they outnumber the flows, only the live ones are kept, so that the queues
    /// are bounded by the table, not by how many records an interval starts.
    fn compact_queues_if_stale(&mut self) {
        let limit = 2 * self.table.len() + 1024;
        let queued = self.status_queue.len() + self.linger_queues.iter().map(|(_, queue)| queue.len()).sum::<usize>();
        if queued <= limit {
            return;
        }
        let table = &self.table;
        let live = |item: &QueueItem, status: Status| {
            table.find(&item.key, item.key.hash(table.seed())).is_some_and(|index| {
                let flow = &table.entry(index).value;
                flow.generation == item.generation && flow.status == status
            })
        };
        self.status_queue.retain(|item| live(item, Status::Active));
        for (_, queue) in &mut self.linger_queues {
            queue.retain(|item| live(item, Status::Lingering));
        }
    }

    /// Writes every open record, oldest first, and forgets all flows.
    pub fn finish(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let mut open: Vec<(i64, usize)> = self
            .table
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.value.status == Status::Active)
            .map(|(index, entry)| (entry.value.record_start_us, index))
            .collect();
        open.sort_unstable();
        for (_, index) in open {
            let entry = self.table.entry(index);
            out.push(record_of(&entry.key, &entry.value));
            stats.flows_emitted += 1;
        }
        self.table = FlowTable::with_capacity(0, self.table.seed());
        self.status_queue.clear();
        self.linger_queues.clear();
    }

    fn report_due(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        while let Some(&item) = self.status_queue.front() {
            if self.now_us.saturating_sub(item.time_us) < self.status_interval_us {
                break;
            }
            self.status_queue.pop_front();
            let Some(index) = self.table.find(&item.key, item.key.hash(self.table.seed())) else { continue };
            let flow = self.table.value_mut(index);
            if flow.generation != item.generation || flow.status != Status::Active {
                continue;
            }
            out.push(record_of(&item.key, flow));
            stats.flows_emitted += 1;
            flow.status = Status::Lingering;
            flow.generation = flow.generation.wrapping_add(1);
            let linger = QueueItem { time_us: self.now_us, key: item.key, generation: flow.generation };
            let timeout_us = self.timeouts.for_protocol(item.key.proto);
            self.linger_queue(timeout_us).push_back(linger);
        }
        for (timeout_us, queue) in &mut self.linger_queues {
            while let Some(&item) = queue.front() {
                if self.now_us.saturating_sub(item.time_us) < *timeout_us {
                    break;
                }
                queue.pop_front();
                let hash = item.key.hash(self.table.seed());
                if let Some(index) = self.table.find(&item.key, hash) {
                    let flow = &self.table.entry(index).value;
                    if flow.generation == item.generation && flow.status == Status::Lingering {
                        self.table.remove(index);
                    }
                }
            }
        }
    }

    fn linger_queue(&mut self, timeout_us: i64) -> &mut VecDeque<QueueItem> {
        let position = match self.linger_queues.iter().position(|(timeout, _)| *timeout == timeout_us) {
            Some(position) => position,
            None => {
                self.linger_queues.push((timeout_us, VecDeque::new()));
                self.linger_queues.len() - 1
            }
        };
        &mut self.linger_queues[position].1
    }

    /// Over the cap (or the memory budget: `memcap`): the longest-idle sixteenth of the flows
    /// go, their open records written.
    fn evict_idle(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats, memcap: bool) {
        let victims = evict_count(self.table.len());
        let mut by_idle: Vec<(i64, FlowKey)> = self.table.iter().map(|entry| (entry.value.counters.last_us, entry.key)).collect();
        by_idle.select_nth_unstable_by_key(victims - 1, |(last_us, _)| *last_us);
        for (_, key) in &by_idle[..victims] {
            let Some(index) = self.table.find(key, key.hash(self.table.seed())) else { continue };
            let entry = self.table.remove(index);
            if entry.value.status == Status::Active {
                out.push(record_of(&entry.key, &entry.value));
                stats.flows_emitted += 1;
                stats.flows_evicted_early += 1;
                stats.flows_evicted_memcap += u64::from(memcap);
            }
        }
    }
}

fn tos_known(bits: u8) -> [bool; 2] {
    [bits & (1 << Side::A.index()) != 0, bits & (1 << Side::B.index()) != 0]
}

fn record_of(key: &FlowKey, flow: &WholeFlow) -> FlowRecord {
    build_record(key, &flow.counters, &RecordContext { window_start_us: None, place: flow.place, tos_known: tos_known(flow.tos_known) })
}

#[cfg(test)]
mod tests {
    use crate::flow::test_packets::{host, tcp, udp, SECOND_US, T0_US};
    use crate::flow::{FlowEngine, FlowEngineOptions};
    use crate::packet::tcp_flag::{ACK, FIN, PSH, SYN};
    use crate::record::{Address, Direction, FlowRecord};

    fn whole(status_interval_s: i64, max_active_flows: usize) -> FlowEngine {
        FlowEngine::new(FlowEngineOptions { max_active_flows, ..FlowEngineOptions::whole_capture(status_interval_s * SECOND_US) }).unwrap()
    }

    fn summary(records: &[FlowRecord]) -> Vec<(i64, u64, String)> {
        let mut rows: Vec<_> = records.iter().map(|r| ((r.start_us - T0_US) / SECOND_US, r.total_pkts, r.state.clone())).collect();
        rows.sort();
        rows
    }

    #[test]
    fn status_interval_splits_an_active_flow_into_records() {
        let mut flows = whole(60, 1000);
        let mut out = Vec::new();
        for second in 0..130 {
            flows.push(&udp(T0_US + second * SECOND_US, 1, 2, 1000, 2000), &mut out);
        }
        // The packet at 60 s is the first of the second record, reported at 120 s.
        assert_eq!(summary(&out), vec![(0, 60, "INT".to_string()), (60, 60, "REQ".to_string())]);
        flows.finish(&mut out);
        assert_eq!(summary(&out)[2], (120, 10, "REQ".to_string()));
        assert!(out.iter().all(|r| r.window_start_us.is_none()));
    }

    #[test]
    fn esp_directions_and_spis_are_records_of_their_own() {
        use crate::flow::test_packets::ip_packet;
        use crate::packet::{ip_proto, Transport};
        let esp = |second: i64, src, dst, spi| ip_packet(T0_US + second * SECOND_US, src, dst, ip_proto::ESP, Transport::Esp { spi }, 100);
        let mut flows = whole(3600, 1000);
        let mut out = Vec::new();
        // 1 -> 2 under SPI a, answered 2 -> 1 under SPI b, then 1 -> 2 rekeyed to SPI c.
        for (second, src, dst, spi) in [(0, 1, 2, 0xa), (1, 2, 1, 0xb), (2, 1, 2, 0xa), (3, 2, 1, 0xb), (4, 1, 2, 0xc)] {
            flows.push(&esp(second, src, dst, spi), &mut out);
        }
        flows.finish(&mut out);
        let mut rows: Vec<_> = out
            .iter()
            .map(|r| ((r.start_us - T0_US) / SECOND_US, r.src_addr, r.total_pkts, r.src_bytes, r.state.clone(), r.direction, r.dst_port))
            .collect();
        rows.sort_by_key(|row| row.0);
        let addr = |last| Address::Ip(host(last));
        assert_eq!(
            rows,
            vec![
                (0, addr(1), 2, 320, "INT".to_string(), Direction::Forward, None),
                (1, addr(2), 2, 320, "INT".to_string(), Direction::Forward, None),
                (4, addr(1), 1, 160, "INT".to_string(), Direction::Forward, None),
            ]
        );
    }

    #[test]
    fn after_a_report_a_flow_lingers_for_its_idle_timeout() {
        let mut flows = whole(60, 1000);
        let mut out = Vec::new();
        // Pair 1-2 answers within UDP's 30 s after its report at 60 s: same flow, `RSP`.
        // Pair 3-4 answers after it: a new flow, whose initiator is the answerer. Capture
        // time moves on with other traffic (Argus, too, only looks at its queues on packets).
        flows.push(&udp(T0_US, 1, 2, 1000, 2000), &mut out);
        flows.push(&udp(T0_US, 3, 4, 1000, 2000), &mut out);
        for second in (1..89).step_by(4) {
            flows.push(&udp(T0_US + second * SECOND_US, 50, 51, 7, 7), &mut out);
        }
        flows.push(&udp(T0_US + 89 * SECOND_US, 2, 1, 2000, 1000), &mut out);
        flows.push(&udp(T0_US + 91 * SECOND_US, 4, 3, 2000, 1000), &mut out);
        flows.finish(&mut out);
        let of = |a: u8| -> Vec<(Address, Direction, String)> {
            out.iter().filter(|r| r.src_addr == Address::Ip(host(a)) || r.dst_addr == Address::Ip(host(a))).map(|r| (r.src_addr, r.direction, r.state.clone())).collect()
        };
        assert_eq!(of(1), vec![(Address::Ip(host(1)), Direction::Forward, "INT".into()), (Address::Ip(host(1)), Direction::Backward, "RSP".into())]);
        assert_eq!(of(3), vec![(Address::Ip(host(3)), Direction::Forward, "INT".into()), (Address::Ip(host(4)), Direction::Forward, "INT".into())]);
    }

    #[test]
    fn idle_time_alone_never_ends_a_record() {
        let mut flows = whole(3600, 1000);
        let mut out = Vec::new();
        flows.push(&udp(T0_US, 1, 2, 1000, 2000), &mut out);
        flows.push(&udp(T0_US + 3000 * SECOND_US, 1, 2, 1000, 2000), &mut out);
        flows.finish(&mut out);
        assert_eq!(summary(&out), vec![(0, 2, "INT".to_string())]);
        assert_eq!(out[0].duration_us(), 3000 * SECOND_US);
    }

    #[test]
    fn a_syn_after_one_fin_reuses_the_port_in_a_new_record() {
        let mut flows = whole(3600, 1000);
        let mut out = Vec::new();
        let t = |ms: i64| T0_US + ms * 1000;
        flows.push(&tcp(t(0), 1, 2, 5555, 80, SYN, 100, 0, 0), &mut out);
        flows.push(&tcp(t(1), 2, 1, 80, 5555, SYN | ACK, 500, 101, 0), &mut out);
        flows.push(&tcp(t(2), 1, 2, 5555, 80, PSH | ACK, 101, 501, 10), &mut out);
        flows.push(&tcp(t(3), 1, 2, 5555, 80, FIN | ACK, 111, 501, 0), &mut out);
        flows.push(&tcp(t(9000), 1, 2, 5555, 80, SYN, 7000, 0, 0), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].total_pkts, out[0].state.as_str()), (4, "FSPA_SA"));
        // Argus stamps the old record's end with the new SYN's time.
        assert_eq!(out[0].last_us, t(9000));
        flows.finish(&mut out);
        assert_eq!((out[1].total_pkts, out[1].state.as_str(), out[1].start_us), (1, "S_", t(9000)));
    }

    #[test]
    fn queues_stay_bounded_by_the_table_when_flows_churn() {
        let mut flows = super::WholeCaptureFlows::new(3600 * SECOND_US, crate::flow::IdleTimeouts::default(), 64, usize::MAX, super::UncertainDirection::FirstSender, 5);
        let mut stats = crate::flow::FlowEngineStats::default();
        let mut out = Vec::new();
        for n in 0..50_000u32 {
            let packet = udp(T0_US + i64::from(n), (n % 250) as u8, 200, (n / 250) as u16, 53);
            let crate::packet::Network::Ip(ip) = packet.network else { unreachable!() };
            let facts = crate::flow::counters::PacketFacts { ts_us: packet.ts_us, wire_len: 60, payload_len: 10, tos: 0, tcp_flags: 0, icmp_type: None, tcp_seq_ack: None };
            let key = crate::flow::key::packet_key(&ip);
            flows.push(key, key.key.hash(5), &facts, &mut out, &mut stats);
            assert!(flows.status_queue.len() <= 2 * flows.len() + 1025);
        }
        assert_eq!(out.len() as u64, stats.flows_evicted_early);
        assert!(out.len() > 49_000);
    }

    #[test]
    fn over_the_cap_the_longest_idle_flows_are_written_early() {
        let mut flows = whole(3600, 16);
        let mut out = Vec::new();
        for k in 0..40u8 {
            flows.push(&udp(T0_US + i64::from(k) * SECOND_US, k, 100, 1000, 2000), &mut out);
            flows.push(&udp(T0_US + i64::from(k) * SECOND_US + 1, 100, k, 2000, 1000), &mut out);
        }
        let stats = flows.stats().clone();
        assert!(stats.flows_evicted_early >= 24, "{stats:?}");
        assert!(stats.peak_active_flows <= 17);
        // The evicted were the oldest.
        assert!(out.iter().all(|r| r.start_us < T0_US + 30 * SECOND_US));
        flows.finish(&mut out);
        assert_eq!(out.len(), 40);
        assert!(out.iter().all(|r| r.total_pkts == 2 && r.state == "CON"));
    }
}
