//! Windowed flows: sliding windows over capture time, window k covering [k·step, k·step +
//! window), aligned to multiples of the step in Unix time. One flow table per step-long
//! bucket, merged per window when it closes.
//!
//! A packet updates one table (its bucket's) however many windows hold it. Window k spans
//! buckets k ..= k+n−1 (n = window / step); it closes once capture time passes its end by
//! the reorder slack, and its records are the merge, flow by flow, of those buckets (counts
//! summed, first time the minimum, last time the maximum, initiator from the earliest
//! bucket). A bucket is dropped once every window holding it has closed.
//!
//! A flow's first packet in a bucket decides its initiator there, unless the flow has packets
//! in an earlier live bucket and that packet is not a bare SYN (a connection opened anew on the
//! same ports): then its initiator and TCP phase carry over, as they do from one
//! of Argus's status records to the next. Failing that, when the first packet leaves the
//! initiator a guess (no TCP handshake, no ICMP request), the initiator the flow had in a
//! bucket already dropped, within the hour, is taken (`InitiatorMemory`). A window starting in
//! the middle of a connection so names the host that opened it, as the window before it and a
//! flow file's record of the connection do, where Argus run on the window's packets alone (the
//! way botd built its windows) guesses from the first packet.

mod bucket_math;
mod initiator_memory;

use crate::record::FlowRecord;

use super::counters::{FlowCounters, PacketFacts};
use super::key::{FlowKey, PacketKey};
use super::record_builder::{build_record, RecordContext, RecordPlace, PACKET_RECORD_BYTES};
use super::stats::{FlowEngineStats, WindowEvictions};
use super::table::{evict_count, FlowTable};
use super::tcp::UncertainDirection;
use bucket_math::{last_window_ended_by, windows_of_bucket, BucketFinder};
use initiator_memory::InitiatorMemory;

struct Bucket {
    index: i64,
    table: FlowTable<FlowCounters>,
}

pub struct WindowedFlows {
    step_us: i64,
    /// Buckets per window.
    span: i64,
    reorder_slack_us: i64,
    max_active_flows: usize,
    /// The flow tables' share of the memory budget (`MemoryBudget::flow_tables_bytes`).
    table_budget_bytes: usize,
    /// The most `budget_bytes` held once a new flow was settled (evictions done): per packet,
    /// so the same however packets are batched.
    peak_budget_bytes: usize,
    uncertain_direction: UncertainDirection,
    seed: u64,
    /// Early evictions not yet taken (`take_evictions`), per window, by window start.
    evictions: Vec<WindowEvictions>,
    /// Live buckets, by ascending index.
    buckets: Vec<Bucket>,
    /// Every window up to this one has been emitted.
    closed_through: Option<i64>,
    max_ts_us: i64,
    /// When `max_ts_us` reaches this, another window is due.
    next_close_at_us: i64,
    /// Size for a new bucket's slot array: the last dropped bucket's flow count.
    expected_bucket_flows: usize,
    visited: Vec<Vec<u64>>,
    bucket_finder: BucketFinder,
    initiators: InitiatorMemory,
}

const INITIAL_BUCKET_FLOWS: usize = 4096;

impl WindowedFlows {
    pub fn new(
        window_us: i64,
        step_us: i64,
        reorder_slack_us: i64,
        max_active_flows: usize,
        table_budget_bytes: usize,
        uncertain_direction: UncertainDirection,
        seed: u64,
    ) -> WindowedFlows {
        WindowedFlows {
            step_us,
            span: window_us / step_us,
            reorder_slack_us,
            max_active_flows,
            table_budget_bytes,
            peak_budget_bytes: 0,
            uncertain_direction,
            seed,
            evictions: Vec::new(),
            buckets: Vec::new(),
            closed_through: None,
            max_ts_us: i64::MIN,
            next_close_at_us: i64::MIN,
            expected_bucket_flows: INITIAL_BUCKET_FLOWS,
            visited: Vec::new(),
            bucket_finder: BucketFinder::new(step_us),
            initiators: InitiatorMemory::new(max_active_flows),
        }
    }

