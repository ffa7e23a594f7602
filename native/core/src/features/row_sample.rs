//! A window's flow rows under the memory budget: every record of the window is kept until the
//! window's share of the budget is full; past it, the rows kept are a uniform sample of all the
//! window's records (reservoir sampling, Vitter's algorithm R), so that a flood cannot grow a
//! window without bound and the rows that remain still stand for the whole window, not for its
//! first minutes. Every record still counts in its hosts' rows (the caller adds it to their
//! activity before offering it here); only its own row may be left out, and that is counted.
//!
//! A row is kept as its features (made when it is kept), its class and its ends' hosts; its
//! record is kept too only when the flows' own columns are wanted (`keep_records`): `analyze`
//! needs the rows alone, and a record with its State and Label strings per row was most of the
//! builder's allocations. The budget counts each row as its record would take, kept or not, so
//! that the rows kept are the same whether the records are.
//!
//! The sample is seeded by the window's start: the same input gives the same rows.

use std::borrow::Cow;

use crate::record::FlowRecord;

use super::flow_features::write_flow_features;
use super::labels::FlowClass;
use super::row_blocks::{OrderedRows, RowBlocks};
use super::schema::FLOW_FEATURE_COUNT;

/// What a kept row costs beyond its record until it is handed out: its features (f32), its
/// repeat index and two host indices (i32), and its class (a byte).
pub const FLOW_ROW_EXTRA_BYTES: usize = FLOW_FEATURE_COUNT * 4 + 3 * 4 + 1;

/// A flow offered to the sample: the record (borrowed when the caller reuses it, a piece made
/// into the same buffers each time) and what the window knows of it.
pub struct OfferedRow<'a> {
    pub record: Cow<'a, FlowRecord>,
    pub class: FlowClass,
    /// The window's ids of its ends' hosts (`HostIds`); -1 where an end is not a LAN host.
    pub src_host: i32,
    pub dst_host: i32,
}

impl OfferedRow<'_> {
    /// What the row counts for in the budget: a borrowed record counts as the copy of it that
    /// the row would hold.
    fn bytes(&self) -> usize {
        match &self.record {
            Cow::Borrowed(record) => record.copy_memory_bytes() + FLOW_ROW_EXTRA_BYTES,
            Cow::Owned(record) => RowSample::row_bytes(record),
        }
    }
}

/// What a kept row holds besides its features.
#[derive(Clone, Copy)]
struct RowFacts {
    /// The record's times: a sample past the budget is put back in time order.
    start_us: i64,
    last_us: i64,
    class: FlowClass,
    src_host: i32,
    dst_host: i32,
    /// What the row counts for in the budget.
    bytes: usize,
}

pub struct RowSample {
    /// A row per entry of `facts`.
    features: RowBlocks,
    facts: Vec<RowFacts>,
    /// The kept rows' records, when they are wanted.
    records: Option<Vec<FlowRecord>>,
    kept_bytes: usize,
    budget_bytes: usize,
    /// Records offered, kept or not.
    offered: u64,
    rng_state: u64,
}

/// The rows kept, in the order `RowSample::into_rows` gives them.
pub struct SampledRows {
    /// `classes.len() × FLOW_FEATURE_COUNT`, row-major.
    #[cfg(test)]
    pub features: Vec<f32>,
    pub classes: Vec<FlowClass>,
    /// The window's host ids of each row's ends, or -1.
    pub src_hosts: Vec<i32>,
    pub dst_hosts: Vec<i32>,
    /// Empty unless the records were kept.
    pub records: Vec<FlowRecord>,
}

