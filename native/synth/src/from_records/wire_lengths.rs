//! Wire lengths of one side's packets, summing exactly to that side's bytes, computed for
//! any packet in O(1) (a record may have hundreds of thousands of packets; none is stored).
//!
//! Two layouts:
//! - `Even`: every packet `base` or `base + 1` bytes. UDP, ICMP and other protocols, whose
//!   packets in a flow tend to be alike, and TCP sides too small for anything but headers.
//! - `SmallAndData` (TCP): packets are small (60 bytes, Ethernet's minimum, a bare ACK with
//!   padding) except the data packets, spread evenly over the side's data-capable packets
//!   (those between its handshake and its FIN/RST). Every other capable packet carries data,
//!   or more of them when the bytes need more at up to the preferred frame length. A transfer
//!   thus looks like full frames one way and ACKs the other, and a chatty connection like
//!   data and ACKs taking turns. In 18 real captures (`bench/tcp-data-share.py`) 45–57% of the
//!   packets of TCP sides averaging 80–600 bytes carried data; putting the bytes in as few
//!   full frames as they need gave 7–25%, and a window's piece of a long chatty connection
//!   often nothing but bare ACKs.

use flowhound_core::record::FrameBounds;

/// Ethernet's shortest frame without FCS: what a bare TCP ACK occupies on the wire.
pub const SMALL_FRAME_BYTES: u32 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// The first `longer` packets are `base + 1` bytes, the rest `base`.
    Even { base: u32, longer: u64 },
    /// Packets `capable_start..capable_start + capable_len` may carry data; `data` of them
    /// do, evenly spread: `data_base` bytes, the first `data_longer` one more. Others `small`.
    SmallAndData { small: u32, capable_start: u64, capable_len: u64, data: u64, data_base: u32, data_longer: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SideLengths {
    pkts: u64,
    layout: Layout,
    /// The lengths sum to the side's bytes within the frame bounds.
    pub exact: bool,
}

/// One packet's length, and whether it is one of the side's data packets (TCP: the others
/// carry no payload, their bytes past the headers are Ethernet padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketLength {
    pub wire_len: u32,
    pub carries_data: bool,
}

/// How a side's bytes should be laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthStyle {
    Even,
    /// `capable_start..capable_start + capable_len`: the side's packets that may carry data
    /// (none given: all of them).
    SmallAndData { capable_start: u64, capable_len: u64 },
}

impl SideLengths {
    pub fn plan(pkts: u64, bytes: u64, bounds: FrameBounds, style: LengthStyle) -> SideLengths {
        if pkts == 0 {
            return SideLengths { pkts, layout: Layout::Even { base: 0, longer: 0 }, exact: bytes == 0 };
        }
        let small = SMALL_FRAME_BYTES.max(bounds.min);
        match style {
            LengthStyle::SmallAndData { capable_start, capable_len } if bytes > pkts.saturating_mul(u64::from(small)) => {
                let (capable_start, capable_len) =
                    if capable_len == 0 || capable_start + capable_len > pkts { (0, pkts) } else { (capable_start, capable_len) };
                let extra_bytes = bytes - pkts * u64::from(small);
                let room_per_data = u64::from(bounds.preferred_max.saturating_sub(small).max(1));
                let needed_in_full_frames = extra_bytes.div_ceil(room_per_data);
                let taking_turns_with_acks = capable_len.div_ceil(2);
                // Each data packet carries at least one byte more than a small one.
                let data = needed_in_full_frames.max(taking_turns_with_acks).min(extra_bytes).clamp(1, capable_len);
                let mut data_base = u64::from(small) + extra_bytes / data;
                let mut data_longer = extra_bytes % data;
                let mut exact = true;
                let hard_max = u64::from(bounds.hard_max);
                if data_base > hard_max || (data_base == hard_max && data_longer > 0) {
                    (data_base, data_longer, exact) = (hard_max, 0, false);
                }
                let layout = Layout::SmallAndData {
                    small,
                    capable_start,
                    capable_len,
                    data,
                    data_base: data_base as u32,
                    data_longer,
                };
                SideLengths { pkts, layout, exact }
            }
            _ => {
                let mut base = bytes / pkts;
                let mut longer = bytes % pkts;
                let mut exact = true;
                if base < u64::from(bounds.min) {
                    (base, longer, exact) = (u64::from(bounds.min), 0, false);
                } else if base > u64::from(bounds.hard_max) || (base == u64::from(bounds.hard_max) && longer > 0) {
                    (base, longer, exact) = (u64::from(bounds.hard_max), 0, false);
                }
                SideLengths { pkts, layout: Layout::Even { base: base as u32, longer }, exact }
            }
        }
    }

    pub fn pkts(&self) -> u64 {
        self.pkts
    }

    /// Whether any packet of the side carries data.
    pub fn has_data(&self) -> bool {
        matches!(self.layout, Layout::SmallAndData { .. })
    }

    /// The side's `index`-th packet (0-based, in time order).
    pub fn at(&self, index: u64) -> PacketLength {
        match self.layout {
            Layout::Even { base, longer } => PacketLength { wire_len: base + u32::from(index < longer), carries_data: false },
            Layout::SmallAndData { small, capable_start, capable_len, data, data_base, data_longer } => {
                let Some(capable_index) = index.checked_sub(capable_start).filter(|&c| c < capable_len) else {
                    return PacketLength { wire_len: small, carries_data: false };
                };
                // Data packets at the capable indexes where ceil(c·data/len) steps up.
                let ordinal_before = ceil_ratio(capable_index, data, capable_len);
                if ceil_ratio(capable_index + 1, data, capable_len) == ordinal_before {
                    return PacketLength { wire_len: small, carries_data: false };
                }
                PacketLength { wire_len: data_base + u32::from(ordinal_before < data_longer), carries_data: true }
            }
        }
    }
}

