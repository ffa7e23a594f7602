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

use crate::flow::counters::{FlowCounters, PacketFacts};
use crate::flow::key::{FlowKey, PacketKey, Side};
use crate::flow::options::IdleTimeouts;
use crate::flow::record_builder::{build_record, RecordContext, RecordPlace};
use crate::flow::stats::FlowEngineStats;
use crate::flow::table::FlowTable;
use crate::flow::tcp;
use crate::packet::ip_proto;
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
    /// Records by start time: the front is the next due for its status report.
    status_queue: VecDeque<QueueItem>,
    /// Reported flows by report time, one queue per idle timeout.
    linger_queues: Vec<(i64, VecDeque<QueueItem>)>,
    now_us: i64,
}

impl WholeCaptureFlows {
    pub fn new(status_interval_us: i64, timeouts: IdleTimeouts, max_active_flows: usize, seed: u64) -> WholeCaptureFlows {
        WholeCaptureFlows {
            table: FlowTable::with_capacity(1024, seed),
            status_interval_us,
            timeouts,
            max_active_flows,
            status_queue: VecDeque::new(),
            linger_queues: Vec::new(),
            now_us: i64::MIN,
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn memory_bytes(&self) -> usize {
        let item = std::mem::size_of::<QueueItem>();
        self.table.memory_bytes()
            + self.status_queue.capacity() * item
            + self.linger_queues.iter().map(|(_, queue)| queue.capacity() * item).sum::<usize>()
    }

    pub fn push(&mut self, packet: PacketKey, facts: &PacketFacts, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        self.now_us = self.now_us.max(facts.ts_us);
        self.report_due(out, stats);
        let key = packet.key;
        let hash = key.hash(self.table.seed());
        let sender_bit = 1u8 << packet.sender.index();
        let Some(index) = self.table.find(&key, hash) else {
            let flow = WholeFlow {
                counters: FlowCounters::first_packet(&key, packet.sender, facts),
                record_start_us: facts.ts_us,
                generation: 0,
                status: Status::Active,
                place: RecordPlace::First,
                tos_known: sender_bit,
            };
            self.table.find_or_insert_with(&key, hash, || flow);
            self.status_queue.push_back(QueueItem { time_us: facts.ts_us, key, generation: 0 });
            if self.table.len() > self.max_active_flows {
                self.evict_idle(out, stats);
            }
            return;
        };
        let flow = self.table.value_mut(index);
        if flow.status == Status::Lingering {
            flow.counters = flow.counters.continuation(&key, packet.sender, facts);
            flow.status = Status::Active;
            flow.place = RecordPlace::Continuation;
            flow.tos_known |= sender_bit;
            flow.record_start_us = facts.ts_us;
            flow.generation = flow.generation.wrapping_add(1);
            let generation = flow.generation;
            self.status_queue.push_back(QueueItem { time_us: facts.ts_us, key, generation });
            return;
        }
        if key.proto == ip_proto::TCP && tcp::step(flow.counters.phase(), facts.tcp_flags).restarts {
            // Port reuse: the record ends before this SYN, which starts a new flow.
            out.push(build_record(&key, &flow.counters, &RecordContext { window_start_us: None, place: flow.place, tos_known: tos_known(flow.tos_known) }));
            stats.flows_emitted += 1;
            flow.counters = FlowCounters::first_packet(&key, packet.sender, facts);
            flow.place = RecordPlace::First;
            flow.tos_known = sender_bit;
            flow.record_start_us = facts.ts_us;
            flow.generation = flow.generation.wrapping_add(1);
            let generation = flow.generation;
            self.status_queue.push_back(QueueItem { time_us: facts.ts_us, key, generation });
            return;
        }
        flow.tos_known |= sender_bit;
        if flow.counters.add(&key, packet.sender, facts).saturated {
            stats.saturated_counters += 1;
        }
    }

    /// Writes every open record, oldest first, and forgets all flows.
    pub fn finish(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let mut open: Vec<(i64, usize)> = self
            .table
            .entries()
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
        self.table.drain();
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

    /// Over the cap: the longest-idle sixteenth of the flows go, their open records written.
    fn evict_idle(&mut self, out: &mut Vec<FlowRecord>, stats: &mut FlowEngineStats) {
        let victims = evict_count(self.table.len());
        let mut by_idle: Vec<(i64, FlowKey)> = self.table.entries().iter().map(|entry| (entry.value.counters.last_us, entry.key)).collect();
        by_idle.select_nth_unstable_by_key(victims - 1, |(last_us, _)| *last_us);
        for (_, key) in &by_idle[..victims] {
            let Some(index) = self.table.find(key, key.hash(self.table.seed())) else { continue };
            let entry = self.table.remove(index);
            if entry.value.status == Status::Active {
                out.push(record_of(&entry.key, &entry.value));
                stats.flows_emitted += 1;
                stats.flows_evicted_early += 1;
            }
        }
    }
}

pub fn evict_count(len: usize) -> usize {
    (len / 16).max(1)
}

fn tos_known(bits: u8) -> [bool; 2] {
    [bits & (1 << Side::A.index()) != 0, bits & (1 << Side::B.index()) != 0]
}

fn record_of(key: &FlowKey, flow: &WholeFlow) -> FlowRecord {
    build_record(key, &flow.counters, &RecordContext { window_start_us: None, place: flow.place, tos_known: tos_known(flow.tos_known) })
}
