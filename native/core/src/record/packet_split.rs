//! How many of a record's packets each side sends.
//!
//! CTU-13 gives `TotPkts`, `TotBytes` and `SrcBytes` but not `SrcPkts`. A split is feasible
//! when each side's bytes fit its packets: `n·min ≤ bytes ≤ n·max`, and a side with bytes
//! has a packet while a side without has none. Among feasible splits the one nearest to
//! half and half is taken (a query and its answer, a data packet and its ACK), first with
//! frames up to the preferred maximum (1514), else with the jumbo frames the bytes demand.
//! The packets each side's TCP flags need (a SYN, a FIN, a reset) are asked for as a minimum
//! and given when the bytes allow. A record no split can make exactly gets the nearest one
//! and is counted as inexact.
//!
//! One split for the whole program: `flowhound synth` writes a record's packets this way, and
//! a flow file's record cut into windows (`features::record_pieces`) is cut as if they had.

use crate::packet::ip_proto;
use crate::packet::tcp_flag::{ACK, CWR, ECE, FIN, PSH, RST, SYN, URG};

use super::frame::FrameBounds;
use super::FlowRecord;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketSplit {
    pub src_pkts: u64,
    pub dst_pkts: u64,
    /// Both sides' bytes fit their packets.
    pub exact: bool,
}

/// `wanted_min`: packets each side would need for its flags, when it sends at all.
pub fn split_packets(
    total_pkts: u64,
    src_bytes: u64,
    dst_bytes: u64,
    bounds: FrameBounds,
    known_src_pkts: Option<u64>,
    wanted_min: [u64; 2],
) -> PacketSplit {
    let fits = |pkts: u64, bytes: u64, max: u32| {
        if pkts == 0 {
            bytes == 0
        } else {
            pkts.saturating_mul(u64::from(bounds.min)) <= bytes && bytes <= pkts.saturating_mul(u64::from(max))
        }
    };
    let split = |src_pkts: u64, max: u32| PacketSplit {
        src_pkts,
        dst_pkts: total_pkts - src_pkts,
        exact: fits(src_pkts, src_bytes, max) && fits(total_pkts - src_pkts, dst_bytes, max),
    };
    if let Some(known) = known_src_pkts.filter(|&known| known <= total_pkts) {
        if split(known, bounds.hard_max).exact {
            return split(known, bounds.hard_max);
        }
    }
    if src_bytes == 0 && dst_bytes > 0 {
        return split(0, bounds.hard_max);
    }
    if dst_bytes == 0 || total_pkts < 2 {
        // One side only; with both sides' bytes and a single packet, the larger side sends it.
        let src_pkts = if dst_bytes > src_bytes && total_pkts < 2 { 0 } else { total_pkts };
        return split(src_pkts, bounds.hard_max);
    }
    let target = total_pkts.div_ceil(2);
    for max in [bounds.preferred_max, bounds.hard_max] {
        let max_u64 = u64::from(max.max(bounds.min));
        let min_u64 = u64::from(bounds.min.max(1));
        let low = 1u64.max(src_bytes.div_ceil(max_u64)).max(total_pkts.saturating_sub(dst_bytes / min_u64));
        let high = (total_pkts - 1).min(src_bytes / min_u64).min(total_pkts.saturating_sub(dst_bytes.div_ceil(max_u64)));
        if low > high {
            continue;
        }
        let (low_wanted, high_wanted) = (low.max(wanted_min[0]), high.min(total_pkts.saturating_sub(wanted_min[1])));
        let (low, high) = if low_wanted <= high_wanted { (low_wanted, high_wanted) } else { (low, high) };
        return split(target.clamp(low, high), max);
    }
    // No exact split: packets in proportion to bytes, each side keeping one.
    let proportional = (total_pkts as u128 * src_bytes as u128 / (src_bytes as u128 + dst_bytes as u128)) as u64;
    split(proportional.clamp(1, total_pkts - 1), bounds.hard_max)
}

/// Each side's flags from a `-Z b` State (`FSPA_FSRPA`). ra writes ECE and CWR as `E` and
/// `C` (argus-clients 3.0.8) or `7` and `8` (older clients); both are read.
pub fn letters_from_state(state: &str) -> Option<[u8; 2]> {
    let (src, dst) = state.trim().split_once('_')?;
    let side = |letters: &str| {
        letters.bytes().try_fold(0u8, |flags, letter| {
            let flag = match letter {
                b'F' => FIN,
                b'S' => SYN,
                b'R' => RST,
                b'P' => PSH,
                b'A' => ACK,
                b'U' => URG,
                b'E' | b'7' => ECE,
                b'C' | b'8' => CWR,
                _ => return None,
            };
            Some(flags | flag)
        })
    };
    Some([side(src)?, side(dst)?])
}

/// Packets a side would like for its letters: a SYN, a FIN, a reset, and a body packet when
/// it acknowledges or pushes.
pub fn wanted_packets(letters: u8) -> u64 {
    u64::from(letters & SYN != 0) + u64::from(letters & FIN != 0) + u64::from(letters & RST != 0) + u64::from(letters & (ACK | PSH) != 0)
}

