//! A flow file's record cut into the pieces that windows of its packets would hold.
//!
//! CTU-13's Argus records last up to an hour; flows rebuilt from packets are cut at every
//! window. Placing a whole record in the windows that hold its start would give those windows
//! an hour of bytes and the later ones nothing, and so train and score hosts differently from
//! captures of the same traffic. Each window the record overlaps gets a piece instead: its
//! times clipped to the window, its packets and bytes in proportion to the overlap (packets
//! spread evenly, as `flowhound synth` spreads them), and the TCP flags a piece of the
//! connection shows there (SYN only where the record starts, FIN and RST only where it ends).

use crate::packet::tcp_flag;
use crate::record::FlowRecord;

const OPENING_FLAGS: u8 = tcp_flag::SYN;
const CLOSING_FLAGS: u8 = tcp_flag::FIN | tcp_flag::RST;

/// `(window start, piece)` for every window of `window_us` every `step_us` that the record's
/// time span overlaps; a record without duration goes whole into the windows holding its start.
pub fn record_pieces(record: FlowRecord, window_us: i64, step_us: i64) -> Vec<(i64, FlowRecord)> {
    let (start, last) = (record.start_us, record.last_us.max(record.start_us));
    let first_window = (start - window_us).div_euclid(step_us) + 1;
    let last_window = last.div_euclid(step_us);
    let duration = last - start;
    let windows: Vec<i64> = (first_window..=last_window)
        .map(|k| k * step_us)
        .filter(|&w| duration == 0 || (last.min(w + window_us) - start.max(w)) > 0)
        .collect();
    if duration == 0 {
        return windows.into_iter().map(|w| (w, record.clone())).collect();
    }
    let scale = |value: u64, share: f64| (value as f64 * share).round() as u64;
    windows
        .into_iter()
        .map(|w| {
            let piece_start = start.max(w);
            let piece_last = last.min(w + window_us);
            let share = (piece_last - piece_start) as f64 / duration as f64;
            let mut piece = record.clone();
            piece.start_us = piece_start;
            piece.last_us = piece_last;
            piece.total_pkts = scale(record.total_pkts, share).max(1);
            piece.total_bytes = scale(record.total_bytes, share);
            piece.src_bytes = scale(record.src_bytes, share).min(piece.total_bytes);
            piece.src_pkts = record.src_pkts.map(|p| scale(p, share).min(piece.total_pkts));
            piece.src_payload_bytes = record.src_payload_bytes.map(|b| scale(b, share));
            piece.dst_payload_bytes = record.dst_payload_bytes.map(|b| scale(b, share));
            let (opens, closes) = (piece_start == start, piece_last == last);
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
            (w, piece)
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
    fn a_long_record_is_cut_per_window_in_proportion_with_flags_where_they_belong() {
        // 10 steps long, starting at a step boundary: windows 9S (half of it) … 19S.
        let start = 10 * S;
        let pieces = record_pieces(record(start, start + 10 * S), W, S);
        let windows: Vec<i64> = pieces.iter().map(|(w, _)| *w / S).collect();
        assert_eq!(windows, (9..=19).collect::<Vec<_>>());
        let by_window = |k: i64| &pieces.iter().find(|(w, _)| *w == k * S).unwrap().1;
        // A window wholly inside the record holds two tenths of it.
        let middle = by_window(14);
        assert_eq!((middle.total_pkts, middle.total_bytes, middle.src_bytes), (200, 120_000, 20_000));
        assert_eq!((middle.start_us, middle.last_us), (14 * S, 16 * S));
        assert_eq!(middle.src_tcp_flags, tcp_flag::ACK | tcp_flag::PSH, "no SYN, no FIN in the middle");
        let first = by_window(9);
        assert_eq!((first.start_us, first.last_us, first.total_pkts), (start, 11 * S, 100));
        assert_eq!(first.src_tcp_flags & (tcp_flag::SYN | tcp_flag::FIN), tcp_flag::SYN);
        let end = by_window(19);
        assert_eq!((end.last_us, end.total_pkts), (start + 10 * S, 100));
        assert_eq!(end.dst_tcp_flags & (tcp_flag::SYN | tcp_flag::FIN), tcp_flag::FIN);
        // Each step of the record is in two windows, as each packet is.
        let packets: u64 = pieces.iter().map(|(_, p)| p.total_pkts).sum();
        assert_eq!(packets, 2000);
    }
}
