//! Windowed flows: one flow table per step-long bucket, merged per window when it closes.
//!
//! A packet updates one table (its bucket's) however many windows hold it. Window k spans
//! buckets k ..= k+n−1 (n = window / step); it closes once capture time passes its end by
//! the reorder slack, and its records are the merge, flow by flow, of those buckets (counts
//! summed, first time the minimum, last time the maximum, initiator from the earliest
//! bucket). A bucket is dropped once every window holding it has closed.

use crate::flow::counters::{FlowCounters, PacketFacts};
use crate::flow::key::{FlowKey, PacketKey};
use crate::flow::record_builder::{build_record, RecordContext, RecordPlace};
use crate::flow::stats::FlowEngineStats;
use crate::flow::table::FlowTable;
use crate::flow::whole::evict_count;
use crate::record::FlowRecord;
use crate::window::bucket_math::{bucket_of, last_window_ended_by, windows_of_bucket};

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
    seed: u64,
    /// Live buckets, by ascending index.
    buckets: Vec<Bucket>,
    /// Every window up to this one has been emitted.
    closed_through: Option<i64>,
    max_ts_us: i64,
    /// When `max_ts_us` reaches this, another window is due.
    next_close_at_us: i64,
    spare_tables: Vec<FlowTable<FlowCounters>>,
    /// Size for a new bucket's table: the largest bucket seen.
    expected_bucket_flows: usize,
    visited: Vec<Vec<u64>>,
}

const INITIAL_BUCKET_FLOWS: usize = 4096;

impl WindowedFlows {
    pub fn new(window_us: i64, step_us: i64, reorder_slack_us: i64, max_active_flows: usize, seed: u64) -> WindowedFlows {
        WindowedFlows {
            step_us,
            span: window_us / step_us,
            reorder_slack_us,
            max_active_flows,
            seed,
            buckets: Vec::new(),
            closed_through: None,
            max_ts_us: i64::MIN,
            next_close_at_us: i64::MIN,
            spare_tables: Vec::new(),
            expected_bucket_flows: INITIAL_BUCKET_FLOWS,
            visited: Vec::new(),
        }
    }

    /// Flows held, summed over the live buckets (a flow in two buckets counts twice).
    pub fn len(&self) -> usize {
        self.buckets.iter().map(|bucket| bucket.table.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(|bucket| bucket.table.is_empty())
    }

    pub fn memory_bytes(&self) -> usize {
        self.buckets.iter().map(|bucket| bucket.table.memory_bytes()).sum::<usize>()
            + self.spare_tables.iter().map(FlowTable::memory_bytes).sum::<usize>()
    }

    /// Counts a packet; returns whether it created a flow entry.
    #[inline]
    pub fn push(&mut self, packet: PacketKey, facts: &PacketFacts, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) -> bool {
        let mut facts = *facts;
        if facts.ts_us > self.max_ts_us {
            self.max_ts_us = facts.ts_us;
            if self.max_ts_us >= self.next_close_at_us {
                self.close_due(out, stats);
            }
        }
        let mut bucket = bucket_of(facts.ts_us, self.step_us);
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
        let table = &mut self.buckets[position].table;
        let key = packet.key;
        let hash = key.hash(self.seed);
        let (index, inserted) = table.find_or_insert_with(&key, hash, || FlowCounters::first_packet(&key, packet.sender, &facts));
        if !inserted {
            if table.value_mut(index).add(&key, packet.sender, &facts).saturated {
                stats.saturated_counters += 1;
            }
        } else if table.len() > self.max_active_flows {
            self.evict_idle(position, out, stats);
        }
        inserted
    }

    /// Emits every window holding a live bucket and forgets everything.
    pub fn finish(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        if let Some(last) = self.buckets.last().map(|bucket| bucket.index) {
            self.emit_windows_through(last, out, stats);
        }
        for bucket in self.buckets.drain(..) {
            let mut table = bucket.table;
            table.drain();
            self.spare_tables.push(table);
        }
    }

    fn close_due(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let horizon_us = self.max_ts_us.saturating_sub(self.reorder_slack_us);
        let due_through = last_window_ended_by(horizon_us, self.step_us, self.span);
        if self.closed_through.is_some_and(|closed| due_through <= closed) {
            return;
        }
        self.emit_windows_through(due_through, out, stats);
        // Buckets no open window holds.
        while self.buckets.first().is_some_and(|bucket| bucket.index <= due_through) {
            let bucket = self.buckets.remove(0);
            self.expected_bucket_flows = self.expected_bucket_flows.max(bucket.table.len());
            let mut table = bucket.table;
            table.drain();
            self.spare_tables.push(table);
        }
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
            for (index, entry) in self.buckets[position].table.entries().iter().enumerate() {
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
                let table = self.spare_tables.pop().unwrap_or_else(|| {
                    FlowTable::with_capacity(self.expected_bucket_flows.min(self.max_active_flows) + self.expected_bucket_flows / 8, self.seed)
                });
                self.buckets.insert(position, Bucket { index, table });
                position
            }
        }
    }

    /// A bucket is over the cap: its longest-idle sixteenth of flows is emitted now, for each
    /// open window, from the buckets that could be cleared of them (this one and the earlier
    /// ones in its windows); later buckets keep theirs for their own windows.
    fn evict_idle(&mut self, position: usize, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let current = self.buckets[position].index;
        let table = &self.buckets[position].table;
        let victims = evict_count(table.len());
        let mut by_idle: Vec<(i64, FlowKey)> = table.entries().iter().map(|entry| (entry.value.last_us, entry.key)).collect();
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
                    let context = RecordContext { window_start_us: Some(window.saturating_mul(self.step_us)), place: RecordPlace::First, tos_known: [false; 2] };
                    out.push(record_of(&key, &merged, &context));
                    stats.flows_emitted += 1;
                    stats.flows_evicted_early += 1;
                }
            }
            for bucket in self.buckets.iter_mut().filter(|bucket| cleared.contains(&bucket.index)) {
                if let Some(found) = bucket.table.find(&key, hash) {
                    bucket.table.remove(found);
                }
            }
        }
    }
}

fn record_of(key: &FlowKey, counters: &FlowCounters, context: &RecordContext) -> FlowRecord {
    let context = RecordContext { tos_known: [counters.pkts[0] > 0, counters.pkts[1] > 0], ..*context };
    build_record(key, counters, &context)
}
