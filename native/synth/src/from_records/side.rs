//! The two ends of a record, as its packets' senders.

/// Which end of the record sends a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Src = 0,
    Dst = 1,
}

impl Side {
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn other(self) -> Side {
        match self {
            Side::Src => Side::Dst,
            Side::Dst => Side::Src,
        }
    }
}

/// The `index`-th of `total` packets when `src_pkts` of them are the source's, spread
/// evenly, the source first: its sender and its place among that sender's packets. The
/// source sends where ceil(i·src/total) steps up.
pub fn interleaved(index: u64, src_pkts: u64, total: u64) -> (Side, u64) {
    let src_before = ceil_ratio(index, src_pkts, total);
    if ceil_ratio(index + 1, src_pkts, total) > src_before {
        (Side::Src, src_before)
    } else {
        (Side::Dst, index - src_before)
    }
}

fn ceil_ratio(a: u64, b: u64, c: u64) -> u64 {
    if c == 0 {
        return 0;
    }
    (a as u128 * b as u128).div_ceil(c as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_is_even_and_counts_each_side() {
        let order: Vec<(Side, u64)> = (0..5).map(|i| interleaved(i, 2, 5)).collect();
        assert_eq!(order[0], (Side::Src, 0));
        assert_eq!(order.iter().filter(|(side, _)| *side == Side::Src).count(), 2);
        let mut next = [0u64; 2];
        for (side, ordinal) in order {
            assert_eq!(ordinal, next[side.index()]);
            next[side.index()] += 1;
        }
        assert!((0..7).all(|i| interleaved(i, 0, 7) == (Side::Dst, i)));
        assert!((0..7).all(|i| interleaved(i, 7, 7) == (Side::Src, i)));
    }
}