    /// Flows held, summed over the live buckets (a flow in two buckets counts twice).
    pub fn len(&self) -> usize {
        self.buckets.iter().map(|bucket| bucket.table.len()).sum()
    }

    /// The flow tables' heap bytes (the initiator memory, at most 13 bytes and a slot for each
    /// of up to `max_active_flows` flows, is not counted: its size depends on the hash seed).
    pub fn memory_bytes(&self) -> usize {
        self.buckets.iter().map(|bucket| bucket.table.memory_bytes()).sum::<usize>()
    }

    /// What the memory budget counts: the tables, the records their flows will become when
    /// their windows close (all at once), and the initiator memory.
    pub fn budget_bytes(&self) -> usize {
        self.buckets.iter().map(|bucket| bucket.table.memory_bytes() + bucket.table.len() * PACKET_RECORD_BYTES).sum::<usize>()
            + self.initiators.memory_bytes()
    }

    pub fn peak_budget_bytes(&self) -> usize {
        self.peak_budget_bytes
    }

    /// The start of the last window emitted: no record of it or of an earlier window will
    /// come again (early evictions only emit records of windows still open).
    pub fn closed_through_us(&self) -> Option<i64> {
        self.closed_through.map(|window| window.saturating_mul(self.step_us))
    }

    /// The early evictions counted since the last call, per window, oldest window first.
    pub fn take_evictions(&mut self) -> Vec<WindowEvictions> {
        std::mem::take(&mut self.evictions)
    }

    /// Hints that a packet of `hash` will be counted soon (see `FlowTable::prefetch_slot`),
    /// guessing that it goes to the newest bucket, as all but late packets do.
    #[inline]
    pub fn prefetch_slot(&self, hash: u64) {
        if let Some(bucket) = self.buckets.last() {
            bucket.table.prefetch_slot(hash);
        }
    }

    /// As `prefetch_slot`, for the entry (see `FlowTable::prefetch_entry`).
    #[inline]
    pub fn prefetch_entry(&self, hash: u64) {
        if let Some(bucket) = self.buckets.last() {
            bucket.table.prefetch_entry(hash);
        }
    }

    /// Counts a packet whose key hashes (with the seed given to `new`) to `hash`; returns
    /// whether it created a flow entry.
    #[inline]
    pub fn push(&mut self, packet: PacketKey, hash: u64, facts: &PacketFacts, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) -> bool {
        let mut facts = *facts;
        if facts.ts_us > self.max_ts_us {
            self.max_ts_us = facts.ts_us;
            if self.max_ts_us >= self.next_close_at_us {
                self.close_due(out, stats);
            }
        }
        let mut bucket = self.bucket_finder.bucket_of(facts.ts_us);
        if let Some(closed) = self.closed_through {
            if bucket <= closed {
                // No window holding it is open: count it at the start of the oldest open one.
                stats.late_packets_moved += 1;
                bucket = closed + 1;
                facts.ts_us = bucket.saturating_mul(self.step_us);
            } else if bucket - self.span < closed {
                stats.late_packets += 1;
            }
        }
        let position = self.bucket_position(bucket);
        let (earlier, later) = self.buckets.split_at_mut(position);
        let table = &mut later[0].table;
        let key = packet.key;
        debug_assert_eq!(hash, key.hash(self.seed));
        let initiators = &self.initiators;
        let uncertain_direction = self.uncertain_direction;
        let (index, inserted) = table.find_or_insert_with(&key, hash, || {
            let mut counters = FlowCounters::first_packet(&key, packet.sender, &facts, uncertain_direction);
            if counters.opened_by_syn(&key) {
                return counters;
            }
            // The flow's state in the latest earlier bucket that has it.
            let before = earlier.iter().rev().find_map(|bucket| Some(&bucket.table.entry(bucket.table.find(&key, hash)?).value));
            if let Some(before) = before {
                return before.continuation(&key, packet.sender, &facts);
            }
            if counters.initiator_is_a_guess(&key) {
                if let Some(initiator) = initiators.recall(hash, facts.ts_us) {
                    counters.set_initiator(initiator);
                }
            }
            counters
        });
        if !inserted {
            if table.value_mut(index).add(&key, packet.sender, &facts).saturated {
                stats.saturated_counters += 1;
            }
        } else if table.len() > self.max_active_flows {
            self.evict_idle(position, out, stats, false);
        }
        if inserted {
            let mut held = self.budget_bytes();
            if held > self.table_budget_bytes {
                self.evict_for_budget(out, stats);
                held = self.budget_bytes();
            }
            self.peak_budget_bytes = self.peak_budget_bytes.max(held);
        }
        inserted
    }