/// ceil(a·b / c) without overflow for the counts met here.
fn ceil_ratio(a: u64, b: u64, c: u64) -> u64 {
    ((a as u128 * b as u128).div_ceil(c as u128)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP_V4: FrameBounds = FrameBounds { min: 54, preferred_max: 1514, hard_max: 65_549 };
    const UDP_V4: FrameBounds = FrameBounds { min: 42, preferred_max: 1514, hard_max: 65_549 };

    fn all(lengths: &SideLengths) -> Vec<PacketLength> {
        (0..lengths.pkts()).map(|index| lengths.at(index)).collect()
    }

    fn total(lengths: &SideLengths) -> u64 {
        all(lengths).iter().map(|p| u64::from(p.wire_len)).sum()
    }

    #[test]
    fn even_lengths_sum_exactly() {
        for (pkts, bytes) in [(1, 75), (2, 124), (7, 490), (3866, 4_120_150), (5, 211)] {
            let lengths = SideLengths::plan(pkts, bytes, UDP_V4, LengthStyle::Even);
            assert!(lengths.exact);
            assert_eq!(total(&lengths), bytes, "{pkts} packets, {bytes} bytes");
            let spread: Vec<u32> = all(&lengths).iter().map(|p| p.wire_len).collect();
            assert!(spread.iter().max().unwrap() - spread.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn tcp_sides_are_acks_and_full_frames() {
        // The data side of capture20110816's A_PA record (405,238,754 bytes in 267,661
        // packets), with 2 small packets before and 1 after the data-capable ones.
        let lengths = SideLengths::plan(267_664, 405_238_754, TCP_V4, LengthStyle::SmallAndData { capable_start: 2, capable_len: 267_661 });
        assert!(lengths.exact);
        assert_eq!(total(&lengths), 405_238_754);
        assert!(all(&lengths).iter().all(|p| p.wire_len <= 1514));
        assert_eq!(lengths.at(0), PacketLength { wire_len: 60, carries_data: false });
        assert_eq!(lengths.at(267_663).wire_len, 60);
    }

    #[test]
    fn chatty_tcp_sides_take_turns_with_acks() {
        // 66 bytes over the small frames in 5 capable packets: 3 of them carry 22 each.
        let lengths = SideLengths::plan(8, 546, TCP_V4, LengthStyle::SmallAndData { capable_start: 1, capable_len: 5 });
        let wire_lens: Vec<u32> = all(&lengths).iter().map(|p| p.wire_len).collect();
        assert_eq!(wire_lens, vec![60, 82, 82, 60, 82, 60, 60, 60]);
        assert_eq!(all(&lengths).iter().filter(|p| p.carries_data).count(), 3);

        // Two bytes over: two data packets, one byte each, never a data packet without one.
        let lengths = SideLengths::plan(10, 602, TCP_V4, LengthStyle::SmallAndData { capable_start: 0, capable_len: 10 });
        assert_eq!(all(&lengths).iter().filter(|p| p.carries_data).map(|p| p.wire_len).collect::<Vec<_>>(), vec![61, 61]);

        // A long chatty side (95 bytes a packet on average): any run of 20 packets, as a
        // window's piece of the connection might hold, has 10 data packets, not bare ACKs only.
        let lengths = SideLengths::plan(1_000, 95_000, TCP_V4, LengthStyle::SmallAndData { capable_start: 0, capable_len: 1_000 });
        assert!(lengths.exact);
        assert_eq!(total(&lengths), 95_000);
        let packets = all(&lengths);
        for run in packets.windows(20) {
            assert_eq!(run.iter().filter(|p| p.carries_data).count(), 10);
            assert!(run.iter().all(|p| p.wire_len == 60 || p.wire_len == 130));
        }
    }

    #[test]
    fn tcp_sides_within_small_frames_are_even_and_without_data() {
        // Three packets in 170 bytes: under 3·60, so even lengths, all padding.
        let lengths = SideLengths::plan(3, 170, TCP_V4, LengthStyle::SmallAndData { capable_start: 0, capable_len: 3 });
        assert_eq!(total(&lengths), 170);
        assert!(all(&lengths).iter().all(|p| !p.carries_data && p.wire_len >= 54));
        assert!(!lengths.has_data());
    }

    #[test]
    fn jumbo_frames_when_the_capable_packets_are_too_few() {
        let lengths = SideLengths::plan(3, 20_000, TCP_V4, LengthStyle::SmallAndData { capable_start: 1, capable_len: 1 });
        assert!(lengths.exact);
        assert_eq!(all(&lengths).iter().map(|p| p.wire_len).collect::<Vec<_>>(), vec![60, 19_880, 60]);
    }

    #[test]
    fn impossible_bytes_are_clamped_and_flagged() {
        let short = SideLengths::plan(3, 100, TCP_V4, LengthStyle::Even);
        assert!(!short.exact);
        assert!(all(&short).iter().all(|p| p.wire_len == 54));
        let long = SideLengths::plan(1, 70_000, UDP_V4, LengthStyle::Even);
        assert!(!long.exact);
        assert_eq!(long.at(0).wire_len, 65_549);
        let long_tcp = SideLengths::plan(2, 200_000, TCP_V4, LengthStyle::SmallAndData { capable_start: 0, capable_len: 0 });
        assert!(!long_tcp.exact);
    }
}
