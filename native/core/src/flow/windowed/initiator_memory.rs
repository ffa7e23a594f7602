//! Who initiated the flows of buckets already dropped, for an hour after their last packet.
//!
//! A flow's first packet in a bucket names its initiator there; when the flow had packets in
//! an earlier bucket, that is only a guess (a UDP answer, a TCP segment in the middle of a
//! connection), and the window would call the answering host the initiator. CTU-13's Argus
//! kept such flows as one record across minutes of silence (an NTP association polled every
//! few minutes is one record an hour long), naming the host that spoke first. Remembering each
//! flow's initiator when its bucket is dropped, for as long as a CTU-13 record could last
//! (its status interval, an hour), makes a window name the same initiator.
//!
//! Flows are remembered by their 64-bit table hash, not their key: 12 bytes a flow instead of
//! 48. Two flows of an hour sharing a hash (about 3 chances in 10⁸ for a million flows) would
//! at worst swap one flow's ends in its later windows.

use std::collections::hash_map::Entry;

use crate::flow::key::Side;
use crate::prehashed_map::PrehashedMap;

/// How long after its last packet a flow's initiator is remembered: CTU-13's status interval.
pub const INITIATOR_MEMORY_US: i64 = 3600 * 1_000_000;

/// The last second (since the memory's origin) a flow was seen, with its initiator in the top bit.
type Remembered = u32;
const INITIATOR_IS_B: u32 = 1 << 31;

pub struct InitiatorMemory {
    flows: PrehashedMap<Remembered>,
    /// Times are kept in seconds from here (the first time remembered).
    origin_us: Option<i64>,
    /// Flows held at most; past it the longest-silent half is forgotten.
    max_flows: usize,
}

impl InitiatorMemory {
    pub fn new(max_flows: usize) -> InitiatorMemory {
        InitiatorMemory { flows: PrehashedMap::default(), origin_us: None, max_flows: max_flows.max(1) }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Heap bytes: the map's slots (a hash and a time each) and its control bytes.
    pub fn memory_bytes(&self) -> usize {
        self.flows.capacity() * (std::mem::size_of::<(u64, Remembered)>() + 1)
    }

    fn seconds(&self, ts_us: i64) -> Option<u32> {
        let origin_us = self.origin_us?;
        u32::try_from((ts_us - origin_us).div_euclid(1_000_000)).ok().filter(|s| s & INITIATOR_IS_B == 0)
    }

    /// The flow of `hash` was last seen at `last_us`, initiated by `initiator`. An earlier
    /// sighting than the one remembered changes nothing.
    pub fn remember(&mut self, hash: u64, initiator: Side, last_us: i64) {
        // An hour of room before the first time, for late packets.
        let origin_us = *self.origin_us.get_or_insert(last_us - INITIATOR_MEMORY_US);
        let seconds = self.seconds(last_us.max(origin_us)).unwrap_or(INITIATOR_IS_B - 1);
        let side_bit = if initiator == Side::B { INITIATOR_IS_B } else { 0 };
        match self.flows.entry(hash) {
            Entry::Vacant(vacant) => {
                vacant.insert(seconds | side_bit);
            }
            Entry::Occupied(mut occupied) => {
                if seconds >= *occupied.get() & !INITIATOR_IS_B {
                    occupied.insert(seconds | side_bit);
                }
            }
        }
        if self.flows.len() > self.max_flows {
            self.forget_oldest_half();
        }
    }

    /// The initiator of the flow of `hash` if it was seen within the memory's hour before `now_us`.
    pub fn recall(&self, hash: u64, now_us: i64) -> Option<Side> {
        let remembered = *self.flows.get(&hash)?;
        let now = self.seconds(now_us)?;
        let last = remembered & !INITIATOR_IS_B;
        (i64::from(now) - i64::from(last) <= INITIATOR_MEMORY_US / 1_000_000)
            .then_some(if remembered & INITIATOR_IS_B != 0 { Side::B } else { Side::A })
    }

    /// Forgets flows silent for more than the memory's hour before `now_us`.
    pub fn forget_before(&mut self, now_us: i64) {
        let Some(now) = self.seconds(now_us) else { return };
        let oldest = now.saturating_sub((INITIATOR_MEMORY_US / 1_000_000) as u32);
        self.flows.retain(|_, remembered| *remembered & !INITIATOR_IS_B >= oldest);
    }

    fn forget_oldest_half(&mut self) {
        let mut times: Vec<u32> = self.flows.values().map(|remembered| remembered & !INITIATOR_IS_B).collect();
        let middle = times.len() / 2;
        let (_, &mut cutoff, _) = times.select_nth_unstable(middle);
        self.flows.retain(|_, remembered| *remembered & !INITIATOR_IS_B > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND_US: i64 = 1_000_000;
    const T0: i64 = 1_313_481_600 * SECOND_US;

    #[test]
    fn a_flow_is_recalled_for_an_hour_after_its_last_packet() {
        let mut memory = InitiatorMemory::new(1000);
        memory.remember(7, Side::B, T0);
        memory.remember(8, Side::A, T0 + 10 * SECOND_US);
        assert_eq!(memory.recall(7, T0 + 3600 * SECOND_US), Some(Side::B));
        assert_eq!(memory.recall(7, T0 + 3601 * SECOND_US), None);
        assert_eq!(memory.recall(8, T0 + 3601 * SECOND_US), Some(Side::A));
        assert_eq!(memory.recall(9, T0), None, "never seen");
        memory.forget_before(T0 + 3605 * SECOND_US);
        assert_eq!(memory.len(), 1);
    }

    #[test]
    fn the_latest_sighting_counts_and_an_earlier_one_does_not_overwrite_it() {
        let mut memory = InitiatorMemory::new(1000);
        memory.remember(7, Side::A, T0 + 100 * SECOND_US);
        memory.remember(7, Side::B, T0 + 50 * SECOND_US);
        assert_eq!(memory.recall(7, T0 + 3700 * SECOND_US), Some(Side::A));
        memory.remember(7, Side::B, T0 + 200 * SECOND_US);
        assert_eq!(memory.recall(7, T0 + 3800 * SECOND_US), Some(Side::B));
    }

    #[test]
    fn over_its_cap_the_longest_silent_flows_are_forgotten() {
        let mut memory = InitiatorMemory::new(100);
        for flow in 0..101u64 {
            memory.remember(flow, Side::A, T0 + flow as i64 * SECOND_US);
        }
        assert!(memory.len() <= 100);
        assert_eq!(memory.recall(0, T0 + 200 * SECOND_US), None);
        assert_eq!(memory.recall(100, T0 + 200 * SECOND_US), Some(Side::A));
    }
}