    /// The clock has reached `now_us` with no packet since (a live capture on an idle
    /// network): the windows that ended by then close as a packet of that time would close
    /// them. Earlier times than the newest packet's change nothing.
    pub fn advance_clock(&mut self, now_us: i64, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        if now_us > self.max_ts_us && !self.buckets.is_empty() {
            self.max_ts_us = now_us;
            if self.max_ts_us >= self.next_close_at_us {
                self.close_due(out, stats);
            }
        }
    }

    /// Emits every window holding a live bucket and forgets everything.
    pub fn finish(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        if let Some(last) = self.buckets.last().map(|bucket| bucket.index) {
            self.emit_windows_through(last, out, stats);
        }
        self.buckets.clear();
    }

    fn close_due(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let horizon_us = self.max_ts_us.saturating_sub(self.reorder_slack_us);
        let due_through = last_window_ended_by(horizon_us, self.step_us, self.span);
        if self.closed_through.is_some_and(|closed| due_through <= closed) {
            return;
        }
        self.emit_windows_through(due_through, out, stats);
        // Buckets no open window holds; their flows' initiators are remembered.
        while self.buckets.first().is_some_and(|bucket| bucket.index <= due_through) {
            let bucket = self.buckets.remove(0);
            self.expected_bucket_flows = bucket.table.len().max(INITIAL_BUCKET_FLOWS);
            for entry in bucket.table.iter() {
                self.initiators.remember(entry.key.hash(self.seed), entry.value.initiator(), entry.value.last_us);
            }
        }
        self.initiators.forget_before(self.max_ts_us);
        let next_window_end = (due_through + 1 + self.span).saturating_mul(self.step_us);
        self.next_close_at_us = next_window_end.saturating_add(self.reorder_slack_us);
    }

    /// Emits the windows after `closed_through` up to `through` that hold a live bucket.
    fn emit_windows_through(&mut self, through: i64, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let lowest = self.closed_through.map_or(i64::MIN, |closed| closed + 1);
        let mut windows: Vec<i64> = self
            .buckets
            .iter()
            .flat_map(|bucket| windows_of_bucket(bucket.index, self.span))
            .filter(|window| (lowest..=through).contains(window))
            .collect();
        windows.sort_unstable();
        windows.dedup();
        for window in windows {
            self.emit_window(window, out, stats);
        }
        self.closed_through = Some(through);
    }

