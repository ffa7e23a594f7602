//! A flow file's record cut into the pieces that windows of its packets would hold.
//!
//! CTU-13's Argus records last up to an hour; flows rebuilt from packets are cut at every
//! window. Placing a whole record in the windows that hold its start would give those windows
//! an hour of bytes and the later ones nothing, and so train and score hosts differently from
//! captures of the same traffic. The record's packets are taken as spread evenly from its start
//! to its end (as `flowhound synth` spreads them); each window that holds some of them gets a
//! piece: those packets, their first and last times, bytes in proportion, and the TCP flags a
//! piece of the connection shows there (SYN only where the record starts, FIN and RST only
//! where it ends). A window that the record spans without one of its packets gets nothing, as
//! it would from the capture.

use crate::packet::tcp_flag;
use crate::record::FlowRecord;

const OPENING_FLAGS: u8 = tcp_flag::SYN;
const CLOSING_FLAGS: u8 = tcp_flag::FIN | tcp_flag::RST;

/// `(window start, piece)` for every window of `window_us` every `step_us` that holds one of
/// the record's packets; a record without duration, or of one packet, goes whole into the
/// windows holding its start.
pub fn record_pieces(record: FlowRecord, window_us: i64, step_us: i64) -> Vec<(i64, FlowRecord)> {
    let (start, last) = (record.start_us, record.last_us.max(record.start_us));
    let first_window = (start - window_us).div_euclid(step_us) + 1;
    let last_window = last.div_euclid(step_us);
    let packets = record.total_pkts;
    let windows = (first_window..=last_window).map(|k| k * step_us);
    if last == start || packets < 2 {
        return windows.filter(|&w| start < w + window_us).map(|w| (w, record.clone())).collect();
    }
    // Packet i (0 ≤ i < packets) at start + i × spacing; the last at `last`.
    let spacing = (last - start) as f64 / (packets - 1) as f64;
    let index_at_or_after = |t: i64| -> u64 { ((t - start) as f64 / spacing).ceil().max(0.0) as u64 };
    let time_of = |i: u64| -> i64 { if i + 1 == packets { last } else { start + (i as f64 * spacing).round() as i64 } };
    let scale = |value: u64, share: f64| (value as f64 * share).round() as u64;
    windows
        .filter_map(|w| {
            let first = index_at_or_after(w);
            let end = index_at_or_after(w + window_us).min(packets);
            if first >= end {
                return None;
            }
            let count = end - first;
            let share = count as f64 / packets as f64;
            let mut piece = record.clone();
            piece.start_us = time_of(first);
            piece.last_us = time_of(end - 1);
            piece.total_pkts = count;
            piece.total_bytes = scale(record.total_bytes, share);
            piece.src_bytes = scale(record.src_bytes, share).min(piece.total_bytes);
            piece.src_pkts = record.src_pkts.map(|p| scale(p, share).min(count));
            piece.src_payload_bytes = record.src_payload_bytes.map(|b| scale(b, share));
            piece.dst_payload_bytes = record.dst_payload_bytes.map(|b| scale(b, share));
            let (opens, closes) = (first == 0, end == packets);
            let keep = |flags: u8| {
                let mut kept = flags;
                if !opens {
                    kept &= !OPENING_FLAGS;
                }
                if !closes {
                    kept &= !CLOSING_FLAGS;
                }
                kept
            };
            piece.src_tcp_flags = keep(record.src_tcp_flags);
            piece.dst_tcp_flags = keep(record.dst_tcp_flags);
            Some((w, piece))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 150_000_000;
    const W: i64 = 300_000_000;

    fn record(start_us: i64, last_us: i64) -> FlowRecord {
        FlowRecord {
            state: "FSPA_FSPA".into(),
            dst_tos: Some(0),
            total_pkts: 1000,
            total_bytes: 600_000,
            src_bytes: 100_000,
            src_tcp_flags: tcp_flag::SYN | tcp_flag::ACK | tcp_flag::PSH | tcp_flag::FIN,
            dst_tcp_flags: tcp_flag::SYN | tcp_flag::ACK | tcp_flag::FIN,
            label: Some("flow=Background".into()),
            ..FlowRecord::example_tcp([147, 32, 84, 165], 1040, [1, 2, 3, 4], 443, start_us, last_us)
        }
    }

    #[test]
    fn a_short_record_goes_whole_into_the_two_windows_holding_it() {
        let pieces = record_pieces(record(10 * S + 1_000_000, 10 * S + 5_000_000), W, S);
        assert_eq!(pieces.iter().map(|(w, _)| *w).collect::<Vec<_>>(), vec![9 * S, 10 * S]);
        assert!(pieces.iter().all(|(_, p)| p.total_pkts == 1000 && p.src_tcp_flags & tcp_flag::FIN != 0));
        let instant = record_pieces(record(10 * S, 10 * S), W, S);
        assert_eq!(instant.iter().map(|(w, _)| *w).collect::<Vec<_>>(), vec![9 * S, 10 * S]);
    }

    #[test]
    fn a_long_record_is_cut_where_its_packets_fall_with_flags_where_they_belong() {
        // 1,001 packets over 10 steps, one every S / 100, starting at a step boundary:
        // windows 9S (its second half) … 20S (the last packet alone).
        let start = 10 * S;
        let pieces = record_pieces(FlowRecord { total_pkts: 1001, ..record(start, start + 10 * S) }, W, S);
        let windows: Vec<i64> = pieces.iter().map(|(w, _)| *w / S).collect();
        assert_eq!(windows, (9..=20).collect::<Vec<_>>());
        let by_window = |k: i64| &pieces.iter().find(|(w, _)| *w == k * S).unwrap().1;
        // A window wholly inside the record holds two hundred of its packets, times those packets'.
        let middle = by_window(14);
        assert_eq!((middle.total_pkts, middle.total_bytes), (200, 119_880));
        assert_eq!((middle.start_us, middle.last_us), (14 * S, 16 * S - S / 100));
        assert_eq!(middle.src_tcp_flags, tcp_flag::ACK | tcp_flag::PSH, "no SYN, no FIN in the middle");
        let first = by_window(9);
        assert_eq!((first.start_us, first.last_us, first.total_pkts), (start, 11 * S - S / 100, 100));
        assert_eq!(first.src_tcp_flags & (tcp_flag::SYN | tcp_flag::FIN), tcp_flag::SYN);
        let end = by_window(20);
        assert_eq!((end.start_us, end.last_us, end.total_pkts), (start + 10 * S, start + 10 * S, 1));
        assert_eq!(by_window(19).total_pkts, 101);
        assert_eq!(end.dst_tcp_flags & (tcp_flag::SYN | tcp_flag::FIN), tcp_flag::FIN);
        // Every packet is in two windows.
        let packets: u64 = pieces.iter().map(|(_, p)| p.total_pkts).sum();
        assert_eq!(packets, 2002);
    }

    #[test]
    fn a_sparse_record_has_pieces_only_where_its_packets_are() {
        // Two packets an hour apart: the windows in between hold none of them.
        let start = 10 * S;
        let pieces = record_pieces(FlowRecord { total_pkts: 2, ..record(start, start + 24 * S) }, W, S);
        let windows: Vec<i64> = pieces.iter().map(|(w, _)| *w / S).collect();
        assert_eq!(windows, vec![9, 10, 33, 34]);
        assert!(pieces.iter().all(|(_, p)| p.total_pkts == 1 && p.start_us == p.last_us));
    }
}
