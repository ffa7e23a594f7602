//! A window's flow rows under the memory budget: every record of the window is kept until the
//! window's share of the budget is full; past it, the rows kept are a uniform sample of all the
//! window's records (reservoir sampling, Vitter's algorithm R), so that a flood cannot grow a
//! window without bound and the rows that remain still stand for the whole window, not for its
//! first minutes. Every record still counts in its hosts' rows (the caller adds it to their
//! activity before offering it here); only its own row may be left out, and that is counted.
//!
//! The sample is seeded by the window's start: the same input gives the same rows.

use crate::record::FlowRecord;

use super::schema::FLOW_FEATURE_COUNT;

/// What a kept row costs beyond its record until it is handed out: its features (f32), its
/// repeat index and two host indices (i32), and its class (a byte).
pub const FLOW_ROW_EXTRA_BYTES: usize = FLOW_FEATURE_COUNT * 4 + 3 * 4 + 1;

pub struct RowSample {
    kept: Vec<FlowRecord>,
    kept_bytes: usize,
    budget_bytes: usize,
    /// Records offered, kept or not.
    offered: u64,
    rng_state: u64,
}

impl RowSample {
    pub fn new(budget_bytes: usize, window_start_us: i64) -> RowSample {
        RowSample { kept: Vec::new(), kept_bytes: 0, budget_bytes, offered: 0, rng_state: window_start_us as u64 ^ 0x9e37_79b9_7f4a_7c15 }
    }

    pub fn row_bytes(record: &FlowRecord) -> usize {
        record.memory_bytes() + FLOW_ROW_EXTRA_BYTES
    }

    pub fn offer(&mut self, record: FlowRecord) {
        self.offered += 1;
        let bytes = Self::row_bytes(&record);
        if self.kept_bytes + bytes <= self.budget_bytes {
            self.kept_bytes += bytes;
            self.kept.push(record);
            return;
        }
        // Full: the n-th record replaces a kept one with probability kept / n.
        let slot = self.next_below(self.offered);
        if let Some(replaced) = usize::try_from(slot).ok().filter(|&slot| slot < self.kept.len()) {
            let old_bytes = Self::row_bytes(&self.kept[replaced]);
            // A flow file's records differ in size (labels): one that would overflow is not taken.
            if self.kept_bytes - old_bytes + bytes <= self.budget_bytes {
                self.kept_bytes = self.kept_bytes - old_bytes + bytes;
                self.kept[replaced] = record;
            }
        }
    }

    /// Records offered whose rows are not kept.
    pub fn dropped(&self) -> u64 {
        self.offered - self.kept.len() as u64
    }

    pub fn bytes(&self) -> usize {
        self.kept_bytes
    }

    /// The rows kept; a sample past the budget comes back in time order.
    pub fn into_rows(self) -> Vec<FlowRecord> {
        let mut kept = self.kept;
        if self.offered > kept.len() as u64 {
            kept.sort_by_key(|record| (record.start_us, record.last_us));
        }
        kept
    }

    /// splitmix64 (Vigna), reduced to `0..bound` by multiplication (Lemire).
    fn next_below(&mut self, bound: u64) -> u64 {
        self.rng_state = self.rng_state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng_state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((u128::from(z) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::IpAddr16;
    use crate::record::{Address, Direction, Protocol};

    fn record(start_us: i64) -> FlowRecord {
        FlowRecord {
            window_start_us: Some(0),
            start_us,
            last_us: start_us,
            protocol: Protocol::Ip(6),
            src_addr: Address::Ip(IpAddr16::from_v4([192, 168, 10, 66])),
            dst_addr: Address::Ip(IpAddr16::from_v4([45, 33, 0, 1])),
            src_port: Some(40_000),
            dst_port: Some(445),
            direction: Direction::Other,
            state: "S_".to_string(),
            src_tos: Some(0),
            dst_tos: None,
            total_pkts: 1,
            total_bytes: 60,
            src_bytes: 60,
            src_pkts: Some(1),
            src_payload_bytes: Some(0),
            dst_payload_bytes: Some(0),
            src_tcp_flags: 2,
            dst_tcp_flags: 0,
            label: None,
        }
    }

    #[test]
    fn under_the_budget_every_row_is_kept_in_order() {
        let mut sample = RowSample::new(1 << 20, 0);
        for start_us in 0..100 {
            sample.offer(record(start_us));
        }
        assert_eq!(sample.dropped(), 0);
        assert_eq!(sample.bytes(), 100 * RowSample::row_bytes(&record(0)));
        assert_eq!(sample.into_rows().iter().map(|r| r.start_us).collect::<Vec<_>>(), (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn past_the_budget_the_rows_are_a_uniform_sample_within_it() {
        let row = RowSample::row_bytes(&record(0));
        let mut sample = RowSample::new(1_000 * row, 42);
        for start_us in 0..100_000 {
            sample.offer(record(start_us));
        }
        assert_eq!(sample.dropped(), 99_000);
        assert!(sample.bytes() <= 1_000 * row);
        let rows = sample.into_rows();
        assert_eq!(rows.len(), 1_000);
        assert!(rows.windows(2).all(|pair| pair[0].start_us < pair[1].start_us), "time order");
        // Uniform: each tenth of the window holds about a tenth of the sample (100 ± 40).
        for tenth in 0..10 {
            let here = rows.iter().filter(|r| r.start_us / 10_000 == tenth).count();
            assert!((60..=140).contains(&here), "tenth {tenth} holds {here} rows");
        }
    }

    #[test]
    fn the_same_window_gives_the_same_sample() {
        let rows = |seed_window: i64| {
            let mut sample = RowSample::new(50 * RowSample::row_bytes(&record(0)), seed_window);
            (0..5_000).for_each(|start_us| sample.offer(record(start_us)));
            sample.into_rows().iter().map(|r| r.start_us).collect::<Vec<_>>()
        };
        assert_eq!(rows(300_000_000), rows(300_000_000));
        assert_ne!(rows(300_000_000), rows(450_000_000));
    }
}