    fn emit_window(&mut self, window: i64, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let parts: Vec<usize> = (0..self.buckets.len())
            .filter(|&position| (window..window + self.span).contains(&self.buckets[position].index))
            .collect();
        let context = RecordContext { window_start_us: Some(window.saturating_mul(self.step_us)), place: RecordPlace::First, tos_known: [false; 2] };
        self.visited.resize_with(parts.len(), Vec::new);
        for (part, &position) in parts.iter().enumerate() {
            let words = self.buckets[position].table.len().div_ceil(64);
            self.visited[part].clear();
            self.visited[part].resize(words, 0);
        }
        for (part, &position) in parts.iter().enumerate() {
            for (index, entry) in self.buckets[position].table.iter().enumerate() {
                if self.visited[part][index / 64] & (1 << (index % 64)) != 0 {
                    continue;
                }
                let mut merged = entry.value;
                let hash = entry.key.hash(self.seed);
                for (later_part, &later_position) in parts.iter().enumerate().skip(part + 1) {
                    let later = &self.buckets[later_position].table;
                    if let Some(found) = later.find(&entry.key, hash) {
                        merged.merge_later(&later.entry(found).value);
                        self.visited[later_part][found / 64] |= 1 << (found % 64);
                    }
                }
                out.push(record_of(&entry.key, &merged, &context));
                stats.flows_emitted += 1;
            }
        }
    }

    #[inline]
    fn bucket_position(&mut self, index: i64) -> usize {
        if let Some(last) = self.buckets.last() {
            if last.index == index {
                return self.buckets.len() - 1;
            }
        }
        match self.buckets.binary_search_by_key(&index, |bucket| bucket.index) {
            Ok(position) => position,
            Err(position) => {
                let table = FlowTable::with_capacity(self.expected_bucket_flows.min(self.max_active_flows), self.seed);
                self.buckets.insert(position, Bucket { index, table });
                position
            }
        }
    }

    /// The tables are over their share of the memory budget: the longest-idle flows go first,
    /// a sixteenth of the oldest bucket that holds any at a time (a bucket's flows are all
    /// idler than a later bucket's), until the tables are back within it.
    fn evict_for_budget(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        while self.budget_bytes() > self.table_budget_bytes {
            let Some(position) = self.buckets.iter().position(|bucket| !bucket.table.is_empty()) else { break };
            self.evict_idle(position, out, stats, true);
        }
    }

    /// A bucket is over the cap (or the tables over the budget: `memcap`): its longest-idle
    /// sixteenth of flows is emitted now, for each open window, from the buckets that could be
    /// cleared of them (this one and the earlier ones in its windows); later buckets keep
    /// theirs for their own windows.
    fn evict_idle(&mut self, position: usize, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats, memcap: bool) {
        let current = self.buckets[position].index;
        let table = &self.buckets[position].table;
        let victims = evict_count(table.len());
        let mut by_idle: Vec<(i64, FlowKey)> = table.iter().map(|entry| (entry.value.last_us, entry.key)).collect();
        by_idle.select_nth_unstable_by_key(victims - 1, |(last_us, _)| *last_us);
        by_idle.truncate(victims);

        let cleared = (current - self.span + 1)..=current;
        let lowest_open = self.closed_through.map_or(i64::MIN, |closed| closed + 1);
        let windows = (current - 2 * self.span + 2).max(lowest_open)..=current;
        for (_, key) in by_idle {
            let hash = key.hash(self.seed);
            for window in windows.clone() {
                let first = window.max(*cleared.start());
                let last = (window + self.span - 1).min(current);
                let mut merged: Option<FlowCounters> = None;
                for bucket in self.buckets.iter().filter(|bucket| (first..=last).contains(&bucket.index)) {
                    if let Some(found) = bucket.table.find(&key, hash) {
                        let value = bucket.table.entry(found).value;
                        match merged.as_mut() {
                            Some(merged) => merged.merge_later(&value),
                            None => merged = Some(value),
                        }
                    }
                }
                if let Some(merged) = merged {
                    let window_start_us = window.saturating_mul(self.step_us);
                    let context = RecordContext { window_start_us: Some(window_start_us), place: RecordPlace::First, tos_known: [false; 2] };
                    out.push(record_of(&key, &merged, &context));
                    stats.flows_emitted += 1;
                    stats.flows_evicted_early += 1;
                    stats.flows_evicted_memcap += u64::from(memcap);
                    count_eviction(&mut self.evictions, window_start_us, memcap);
                }
            }
            for bucket in self.buckets.iter_mut().filter(|bucket| cleared.contains(&bucket.index)) {
                if let Some(found) = bucket.table.find(&key, hash) {
                    let removed = bucket.table.remove(found);
                    self.initiators.remember(hash, removed.value.initiator(), removed.value.last_us);
                }
            }
        }
    }
}

