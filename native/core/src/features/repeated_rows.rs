//! Which rows of a window repeat, bit for bit, a row of the window before.
//!
//! Windows overlap: 300 s every 150 s, so a flow that lives inside one 150-s step is in two
//! consecutive windows with the same record, and so the same feature row. A model gives an
//! identical row an identical score, so a scorer that keeps the previous window's scores need
//! not score such a row again. The match is exact: values are compared as bits
//! (`f32::to_bits`), so a NaN matches only the same NaN and −0 does not match +0. The hash only
//! finds candidates; every candidate is confirmed by comparing the rows.

use crate::flow::{finalise, fx_step};
use crate::prehashed_map::PrehashedMap;

use super::row_blocks::OrderedRows;

/// Keeps the previous window's rows and finds, for each row of the next, an identical one.
pub struct RepeatedRows {
    width: usize,
    hash_of: fn(&[u32]) -> u64,
    /// The previous window's rows (compared as bits).
    previous_rows: PreviousRows,
    previous: RowIndex,
    /// The window being looked up, indexed as it goes over its own rows (not copied: a copy
    /// of a window's rows was up to 6.6 MB more at the peak of scenario 6's flow file); it
    /// becomes `previous`, whose buffers are then reused for the window after.
    current: RowIndex,
    /// One row's bits, as they are looked up.
    row_bits: Vec<u32>,
}

/// One window's rows found by their hash; the rows themselves are the caller's, compared by
/// the `same` it gives (does row `r` have the bits looked for?).
#[derive(Default)]
struct RowIndex {
    /// Row hash → the last distinct row with that hash.
    by_hash: RowsByHash,
    /// Per row: the next distinct row with the same hash (a collision), if any.
    same_hash: Vec<Option<u32>>,
}

impl RowIndex {
    /// The first row that is `same`, following the rows that share its hash.
    fn find(&self, hash: u64, mut same: impl FnMut(u32) -> bool) -> Option<u32> {
        let mut candidate = self.by_hash.get(&hash).copied();
        while let Some(row) = candidate {
            if same(row) {
                return Some(row);
            }
            candidate = self.same_hash[row as usize];
        }
        None
    }

    /// Indexes `row` unless an identical earlier row (`same`) is indexed: rows are then found
    /// at their first occurrence, and chains hold distinct rows only.
    fn index(&mut self, hash: u64, row: u32, same: impl FnMut(u32) -> bool) {
        self.same_hash.push(None);
        match self.by_hash.get(&hash).copied() {
            None => {
                self.by_hash.insert(hash, row);
            }
            Some(head) => {
                if self.find(hash, same).is_none() {
                    self.same_hash[row as usize] = Some(head);
                    self.by_hash.insert(hash, row);
                }
            }
        }
    }

    fn clear(&mut self) {
        self.by_hash.clear();
        self.same_hash.clear();
    }
}

type RowsByHash = PrehashedMap<u32>;

/// The flow table's hash (`flow::hash`: Fx steps, then a finaliser), over two values a step:
/// half the multiplications of one per step.
fn row_hash(bits: &[u32]) -> u64 {
    let state = bits.chunks(2).fold(0u64, |state, pair| {
        fx_step(state, u64::from(pair[0]) | pair.get(1).map_or(0, |&high| u64::from(high) << 32))
    });
    finalise(state)
}

impl RepeatedRows {
    /// Rows of `width` values (`width` > 0).
    pub fn new(width: usize) -> RepeatedRows {
        RepeatedRows::with_hash(width, row_hash)
    }

    fn with_hash(width: usize, hash_of: fn(&[u32]) -> u64) -> RepeatedRows {
        assert!(width > 0, "rows need at least one value");
        RepeatedRows {
            width,
            hash_of,
            previous_rows: PreviousRows::Flat(Vec::new()),
            previous: RowIndex::default(),
            current: RowIndex::default(),
            row_bits: vec![0; width],
        }
    }