/// The packets each side of a record sent, as `flowhound synth` rebuilds them (and as a flow
/// file's record is cut into windows): SrcPkts when the file gives it, else the split nearest
/// half and half that the bytes allow, each TCP side asking for the packets its State's flags
/// need.
pub fn record_packet_split(record: &FlowRecord, proto: u8, bounds: FrameBounds) -> PacketSplit {
    let wanted = if proto == ip_proto::TCP {
        let letters = letters_from_state(&record.state).unwrap_or([record.src_tcp_flags, record.dst_tcp_flags]);
        [wanted_packets(letters[0]), wanted_packets(letters[1])]
    } else {
        [1, 1]
    };
    split_packets(record.total_pkts, record.src_bytes, record.dst_bytes(), bounds, record.src_pkts, wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP_V4: FrameBounds = FrameBounds { min: 54, preferred_max: 1514, hard_max: 65_549 };
    const UDP_V4: FrameBounds = FrameBounds { min: 42, preferred_max: 1514, hard_max: 65_549 };

    #[test]
    fn query_and_answer_take_one_packet_each() {
        // capture20110818-2.botnet: udp 1025 <-> 53, CON, 2 packets, 203 bytes, 64 from the source.
        assert_eq!(split_packets(2, 64, 139, UDP_V4, None, [1, 1]), PacketSplit { src_pkts: 1, dst_pkts: 1, exact: true });
    }

    #[test]
    fn a_bulk_transfer_gives_the_ack_side_what_the_data_side_leaves() {
        // capture20110816: tcp 49213 <?> 18250 A_PA, 414671 packets, 415389446 bytes, 10150692
        // from the source: the destination's 405 MB need at least 267,661 full frames.
        let split = split_packets(414_671, 10_150_692, 405_238_754, TCP_V4, None, [1, 1]);
        assert!(split.exact);
        assert_eq!(split.dst_pkts, 405_238_754u64.div_ceil(1514));
        assert_eq!(split.src_pkts + split.dst_pkts, 414_671);
    }

    #[test]
    fn one_sided_records() {
        // "_FSPA": the source sent nothing.
        assert_eq!(split_packets(8, 0, 546, TCP_V4, None, [0, 3]), PacketSplit { src_pkts: 0, dst_pkts: 8, exact: true });
        // "S_": unanswered SYNs.
        assert_eq!(split_packets(3, 186, 0, TCP_V4, None, [1, 0]), PacketSplit { src_pkts: 3, dst_pkts: 0, exact: true });
        // Too few bytes for the packets: the nearest split, flagged.
        assert!(!split_packets(3, 100, 0, TCP_V4, None, [1, 0]).exact);
    }

    #[test]
    fn flag_minimums_are_honoured_when_the_bytes_allow() {
        // 5 packets, 180/120 bytes: three for the source is the only split the bytes allow,
        // and what its flags want.
        let split = split_packets(5, 180, 120, TCP_V4, None, [3, 2]);
        assert_eq!((split.src_pkts, split.dst_pkts, split.exact), (3, 2, true));
        // The bytes do not allow the minimum: the bytes win.
        let split = split_packets(4, 60, 180, TCP_V4, None, [3, 1]);
        assert_eq!((split.src_pkts, split.exact), (1, true));
    }

    #[test]
    fn jumbo_frames_only_when_the_bytes_demand_them() {
        // 2 packets and 9000 bytes a side: no 1514-byte split exists.
        let split = split_packets(2, 9000, 9000, TCP_V4, None, [1, 1]);
        assert_eq!((split.src_pkts, split.dst_pkts, split.exact), (1, 1, true));
        // Beyond any IP packet: inexact.
        assert!(!split_packets(2, 70_000, 100, TCP_V4, None, [1, 1]).exact);
    }

    #[test]
    fn a_known_source_count_is_kept_when_it_fits() {
        assert_eq!(split_packets(10, 600, 6000, TCP_V4, Some(6), [1, 1]), PacketSplit { src_pkts: 6, dst_pkts: 4, exact: true });
        // Impossible known count: a feasible split instead.
        assert!(split_packets(10, 600, 6000, TCP_V4, Some(11), [1, 1]).exact);
    }

    #[test]
    fn state_letters_of_both_client_generations() {
        // capture20110816.binetflow: "FPAC_FPA" (CWR from the source), "FSPA_FSRPA".
        assert_eq!(letters_from_state("FPAC_FPA"), Some([FIN | PSH | ACK | CWR, FIN | PSH | ACK]));
        assert_eq!(letters_from_state("FSPA_FSRPA"), Some([FIN | SYN | PSH | ACK, FIN | SYN | RST | PSH | ACK]));
        assert_eq!(letters_from_state("S7_S8"), Some([SYN | ECE, SYN | CWR]));
        assert_eq!(letters_from_state("_"), Some([0, 0]));
        assert_eq!(letters_from_state("CON"), None);
        assert_eq!(letters_from_state("SX_A"), None);
    }

    #[test]
    fn both_sides_with_one_packet_total() {
        let split = split_packets(1, 60, 70, TCP_V4, None, [1, 1]);
        assert_eq!((split.src_pkts, split.dst_pkts, split.exact), (0, 1, false));
    }
}