/// Counts one early eviction in its window's entry (windows come in a handful of values).
fn count_eviction(evictions: &mut Vec<WindowEvictions>, window_start_us: i64, memcap: bool) {
    let position = match evictions.iter().position(|entry| entry.window_start_us == window_start_us) {
        Some(position) => position,
        None => {
            let at = evictions.partition_point(|entry| entry.window_start_us < window_start_us);
            evictions.insert(at, WindowEvictions { window_start_us, ..WindowEvictions::default() });
            at
        }
    };
    evictions[position].flows_evicted_early += 1;
    evictions[position].flows_evicted_memcap += u64::from(memcap);
}

fn record_of(key: &FlowKey, counters: &FlowCounters, context: &RecordContext) -> FlowRecord {
    let context = RecordContext { tos_known: [counters.pkts[0] > 0, counters.pkts[1] > 0], ..*context };
    build_record(key, counters, &context)
}

#[cfg(test)]
mod tests {
    use crate::flow::test_packets::{tcp, udp, SECOND_US, T0_US};
    use crate::flow::{FlowEngine, FlowEngineOptions, FlowMode};
    use crate::packet::tcp_flag::{ACK, FIN, PSH, SYN};
    use crate::record::{Address, FlowRecord};
    use crate::flow::test_packets::host;

    const STEP_US: i64 = 150 * SECOND_US;

    fn engine(max_active_flows: usize) -> FlowEngine {
        FlowEngine::new(FlowEngineOptions { max_active_flows, ..FlowEngineOptions::default() }).unwrap()
    }

    fn bucket_start(ts_us: i64) -> i64 {
        ts_us.div_euclid(STEP_US) * STEP_US
    }

    #[test]
    fn a_packet_counts_in_both_windows_holding_it() {
        let mut flows = engine(1000);
        let mut out = Vec::new();
        let t = T0_US + 7 * SECOND_US;
        flows.push(&udp(t, 1, 2, 1000, 53), &mut out);
        assert!(out.is_empty());
        flows.finish(&mut out);
        let mut windows: Vec<i64> = out.iter().map(|r| r.window_start_us.unwrap()).collect();
        windows.sort_unstable();
        assert_eq!(windows, vec![bucket_start(t) - STEP_US, bucket_start(t)]);
        for record in &out {
            assert_eq!((record.total_pkts, record.start_us, record.state.as_str()), (1, t, "INT"));
            assert!(record.window_start_us.unwrap() <= t && t < record.window_start_us.unwrap() + 2 * STEP_US);
        }
    }

