//! Timestamps of a record's packets: the first at `StartTime`, the last at `StartTime + Dur`,
//! the others one per equal stretch of the time between, at a seeded place inside it.
//! Any packet's time is computed in O(1), never stored, and times never decrease.

use crate::synth::prng::mix64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketTimes {
    start_us: i64,
    span_us: i64,
    pkts: u64,
    jitter_seed: u64,
}

impl PacketTimes {
    /// `last_us` before `start_us` is taken as `start_us`.
    pub fn new(start_us: i64, last_us: i64, pkts: u64, jitter_seed: u64) -> PacketTimes {
        PacketTimes { start_us, span_us: last_us.saturating_sub(start_us).max(0), pkts, jitter_seed }
    }

    pub fn at(&self, index: u64) -> i64 {
        if index == 0 || self.pkts < 2 {
            return self.start_us;
        }
        if index >= self.pkts - 1 {
            return self.start_us + self.span_us;
        }
        // Packet `index` falls in stretch index − 1 of pkts − 2 between the first and last.
        let stretches = u128::from(self.pkts - 2);
        let span = self.span_us as u128;
        let stretch = u128::from(index - 1);
        let low = span * stretch / stretches;
        let high = span * (stretch + 1) / stretches;
        let unit = mix64(self.jitter_seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 11; // 53 bits
        let offset = ((high - low) * u128::from(unit)) >> 53;
        self.start_us + (low + offset) as i64
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