impl RowSample {
    pub fn new(budget_bytes: usize, window_start_us: i64, keep_records: bool) -> RowSample {
        RowSample {
            features: RowBlocks::new(FLOW_FEATURE_COUNT),
            facts: Vec::new(),
            records: keep_records.then(Vec::new),
            kept_bytes: 0,
            budget_bytes,
            offered: 0,
            rng_state: window_start_us as u64 ^ 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// What a row counts for in the budget: its record, as the caller holds it.
    pub fn row_bytes(record: &FlowRecord) -> usize {
        record.memory_bytes() + FLOW_ROW_EXTRA_BYTES
    }

    pub fn offer(&mut self, row: OfferedRow<'_>) {
        self.offered += 1;
        let bytes = row.bytes();
        if self.kept_bytes + bytes <= self.budget_bytes {
            self.kept_bytes += bytes;
            self.facts.push(Self::facts_of(&row, bytes));
            let slot = self.features.push_zeros();
            self.write_row(slot, row.record);
            return;
        }
        // Full: the n-th record replaces a kept one with probability kept / n.
        let slot = self.next_below(self.offered);
        if let Some(replaced) = usize::try_from(slot).ok().filter(|&slot| slot < self.facts.len()) {
            let old_bytes = self.facts[replaced].bytes;
            // A flow file's records differ in size (labels): one that would overflow is not taken.
            if self.kept_bytes - old_bytes + bytes <= self.budget_bytes {
                self.kept_bytes = self.kept_bytes - old_bytes + bytes;
                self.facts[replaced] = Self::facts_of(&row, bytes);
                self.features.row_mut(replaced).fill(0.0);
                self.write_row(replaced, row.record);
            }
        }
    }

    fn facts_of(row: &OfferedRow<'_>, bytes: usize) -> RowFacts {
        let record = row.record.as_ref();
        RowFacts { start_us: record.start_us, last_us: record.last_us, class: row.class, src_host: row.src_host, dst_host: row.dst_host, bytes }
    }

    /// The features, and the record if records are kept, of row `slot` (already in `facts`).
    fn write_row(&mut self, slot: usize, record: Cow<'_, FlowRecord>) {
        write_flow_features(&record, self.features.row_mut(slot));
        if let Some(records) = &mut self.records {
            if slot == records.len() {
                records.push(record.into_owned());
            } else {
                records[slot] = record.into_owned();
            }
        }
    }

    /// Records offered whose rows are not kept.
    pub fn dropped(&self) -> u64 {
        self.offered - self.facts.len() as u64
    }

    pub fn bytes(&self) -> usize {
        self.kept_bytes
    }

    /// The rows kept, their features put together (the builder reads them where they are:
    /// `into_ordered_rows`).
    #[cfg(test)]
    pub fn into_rows(self) -> SampledRows {
        let (features, rows) = self.into_ordered_rows();
        SampledRows { features: features.into_vec(), ..rows }
    }

    /// The rows kept, their features where they were written; a sample past the budget comes
    /// back in time order (rows of the same times in the order of their slots).
    pub fn into_ordered_rows(self) -> (OrderedRows, SampledRows) {
        let RowSample { features: blocks, mut facts, records, offered, .. } = self;
        let mut records = records.unwrap_or_default();
        let order = if offered > facts.len() as u64 {
            let mut order: Vec<usize> = (0..facts.len()).collect();
            order.sort_by_key(|&row| (facts[row].start_us, facts[row].last_us));
            facts = order.iter().map(|&row| facts[row]).collect();
            if !records.is_empty() {
                let mut slots: Vec<Option<FlowRecord>> = records.into_iter().map(Some).collect();
                records = order.iter().map(|&row| slots[row].take().expect("each row once")).collect();
            }
            Some(order)
        } else {
            None
        };
        let rows = SampledRows {
            #[cfg(test)]
            features: Vec::new(),
            classes: facts.iter().map(|row| row.class).collect(),
            src_hosts: facts.iter().map(|row| row.src_host).collect(),
            dst_hosts: facts.iter().map(|row| row.dst_host).collect(),
            records,
        };
        (OrderedRows::new(blocks, order), rows)
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

    fn row(record: FlowRecord) -> OfferedRow<'static> {
        OfferedRow { record: Cow::Owned(record), class: FlowClass::Unlabelled, src_host: 0, dst_host: -1 }
    }

    fn start_times(rows: &SampledRows) -> Vec<i64> {
        rows.records.iter().map(|r| r.start_us).collect()
    }

    #[test]
    fn under_the_budget_every_row_is_kept_in_order() {
        let mut sample = RowSample::new(1 << 20, 0, true);
        for start_us in 0..100 {
            sample.offer(row(record(start_us)));
        }
        assert_eq!(sample.dropped(), 0);
        assert_eq!(sample.bytes(), 100 * RowSample::row_bytes(&record(0)));
        let rows = sample.into_rows();
        assert_eq!(start_times(&rows), (0..100).collect::<Vec<_>>());
        assert_eq!((rows.features.len(), rows.classes.len(), rows.src_hosts, rows.dst_hosts), (100 * FLOW_FEATURE_COUNT, 100, vec![0; 100], vec![-1; 100]));
    }

    #[test]
    fn past_the_budget_the_rows_are_a_uniform_sample_within_it() {
        let row_bytes = RowSample::row_bytes(&record(0));
        let mut sample = RowSample::new(1_000 * row_bytes, 42, true);
        for start_us in 0..100_000 {
            sample.offer(row(record(start_us)));
        }
        assert_eq!(sample.dropped(), 99_000);
        assert!(sample.bytes() <= 1_000 * row_bytes);
        let rows = sample.into_rows();
        assert_eq!(rows.records.len(), 1_000);
        assert!(rows.records.windows(2).all(|pair| pair[0].start_us < pair[1].start_us), "time order");
        // Uniform: each tenth of the window holds about a tenth of the sample (100 ± 40).
        for tenth in 0..10 {
            let here = rows.records.iter().filter(|r| r.start_us / 10_000 == tenth).count();
            assert!((60..=140).contains(&here), "tenth {tenth} holds {here} rows");
        }
    }

    #[test]
    fn the_same_window_gives_the_same_sample() {
        let rows = |seed_window: i64| {
            let mut sample = RowSample::new(50 * RowSample::row_bytes(&record(0)), seed_window, true);
            (0..5_000).for_each(|start_us| sample.offer(row(record(start_us))));
            start_times(&sample.into_rows())
        };
        assert_eq!(rows(300_000_000), rows(300_000_000));
        assert_ne!(rows(300_000_000), rows(450_000_000));
    }

    /// Records of different sizes (labels), classes and hosts, some of them long enough to differ
    /// in their features, past the budget.
    fn varied(n: i64) -> OfferedRow<'static> {
        let label = (n % 3 == 0).then(|| "flow=From-Botnet-V47-1-TCP-Attempt-SPAM".repeat(1 + (n % 5) as usize));
        let record = FlowRecord { last_us: n + n % 7 * 1_000, total_pkts: 1 + (n % 11) as u64, label, ..record(n / 2) };
        OfferedRow { record: Cow::Owned(record), class: [FlowClass::Botnet, FlowClass::Normal, FlowClass::Unlabelled][(n % 3) as usize], src_host: (n % 4) as i32 - 1, dst_host: (n % 5) as i32 - 1 }
    }

    #[test]
    fn the_rows_are_the_same_whether_their_records_are_kept_or_not() {
        let budget = 300 * RowSample::row_bytes(&record(0));
        let sampled = |keep_records: bool| {
            let mut sample = RowSample::new(budget, 7, keep_records);
            (0..20_000).for_each(|n| sample.offer(varied(n)));
            (sample.dropped(), sample.bytes(), sample.into_rows())
        };
        let (with, without) = (sampled(true), sampled(false));
        assert!(with.0 > 0, "past the budget");
        assert_eq!((with.0, with.1), (without.0, without.1));
        let (with, without) = (with.2, without.2);
        assert!(without.records.is_empty());
        let bits = |rows: &SampledRows| rows.features.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&with), bits(&without));
        assert_eq!((&with.classes, &with.src_hosts, &with.dst_hosts), (&without.classes, &without.src_hosts, &without.dst_hosts));
        // Each row's features are its record's.
        for (record, features) in with.records.iter().zip(with.features.chunks_exact(FLOW_FEATURE_COUNT)) {
            let mut expected = [0f32; FLOW_FEATURE_COUNT];
            write_flow_features(record, &mut expected);
            assert_eq!(features.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), expected.map(f32::to_bits).to_vec());
        }
    }

    #[test]
    fn a_borrowed_record_counts_as_the_copy_a_row_would_hold() {
        let mut spare = record(0);
        spare.label = Some(String::with_capacity(500));
        spare.label.as_mut().unwrap().push_str("flow=Background");
        let mut owned = RowSample::new(1 << 20, 0, true);
        owned.offer(row(spare.clone()));
        let mut borrowed = RowSample::new(1 << 20, 0, false);
        borrowed.offer(OfferedRow { record: Cow::Borrowed(&spare), class: FlowClass::Unlabelled, src_host: 0, dst_host: -1 });
        assert_eq!(borrowed.bytes(), owned.bytes());
        assert!(borrowed.bytes() < RowSample::row_bytes(&spare));
    }
}
