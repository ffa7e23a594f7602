//! A flow file's record cut into the pieces that windows of its packets would hold.
//!
//! CTU-13's Argus records last up to an hour; flows rebuilt from packets are cut at every
//! window. Placing a whole record in the windows that hold its start would give those windows
//! an hour of bytes and the later ones nothing, and so train and score hosts differently from
//! captures of the same traffic. The record's packets are taken as spread evenly from its start
//! to its end, and each side's packets evenly among them, the source's first (it opened the
//! flow). How many packets each side sent is the record's SrcPkts, or else the split
//! `flowhound synth` makes (`record_packet_split`: nearest half and half that the bytes allow).
//! Each window that holds some of the packets gets a piece: those packets, their first and last
//! times, each side's bytes in proportion to its packets there, and only the flags a side that
//! sent there can show (SYN only where the record starts, FIN and RST only where it ends); a
//! UDP-like piece is `CON`, `INT` or `RSP` by which sides sent in it, as the windows of a
//! capture name it. A window that the record spans without one of its packets gets nothing,
//! as it would from the capture.

use crate::flow::write_state;
use crate::packet::{ip_proto, tcp_flag};
use crate::record::{frame_bounds, record_packet_split, wire_identity, FlowRecord, Protocol, ETHERNET_MAX_FRAME_BYTES};

const OPENING_FLAGS: u8 = tcp_flag::SYN;
const CLOSING_FLAGS: u8 = tcp_flag::FIN | tcp_flag::RST;

/// Which of a record's packets its source sent: `src` of `total`, spread evenly, the first
/// packet the source's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SourcePackets {
    src: u64,
    total: u64,
}

impl SourcePackets {
    fn of(record: &FlowRecord) -> SourcePackets {
        let total = record.total_pkts;
        let src = match wire_identity(record) {
            Ok(identity) => {
                record_packet_split(record, identity.proto, frame_bounds(identity.version(), identity.proto, ETHERNET_MAX_FRAME_BYTES)).src_pkts
            }
            // Not IP (ARP, IPX): packets in proportion to bytes.
            Err(_) => record.src_pkts.unwrap_or_else(|| {
                (u128::from(total) * u128::from(record.src_bytes) / u128::from(record.total_bytes.max(1))) as u64
            }),
        };
        SourcePackets { src: src.min(total), total }
    }

    /// Source packets among the first `count` of the record's.
    fn among_first(&self, count: u64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        (u128::from(count) * u128::from(self.src)).div_ceil(u128::from(self.total)) as u64
    }
}

/// `(window start, piece)` for every window of `window_us` every `step_us` that holds one of
/// the record's packets; a record without duration, or of one packet, goes whole into the
/// windows holding its start. (The builder cuts with `RecordCut`, a window at a time.)
#[cfg(test)]
pub fn record_pieces(record: FlowRecord, window_us: i64, step_us: i64) -> Vec<(i64, FlowRecord)> {
    let cut = RecordCut::new(&record, window_us, step_us);
    cut.windows().map(|w| (w, cut.piece(&record, w))).collect()
}

/// How one record is cut into windows, worked out once: which windows hold its packets, and
/// each window's piece on demand (`piece`), so that a piece for a window far ahead can be made
/// when that window is reached instead of being held, whole, until then.
#[derive(Clone, Debug)]
pub struct RecordCut {
    window_us: i64,
    step_us: i64,
    start: i64,
    last: i64,
    packets: u64,
    first_window: i64,
    last_window: i64,
    /// Packet i (0 ≤ i < packets) at start + i × spacing; the last at `last`. `None`: the
    /// record goes whole into the windows holding its start (no duration, or one packet).
    spread: Option<Spread>,
}

#[derive(Clone, Copy, Debug)]
struct Spread {
    spacing: f64,
    sources: SourcePackets,
    udp_like: bool,
}

impl RecordCut {
    pub fn new(record: &FlowRecord, window_us: i64, step_us: i64) -> RecordCut {
        let (start, last) = (record.start_us, record.last_us.max(record.start_us));
        let first_window = (start - window_us).div_euclid(step_us) + 1;
        let last_window = last.div_euclid(step_us);
        let packets = record.total_pkts;
        let spread = (last != start && packets >= 2).then(|| Spread {
            spacing: (last - start) as f64 / (packets - 1) as f64,
            sources: SourcePackets::of(record),
            udp_like: !matches!(record.protocol, Protocol::Ip(ip_proto::TCP | ip_proto::ICMP | ip_proto::ICMPV6))
                && matches!(record.state.as_str(), "CON" | "INT" | "REQ" | "RSP" | "NRS"),
        });
        RecordCut { window_us, step_us, start, last, packets, first_window, last_window, spread }
    }

    /// The start of the last window that may hold a piece (those before it may too).
    pub fn last_window_start_us(&self) -> i64 {
        self.last_window * self.step_us
    }