    #[test]
    fn a_window_closes_as_soon_as_time_passes_its_end_and_the_slack() {
        let mut flows = engine(1000);
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        flows.push(&udp(b + SECOND_US, 1, 2, 1000, 2000), &mut out);
        // Window b−1 ends at b + STEP; 2 s of slack later it closes.
        flows.push(&udp(b + STEP_US + SECOND_US, 3, 4, 1, 2), &mut out);
        assert!(out.is_empty());
        flows.push(&udp(b + STEP_US + 2 * SECOND_US, 3, 4, 1, 2), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].window_start_us, Some(b - STEP_US));
        assert_eq!(out[0].src_addr, Address::Ip(host(1)));
        assert_eq!(flows.stats().flows_emitted, 1);
    }

    #[test]
    fn buckets_merge_flow_by_flow_into_a_window() {
        let mut flows = engine(1000);
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        let late_in_b = b + STEP_US - 10 * SECOND_US;
        // A connection from host 9 spanning buckets b and b+1.
        flows.push(&tcp(late_in_b, 9, 1, 4444, 80, SYN, 100, 0, 0), &mut out);
        flows.push(&tcp(late_in_b + 1000, 1, 9, 80, 4444, SYN | ACK, 500, 101, 0), &mut out);
        flows.push(&tcp(b + STEP_US + 5 * SECOND_US, 1, 9, 80, 4444, PSH | ACK, 501, 101, 1000), &mut out);
        flows.push(&tcp(b + STEP_US + 6 * SECOND_US, 9, 1, 4444, 80, FIN | ACK, 101, 1501, 0), &mut out);
        flows.finish(&mut out);
        let in_window = |start: i64| -> Vec<&FlowRecord> { out.iter().filter(|r| r.window_start_us == Some(start)).collect() };
        let whole = in_window(b);
        assert_eq!(whole.len(), 1);
        let record = whole[0];
        assert_eq!((record.total_pkts, record.src_pkts, record.src_bytes, record.total_bytes), (4, Some(2), 120, 1180 + 60));
        assert_eq!((record.start_us, record.last_us), (late_in_b, b + STEP_US + 6 * SECOND_US));
        assert_eq!((record.src_addr, record.src_port, record.state.as_str()), (Address::Ip(host(9)), Some(4444), "FSA_SPA"));
        // The earlier window holds only bucket b, the later only bucket b+1; the latter on
        // its own would not know the initiator from a SYN.
        assert_eq!(in_window(b - STEP_US)[0].total_pkts, 2);
        let later = in_window(b + STEP_US)[0];
        assert_eq!((later.total_pkts, later.state.as_str()), (2, "FA_PA"));
    }

    #[test]
    fn a_window_starting_with_the_answer_names_the_flows_initiator() {
        let mut flows = engine(1000);
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        // Host 9 asks in bucket b; host 1's answers open buckets b+1 and, after a silent
        // bucket, b+3 (the initiator then comes from the dropped bucket b+1).
        flows.push(&udp(b + 10 * SECOND_US, 9, 1, 40000, 123), &mut out);
        flows.push(&udp(b + STEP_US + SECOND_US, 1, 9, 123, 40000), &mut out);
        flows.push(&udp(b + STEP_US + 2 * SECOND_US, 9, 1, 40000, 123), &mut out);
        flows.push(&udp(b + 3 * STEP_US + 10 * SECOND_US, 1, 9, 123, 40000), &mut out);
        // A flow first seen answer first stays named by its first packet.
        flows.push(&udp(b + 3 * STEP_US + 12 * SECOND_US, 5, 6, 53, 50000), &mut out);
        flows.finish(&mut out);
        for record in out.iter().filter(|r| r.dst_port == Some(123) || r.src_port == Some(123)) {
            assert_eq!((record.src_addr, record.src_port), (Address::Ip(host(9)), Some(40000)), "{record:?}");
        }
        let windows = out.iter().filter(|r| r.src_port == Some(40000)).count();
        assert_eq!(windows, 5, "windows b−1 … b+1 and b+2, b+3");
        assert!(out.iter().any(|r| r.src_addr == Address::Ip(host(5))));
    }

    #[test]
    fn a_new_handshake_on_the_same_ports_names_its_own_initiator() {
        // Host 1 opens a connection between the ports host 9 used, in the next bucket (whose
        // flow is still live) and three buckets later (remembered only).
        for later_by in [STEP_US + SECOND_US, 3 * STEP_US + 10 * SECOND_US] {
            let mut flows = engine(1000);
            let mut out = Vec::new();
            let b = bucket_start(T0_US);
            flows.push(&tcp(b + 10 * SECOND_US, 9, 1, 4444, 80, SYN, 100, 0, 0), &mut out);
            let later = b + later_by;
            flows.push(&tcp(later, 1, 9, 80, 4444, SYN, 700, 0, 0), &mut out);
            flows.finish(&mut out);
            let record = out.iter().find(|r| r.window_start_us == Some(bucket_start(later))).unwrap();
            assert_eq!(record.src_addr, Address::Ip(host(1)), "{later_by} µs later");
        }
    }

    #[test]
    fn a_handshake_split_across_buckets_keeps_its_client() {
        let mut flows = engine(1000);
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        // The SYN at the end of bucket b, the SYN-ACK and the rest in bucket b+1.
        flows.push(&tcp(b + STEP_US - 1000, 9, 1, 4444, 80, SYN, 100, 0, 0), &mut out);
        flows.push(&tcp(b + STEP_US + 1000, 1, 9, 80, 4444, SYN | ACK, 500, 101, 0), &mut out);
        flows.push(&tcp(b + STEP_US + 2000, 9, 1, 4444, 80, ACK, 101, 501, 0), &mut out);
        flows.finish(&mut out);
        let later = out.iter().find(|r| r.window_start_us == Some(b + STEP_US)).unwrap();
        assert_eq!((later.src_addr, later.src_port), (Address::Ip(host(9)), Some(4444)));
    }

    #[test]
    fn late_packets_are_counted_never_lost() {
        let mut flows = FlowEngine::new(FlowEngineOptions { reorder_slack_us: 0, ..FlowEngineOptions::default() }).unwrap();
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        flows.push(&udp(b + STEP_US + SECOND_US, 1, 2, 1, 2), &mut out); // windows ≤ b−1 are closed
        flows.push(&udp(b + 10 * SECOND_US, 3, 4, 1, 2), &mut out); // bucket b: window b−1 closed, b open
        flows.push(&udp(b - STEP_US, 5, 6, 1, 2), &mut out); // bucket b−1: every window closed
        let stats = flows.stats().clone();
        assert_eq!((stats.out_of_order_packets, stats.late_packets, stats.late_packets_moved), (2, 1, 1));
        flows.finish(&mut out);
        let moved: Vec<&FlowRecord> = out.iter().filter(|r| r.src_addr == Address::Ip(host(5))).collect();
        // Counted at the start of the oldest open bucket, in its only open window.
        assert_eq!(moved.len(), 1);
        assert_eq!((moved[0].start_us, moved[0].window_start_us), (b, Some(b)));
    }

    #[test]
    fn over_the_cap_idle_flows_leave_early_without_loss_or_double_count() {
        let mut flows = engine(16);
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        let mut sent = 0u64;
        for round in 0..3 {
            for host_id in 1..=40u8 {
                flows.push(&udp(b + (round * 40 + i64::from(host_id)) * SECOND_US, host_id, 200, 1000, 53), &mut out);
                sent += 1;
            }
        }
        assert!(flows.stats().flows_evicted_early > 0);
        assert!(flows.stats().peak_active_flows <= 17);
        flows.finish(&mut out);
        for window in [b - STEP_US, b] {
            let counted: u64 = out.iter().filter(|r| r.window_start_us == Some(window)).map(|r| r.total_pkts).sum();
            assert_eq!(counted, sent, "window {window}");
        }
    }

    #[test]
    fn a_window_of_three_steps_holds_three_buckets() {
        let mut flows = FlowEngine::new(FlowEngineOptions { mode: FlowMode::Windowed { window_us: 3 * STEP_US, step_us: STEP_US }, ..FlowEngineOptions::default() }).unwrap();
        let mut out = Vec::new();
        let b = bucket_start(T0_US);
        for k in 0..3 {
            flows.push(&udp(b + k * STEP_US, 1, 2, 1, 2), &mut out);
        }
        flows.finish(&mut out);
        let full: Vec<&FlowRecord> = out.iter().filter(|r| r.window_start_us == Some(b)).collect();
        assert_eq!(full[0].total_pkts, 3);
        assert_eq!(out.len(), 5, "windows b−2 … b+2");
        assert_eq!(out.iter().map(|r| r.total_pkts).sum::<u64>(), 9);
    }
}