    /// Per row of `rows` (this window, row-major, a whole number of rows): the index of the
    /// first row of the previous window with the same bits, or -1. This window then becomes
    /// the previous one.
    pub fn next_window(&mut self, rows: &[f32]) -> Vec<i32> {
        debug_assert_eq!(rows.len() % self.width, 0);
        let width = self.width;
        let repeat_of = self.look_up(rows.len() / width, |row| &rows[row * width..][..width]);
        let mut previous = match std::mem::replace(&mut self.previous_rows, PreviousRows::Flat(Vec::new())) {
            PreviousRows::Flat(mut values) => {
                values.clear();
                values
            }
            PreviousRows::Ordered(_) => Vec::new(),
        };
        // At its size: grown by doubling, it held up to twice the largest window's rows.
        previous.reserve_exact(rows.len());
        previous.extend_from_slice(rows);
        self.previous_rows = PreviousRows::Flat(previous);
        repeat_of
    }

    /// `next_window` for rows the caller needs no more, but those that repeat nothing: gives
    /// what `next_window` gives, and those rows (row-major, in order). The window's rows are
    /// kept as the previous window where they are, not copied nor put together.
    pub fn next_window_unrepeated(&mut self, rows: OrderedRows) -> (Vec<i32>, Vec<f32>) {
        let repeat_of = self.look_up(rows.count(), |row| rows.row(row));
        let unrepeated = repeat_of.iter().filter(|&&of| of < 0).count();
        let mut kept = Vec::with_capacity(unrepeated * self.width);
        for (row, &of) in repeat_of.iter().enumerate() {
            if of < 0 {
                kept.extend_from_slice(rows.row(row));
            }
        }
        self.previous_rows = PreviousRows::Ordered(rows);
        (repeat_of, kept)
    }

    /// Per row of this window (`count` of them, `row(i)` the i-th), its repeat in the previous
    /// window, or -1; this window's rows are indexed as the window the next one is looked up
    /// in (`previous`, once the caller keeps them).
    fn look_up<'r>(&mut self, count: usize, row: impl Fn(usize) -> &'r [f32]) -> Vec<i32> {
        let width = self.width;
        let (previous, previous_rows, current, row_bits) = (&self.previous, &self.previous_rows, &mut self.current, &mut self.row_bits);
        current.clear();
        current.by_hash.reserve(count);
        let mut repeat_of = Vec::with_capacity(count);
        let same = |candidate: &[f32], bits: &[u32]| candidate.iter().zip(bits).all(|(value, bits)| value.to_bits() == *bits);
        for index in 0..count {
            let values = row(index);
            debug_assert_eq!(values.len(), width);
            for (bits, value) in row_bits.iter_mut().zip(values) {
                *bits = value.to_bits();
            }
            let hash = (self.hash_of)(row_bits);
            let in_previous = |candidate: u32| same(previous_rows.row(candidate as usize, width), row_bits);
            repeat_of.push(previous.find(hash, in_previous).map_or(-1, |found| found as i32));
            let in_current = |candidate: u32| same(row(candidate as usize), row_bits);
            current.index(hash, index as u32, in_current);
        }
        std::mem::swap(&mut self.previous, &mut self.current);
        repeat_of
    }
}

/// The previous window's rows: a copy (`next_window`), or the window's own rows, where they
/// were written (`next_window_unrepeated`).
enum PreviousRows {
    Flat(Vec<f32>),
    Ordered(OrderedRows),
}

