//! Runs activities in global time order: a binary heap of (next time, activity slot).
//! Memory grows with the number of live activities, never with the output.

use std::cmp::Ordering;
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;

use flowhound_core::error::Result;
use crate::generator::activity::{Activity, Emitted, StepContext};
use crate::generator::behaviour::Behaviour;

/// Where the scheduler's packets go.
pub trait PacketSink {
    /// Takes one packet; returns `false` to stop the run.
    fn packet(&mut self, ts_us: i64, packet: &Emitted, behaviour: Behaviour, live_flows: u64) -> Result<bool>;

    /// A flow activity ended; `first_us`/`last_us` are its first and last packet times
    /// (`None` if it emitted nothing).
    fn flow_ended(&mut self, _behaviour: Behaviour, _span_us: Option<(i64, i64)>) {}
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    time_us: i64,
    /// Insertion order: ties in time run first come, first served.
    order: u64,
    slot: u32,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and the earliest entry must come out first.
        other.time_us.cmp(&self.time_us).then(other.order.cmp(&self.order))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct Slot {
    activity: Activity,
    first_packet_us: Option<i64>,
    last_packet_us: i64,
}

#[derive(Default)]
pub struct Scheduler {
    heap: BinaryHeap<Entry>,
    slots: Vec<Option<Slot>>,
    free_slots: Vec<u32>,
    next_order: u64,
    live_flows: u64,
}

impl Scheduler {
    pub fn new() -> Self {
        Scheduler::default()
    }

    pub fn insert(&mut self, at_us: i64, activity: Activity) {
        if activity.is_flow() {
            self.live_flows += 1;
        }
        let slot = Slot { activity, first_packet_us: None, last_packet_us: at_us };
        let index = match self.free_slots.pop() {
            Some(index) => {
                self.slots[index as usize] = Some(slot);
                index
            }
            None => {
                self.slots.push(Some(slot));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Entry { time_us: at_us, order: self.next_order, slot: index });
        self.next_order += 1;
    }

    /// Steps activities in time order until none is left or the sink says stop.
    /// `writing_from_us`: packets before this time are warm-up (see `StepContext::writing`).
    pub fn run(&mut self, context: &mut StepContext, writing_from_us: i64, sink: &mut impl PacketSink) -> Result<()> {
        loop {
            let Some(mut top) = self.heap.peek_mut() else { return Ok(()) };
            let Entry { time_us, slot: slot_index, .. } = *top;
            let Some(slot) = self.slots[slot_index as usize].as_mut() else {
                PeekMut::pop(top);
                continue;
            };
            context.writing = time_us >= writing_from_us;
            let step = slot.activity.step(time_us, context);
            let behaviour = slot.activity.behaviour().unwrap_or(Behaviour::Web);
            if step.packet.is_some() {
                slot.first_packet_us.get_or_insert(time_us);
                slot.last_packet_us = time_us;
            }
            match step.next_us {
                Some(next_us) => {
                    // Activities never go back in time; the max() keeps the global order even
                    // if one tried.
                    top.time_us = next_us.max(time_us);
                    top.order = self.next_order;
                    self.next_order += 1;
                    drop(top);
                }
                None => {
                    PeekMut::pop(top);
                    if let Some(ended) = self.slots[slot_index as usize].take() {
                        self.free_slots.push(slot_index);
                        if ended.activity.is_flow() {
                            self.live_flows -= 1;
                            let span = ended.first_packet_us.map(|first| (first, ended.last_packet_us));
                            sink.flow_ended(behaviour, span);
                        }
                    }
                }
            }
            if let Some(packet) = &step.packet {
                if !sink.packet(time_us, packet, behaviour, self.live_flows)? {
                    return Ok(());
                }
            }
            if let Some((at_us, child)) = step.spawn {
                self.insert(at_us.max(time_us), child);
            }
        }
    }
}