    /// The windows that hold a piece, in time order.
    pub fn windows(&self) -> impl Iterator<Item = i64> + '_ {
        (self.first_window..=self.last_window).map(|k| k * self.step_us).filter(|&w| self.packets_in(w).is_some())
    }

    /// The record's packets that window `w` holds, `first..end`; `None` when it holds none.
    /// A whole record: `0..packets` in the windows holding its start.
    fn packets_in(&self, w: i64) -> Option<(u64, u64)> {
        let Some(spread) = &self.spread else {
            return (self.start < w + self.window_us).then_some((0, self.packets));
        };
        let first = self.index_at_or_after(spread, w);
        let end = self.index_at_or_after(spread, w + self.window_us).min(self.packets);
        (first < end).then_some((first, end))
    }

    fn index_at_or_after(&self, spread: &Spread, t: i64) -> u64 {
        ((t - self.start) as f64 / spread.spacing).ceil().max(0.0) as u64
    }

    fn time_of(&self, spread: &Spread, i: u64) -> i64 {
        if i + 1 == self.packets {
            self.last
        } else {
            self.start + (i as f64 * spread.spacing).round() as i64
        }
    }

    /// The piece of `record` (the record this cut was made of) that window `w` holds; `w` is
    /// one of `windows()`.
    #[cfg(test)]
    pub fn piece(&self, record: &FlowRecord, w: i64) -> FlowRecord {
        let mut piece = record.clone();
        self.piece_into(record, w, &mut piece);
        piece
    }

    /// `piece`, made into `piece` (whatever it held): its strings' buffers are reused, so that
    /// a piece costs no allocation once they are large enough.
    pub fn piece_into(&self, record: &FlowRecord, w: i64, piece: &mut FlowRecord) {
        piece.copy_from(record);
        let Some(spread) = &self.spread else {
            return;
        };
        let (first, end) = self.packets_in(w).unwrap_or((0, 0));
        let packets = self.packets;
        let sources = spread.sources;
        let dst_packets = packets - sources.src;
        let share = |value: u64, part: u64, whole: u64| if whole == 0 { 0 } else { (value as f64 * part as f64 / whole as f64).round() as u64 };
        let count = end - first;
        let src_count = sources.among_first(end) - sources.among_first(first);
        let dst_count = count - src_count;
        piece.start_us = self.time_of(spread, first);
        piece.last_us = self.time_of(spread, end.max(1) - 1);
        piece.total_pkts = count;
        piece.src_pkts = Some(src_count);
        piece.src_bytes = share(record.src_bytes, src_count, sources.src);
        piece.total_bytes = piece.src_bytes + share(record.dst_bytes(), dst_count, dst_packets);
        piece.src_payload_bytes = record.src_payload_bytes.map(|b| share(b, src_count, sources.src));
        piece.dst_payload_bytes = record.dst_payload_bytes.map(|b| share(b, dst_count, dst_packets));
        let (opens, closes) = (first == 0, end == packets);
        let keep = |flags: u8, sent: bool| {
            let mut kept = if sent { flags } else { 0 };
            if !opens {
                kept &= !OPENING_FLAGS;
            }
            if !closes {
                kept &= !CLOSING_FLAGS;
            }
            kept
        };
        piece.src_tcp_flags = keep(record.src_tcp_flags, src_count > 0);
        piece.dst_tcp_flags = keep(record.dst_tcp_flags, dst_count > 0);
        if record.protocol == Protocol::Ip(ip_proto::TCP) && record.state.contains('_') {
            write_state(piece.src_tcp_flags, piece.dst_tcp_flags, &mut piece.state);
        } else if spread.udp_like {
            piece.state.clear();
            piece.state.push_str(match (src_count > 0, dst_count > 0) {
                (true, true) => "CON",
                (true, false) => "INT",
                _ => "RSP",
            });
        }
    }
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
        // The source sent 501 of the 1,001 packets (the split synth makes), every other one;
        // each side's bytes go in proportion to its packets there.
        let middle = by_window(14);
        assert_eq!((middle.total_pkts, middle.src_pkts), (200, Some(100)));
        assert_eq!((middle.src_bytes, middle.total_bytes), (19_960, 119_960));
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
        // One packet is one side's: the source's opening, then the destination's closing.
        for (_, opening) in &pieces[..2] {
            assert_eq!((opening.src_pkts, opening.src_bytes, opening.total_bytes), (Some(1), 100_000, 100_000));
            assert_eq!((opening.src_tcp_flags, opening.dst_tcp_flags), (tcp_flag::SYN | tcp_flag::ACK | tcp_flag::PSH, 0));
            assert_eq!(opening.state, "SPA_");
        }
        for (_, closing) in &pieces[2..] {
            assert_eq!((closing.src_pkts, closing.src_bytes, closing.total_bytes), (Some(0), 0, 500_000));
            assert_eq!((closing.src_tcp_flags, closing.dst_tcp_flags), (0, tcp_flag::ACK | tcp_flag::FIN));
            assert_eq!(closing.state, "_FA");
        }
    }

    #[test]
    fn a_udp_piece_is_named_by_the_sides_that_sent_in_it() {
        // Four packets 3 steps apart, source and destination in turn, 100 bytes each.
        let start = 10 * S;
        let udp = FlowRecord {
            protocol: Protocol::Ip(ip_proto::UDP),
            state: "CON".into(),
            total_pkts: 4,
            total_bytes: 400,
            src_bytes: 200,
            src_tcp_flags: 0,
            dst_tcp_flags: 0,
            ..record(start, start + 9 * S)
        };
        let pieces = record_pieces(udp, W, S);
        let at = |k: i64| pieces.iter().find(|(w, _)| *w == k * S).map(|(_, p)| (p.state.as_str(), p.src_pkts, p.src_bytes, p.total_bytes));
        assert_eq!(at(9), Some(("INT", Some(1), 100, 100)));
        assert_eq!(at(12), Some(("RSP", Some(0), 0, 100)));
        assert_eq!(at(15), Some(("INT", Some(1), 100, 100)));
        assert_eq!(at(18), Some(("RSP", Some(0), 0, 100)));
        assert_eq!(at(11), None, "no packet in [11 S, 13 S)");
    }
}
