//! Timestamps of a record's packets: the first at `StartTime`, the last at `StartTime + Dur`.
//! A connection's opening (handshake) and closing (FINs, resets) packets follow each other a
//! round trip apart at the two ends; the packets between go one per equal stretch of the time
//! left, at a seeded place inside it. Any packet's time is computed in O(1), never stored,
//! and times never decrease.

use crate::prng::mix64;

/// The gap between packets of an opening or a closing: a round trip on a wide-area path.
pub const ROUND_TRIP_US: i64 = 20_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketTimes {
    start_us: i64,
    span_us: i64,
    pkts: u64,
    jitter_seed: u64,
    /// Packets at the start (the first included) and at the end (the last included), `gap_us`
    /// apart.
    head: u64,
    tail: u64,
    gap_us: i64,
}

impl PacketTimes {
    /// `last_us` before `start_us` is taken as `start_us`.
    pub fn new(start_us: i64, last_us: i64, pkts: u64, jitter_seed: u64) -> PacketTimes {
        PacketTimes::with_ends(start_us, last_us, pkts, jitter_seed, 1, 1)
    }

    /// As `new`, with the first `head` and the last `tail` packets a round trip apart (or
    /// closer, when the record is too short for that).
    pub fn with_ends(start_us: i64, last_us: i64, pkts: u64, jitter_seed: u64, head: u64, tail: u64) -> PacketTimes {
        let span_us = last_us.saturating_sub(start_us).max(0);
        let head = head.clamp(1, pkts.saturating_sub(1).max(1));
        let tail = tail.clamp(1, pkts.saturating_sub(head).max(1));
        let gap_us = ROUND_TRIP_US.min(span_us / (head + tail - 1).max(1) as i64);
        PacketTimes { start_us, span_us, pkts, jitter_seed, head, tail, gap_us }
    }

    pub fn at(&self, index: u64) -> i64 {
        if self.pkts < 2 {
            return self.start_us;
        }
        let last_us = self.start_us + self.span_us;
        if index < self.head {
            return self.start_us + index as i64 * self.gap_us;
        }
        if index >= self.pkts - self.tail {
            return last_us - (self.pkts - 1 - index.min(self.pkts - 1)) as i64 * self.gap_us;
        }
        // Packet `index` falls in stretch index − head of the middle packets, between the
        // last opening packet and the first closing one.
        let low_us = self.start_us + (self.head - 1) as i64 * self.gap_us;
        let high_us = last_us - (self.tail - 1) as i64 * self.gap_us;
        let stretches = u128::from(self.pkts - self.head - self.tail);
        let span = (high_us - low_us).max(0) as u128;
        let stretch = u128::from(index - self.head);
        let low = span * stretch / stretches;
        let high = span * (stretch + 1) / stretches;
        let unit = mix64(self.jitter_seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 11; // 53 bits
        let offset = ((high - low) * u128::from(unit)) >> 53;
        low_us + (low + offset) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_and_last_sit_on_the_record_bounds() {
        let times = PacketTimes::new(1_000, 5_000, 10, 7);
        assert_eq!(times.at(0), 1_000);
        assert_eq!(times.at(9), 5_000);
        let all: Vec<i64> = (0..10).map(|i| times.at(i)).collect();
        assert!(all.windows(2).all(|pair| pair[0] <= pair[1]), "{all:?}");
        assert!(all.iter().all(|&t| (1_000..=5_000).contains(&t)));
    }

    #[test]
    fn single_packets_and_zero_durations() {
        assert_eq!(PacketTimes::new(42, 42, 1, 0).at(0), 42);
        let burst = PacketTimes::new(42, 42, 5, 0);
        assert!((0..5).all(|i| burst.at(i) == 42));
        // More packets than microseconds: ties, never a step back.
        let dense = PacketTimes::new(0, 3, 100, 9);
        let all: Vec<i64> = (0..100).map(|i| dense.at(i)).collect();
        assert!(all.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!((all[0], all[99]), (0, 3));
    }

    #[test]
    fn openings_and_closings_are_a_round_trip_apart() {
        // A 2664 s connection of 7 packets: SYN, SYN-ACK, ACK, one body packet, FIN, FIN, ACK.
        let times = PacketTimes::with_ends(0, 2_664_630_371, 7, 3, 3, 3);
        let all: Vec<i64> = (0..7).map(|i| times.at(i)).collect();
        assert_eq!(&all[..3], &[0, ROUND_TRIP_US, 2 * ROUND_TRIP_US]);
        assert_eq!(&all[4..], &[2_664_630_371 - 2 * ROUND_TRIP_US, 2_664_630_371 - ROUND_TRIP_US, 2_664_630_371]);
        assert!(all[3] > all[2] && all[3] < all[4]);
        // Too short for round trips: evenly apart, still in order, still ending on time.
        let short = PacketTimes::with_ends(0, 1_000, 6, 3, 3, 3);
        let all: Vec<i64> = (0..6).map(|i| short.at(i)).collect();
        assert!(all.windows(2).all(|pair| pair[0] <= pair[1]), "{all:?}");
        assert_eq!((all[0], all[5]), (0, 1_000));
        // More ends than packets.
        let tiny = PacketTimes::with_ends(0, 1_000, 2, 3, 3, 3);
        assert_eq!((tiny.at(0), tiny.at(1)), (0, 1_000));
    }

    #[test]
    fn long_records_spread_evenly_and_depend_on_the_seed() {
        // 414,671 packets over 3599.986572 s (capture20110816's first record).
        let times = PacketTimes::new(0, 3_599_986_572, 414_671, 1);
        let mut previous = 0;
        for index in (0..414_671).step_by(997) {
            let t = times.at(index);
            assert!(t >= previous);
            previous = t;
            let expected = 3_599_986_572i64 * index as i64 / 414_671;
            assert!((t - expected).abs() < 20_000, "packet {index} at {t}, expected near {expected}");
        }
        let other_seed = PacketTimes::new(0, 3_599_986_572, 414_671, 2);
        assert!((1..100).any(|i| times.at(i) != other_seed.at(i)));
    }
}