impl PreviousRows {
    fn row(&self, row: usize, width: usize) -> &[f32] {
        match self {
            PreviousRows::Flat(values) => &values[row * width..][..width],
            PreviousRows::Ordered(rows) => rows.row(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::row_blocks::RowBlocks;

    fn rows(values: &[&[f32]]) -> Vec<f32> {
        values.iter().flat_map(|row| row.iter().copied()).collect()
    }

    #[test]
    fn the_first_window_repeats_nothing() {
        let mut repeated = RepeatedRows::new(2);
        assert_eq!(repeated.next_window(&rows(&[&[1.0, 2.0], &[1.0, 2.0], &[0.0, 0.0]])), vec![-1, -1, -1]);
    }

    #[test]
    fn identical_rows_are_found_wherever_they_moved() {
        let mut repeated = RepeatedRows::new(3);
        repeated.next_window(&rows(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], &[7.0, 8.0, 9.0]]));
        let now = rows(&[&[7.0, 8.0, 9.0], &[10.0, 11.0, 12.0], &[1.0, 2.0, 3.0]]);
        assert_eq!(repeated.next_window(&now), vec![2, -1, 0]);
        // Only the window just before counts: [4, 5, 6] was two windows ago.
        assert_eq!(repeated.next_window(&rows(&[&[4.0, 5.0, 6.0], &[10.0, 11.0, 12.0]])), vec![-1, 1]);
    }

    #[test]
    fn a_one_bit_difference_is_not_a_repeat() {
        let mut repeated = RepeatedRows::new(2);
        let before = 0.1f32;
        repeated.next_window(&[before, 1.0]);
        let next_float = f32::from_bits(before.to_bits() ^ 1);
        assert_eq!(repeated.next_window(&[next_float, 1.0]), vec![-1]);
    }

    #[test]
    fn bits_decide_for_nan_and_signed_zero() {
        let mut repeated = RepeatedRows::new(1);
        let quiet_nan = f32::NAN;
        let other_nan = f32::from_bits(quiet_nan.to_bits() | 1);
        repeated.next_window(&[quiet_nan, 0.0]);
        // NaN != NaN as floats, yet the same bits are the same input; -0 == 0 as floats, yet
        // not the same bits.
        assert_eq!(repeated.next_window(&[quiet_nan, other_nan, -0.0, 0.0]), vec![0, -1, -1, 1]);
    }

    #[test]
    fn duplicates_within_a_window_are_found_at_their_first_row() {
        let mut repeated = RepeatedRows::new(2);
        repeated.next_window(&rows(&[&[5.0, 5.0], &[1.0, 1.0], &[5.0, 5.0], &[5.0, 5.0]]));
        assert_eq!(repeated.next_window(&rows(&[&[5.0, 5.0], &[5.0, 5.0], &[1.0, 1.0]])), vec![0, 0, 1]);
        // The window just indexed had its own duplicates: they point at its first one too.
        assert_eq!(repeated.next_window(&rows(&[&[1.0, 1.0], &[5.0, 5.0]])), vec![2, 0]);
    }

    #[test]
    fn rows_sharing_a_hash_are_told_apart_by_their_bits() {
        // Every row has the same hash: what collisions do, all at once.
        let mut repeated = RepeatedRows::with_hash(2, |_| 7);
        repeated.next_window(&rows(&[&[1.0, 1.0], &[2.0, 2.0], &[1.0, 1.0], &[3.0, 3.0]]));
        let now = rows(&[&[3.0, 3.0], &[4.0, 4.0], &[1.0, 1.0], &[2.0, 2.0], &[4.0, 4.0]]);
        assert_eq!(repeated.next_window(&now), vec![3, -1, 0, 1, -1]);
        assert_eq!(repeated.next_window(&rows(&[&[4.0, 4.0], &[2.0, 2.0], &[5.0, 5.0]])), vec![1, 3, -1]);
    }

    /// `values` as rows of `width` written into blocks, and read in reverse order.
    fn ordered(values: &[f32], width: usize) -> OrderedRows {
        let count = values.len() / width;
        let mut blocks = RowBlocks::new(width);
        for row in values.chunks(width).rev() {
            let at = blocks.push_zeros();
            blocks.row_mut(at).copy_from_slice(row);
        }
        OrderedRows::new(blocks, Some((0..count).rev().collect()))
    }

    #[test]
    fn the_rows_that_repeat_nothing_are_given_and_the_window_is_kept_alike() {
        let windows = [
            rows(&[&[1.0, 2.0], &[3.0, 4.0], &[1.0, 2.0]]),
            rows(&[&[3.0, 4.0], &[5.0, 6.0], &[1.0, 2.0], &[7.0, 8.0]]),
            rows(&[&[7.0, 8.0], &[1.0, 2.0], &[5.0, 6.0]]),
        ];
        let (mut copying, mut keeping) = (RepeatedRows::new(2), RepeatedRows::new(2));
        for window in windows {
            let repeat_of = copying.next_window(&window);
            let (kept_repeat_of, unrepeated) = keeping.next_window_unrepeated(ordered(&window, 2));
            assert_eq!(kept_repeat_of, repeat_of);
            let expected: Vec<f32> = window.chunks(2).zip(&repeat_of).filter(|(_, &of)| of < 0).flat_map(|(row, _)| row.to_vec()).collect();
            assert_eq!(unrepeated, expected);
        }
    }

    #[test]
    fn an_empty_window_forgets_the_one_before() {
        let mut repeated = RepeatedRows::new(2);
        repeated.next_window(&[1.0, 2.0]);
        assert_eq!(repeated.next_window(&[]), Vec::<i32>::new());
        assert_eq!(repeated.next_window(&[1.0, 2.0]), vec![-1]);
    }
}
