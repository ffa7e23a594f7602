//! The TCP flags of a rebuilt record's packets, so that a reader following Argus gives back
//! the record's State (`FSPA_FSRPA`: the union of flags each side sent), its initiator and
//! its direction.
//!
//! A record's packets are laid out as an opening, a body and a closing:
//! - Opening. Argus decides the initiator on the first packet. A `->` record saw its
//!   handshake: it opens with the source's SYN (then the destination's SYN-ACK), or, when
//!   only the destination has an `S`, with the destination's SYN-ACK: the next ACK makes
//!   the SYN-ACK's receiver the initiator. A `?>`/`<?>`/`<?` record did not: it opens with
//!   a packet without SYN from its source, which the Argus that wrote CTU-13 (and flowhound
//!   by default) names the initiator; Argus 3.0.8 names it too unless its port looks like the
//!   server's (`flowhound_core::flow::first_sender_is_server`), and then no order of packets would. The
//!   SYNs its State lists come right after.
//! - Body: each side's other packets, evenly interleaved: ACKs (`A` in its letters), with
//!   PSH on the ones carrying data; a side without `A` repeats its SYN (retransmissions), its
//!   PSH, its reset…
//! - Closing: the FINs, the final ACK when both sides closed, then the resets. No SYN comes
//!   after a FIN or a reset, where Argus would start a new flow.
//!
//! Letters still missing (URG, ECE, CWR, a PSH without data) go on the side's first body
//! packet, else on its last packet. When a side has fewer packets than its SYN, FIN and
//! reset need, they share packets.

use flowhound_core::flow::first_sender_is_server;
use flowhound_core::packet::tcp_flag::{ACK, CWR, ECE, FIN, PSH, RST, SYN, URG};
use flowhound_core::record::Direction;

use super::side::{interleaved, Side};

/// How the record opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpOpening {
    /// The source's SYN.
    SrcSyn,
    /// The destination's SYN-ACK, its SYN unseen.
    DstSynAck,
    /// No handshake seen: a packet without SYN from this side.
    NoHandshake(Side),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Opener,
    Syn,
    Fin,
    FinalAck,
    Rst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marked {
    side: Side,
    flags: u8,
    role: Role,
}

const MAX_OPENING: usize = 3;
const MAX_CLOSING: usize = 5;

/// What one packet of the plan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSlot {
    pub side: Side,
    /// The packet's place among its side's packets.
    pub side_index: u64,
    /// Flags before PSH for data (see [`TcpPlan::flags_for`]).
    pub flags: u8,
    /// A body packet: may carry data.
    pub body: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpPlan {
    pub opening_kind: TcpOpening,
    opening: [Option<Marked>; MAX_OPENING],
    opening_len: usize,
    closing: [Option<Marked>; MAX_CLOSING],
    closing_len: usize,
    body: [u64; 2],
    /// Packets of each side in the opening.
    before_body: [u64; 2],
    body_flags: [u8; 2],
    /// Added on the side's data packets (PSH when the State has it).
    data_flags: [u8; 2],
    first_body_extra: [u8; 2],
    letters: [u8; 2],
}

/// Flags from the letters that may ride on a body packet, in order of preference.
fn body_flags_of(letters: u8) -> u8 {
    if letters & ACK != 0 {
        return ACK;
    }
    [PSH, SYN, RST, FIN, URG, ECE, CWR].into_iter().find(|&flag| letters & flag != 0).unwrap_or(0)
}

/// A non-SYN packet to open a record whose handshake was not seen.
fn opener_flags_of(letters: u8) -> u8 {
    let without_syn = letters & !SYN;
    if without_syn & (ACK | PSH) != 0 {
        return without_syn & (ACK | PSH);
    }
    [RST, FIN, URG, ECE, CWR].into_iter().find(|&flag| letters & flag != 0).unwrap_or(letters)
}

impl TcpPlan {
    /// `letters`: each side's flags from the State; `pkts`: each side's packet count.
    /// Letters of a side without packets are ignored.
    pub fn new(letters: [u8; 2], pkts: [u64; 2], direction: Direction, src_port: u16, dst_port: u16) -> TcpPlan {
        let letters = [if pkts[0] > 0 { letters[0] } else { 0 }, if pkts[1] > 0 { letters[1] } else { 0 }];
        let opening_kind = choose_opening(letters, pkts, direction, src_port, dst_port);

        // Each side's marked packets, in time order.
        let mut marked: [Vec<Marked>; 2] = [Vec::new(), Vec::new()];
        for side in [Side::Src, Side::Dst] {
            let l = letters[side.index()];
            let list = &mut marked[side.index()];
            if opening_kind == TcpOpening::NoHandshake(side) {
                list.push(Marked { side, flags: opener_flags_of(l), role: Role::Opener });
            }
            if l & SYN != 0 && !(opening_kind == TcpOpening::NoHandshake(side) && l & !SYN == 0) {
                let answers_a_syn = match opening_kind {
                    TcpOpening::SrcSyn => side == Side::Dst,
                    TcpOpening::DstSynAck => true,
                    TcpOpening::NoHandshake(_) => side == Side::Dst && letters[0] & SYN != 0,
                };
                let flags = if answers_a_syn { SYN | (l & (ACK | ECE)) } else { SYN | (l & (ECE | CWR)) };
                list.push(Marked { side, flags, role: Role::Syn });
            }
            if l & FIN != 0 {
                list.push(Marked { side, flags: FIN | (l & ACK), role: Role::Fin });
            }
            if l & RST != 0 {
                list.push(Marked { side, flags: RST | (l & ACK), role: Role::Rst });
            }
            // Too few packets: the last ones share, down to one packet with every letter.
            let available = pkts[side.index()] as usize;
            while list.len() > available.max(1) {
                let last = list.pop().expect("more than one marked packet");
                let previous = list.last_mut().expect("more than one marked packet");
                previous.flags |= last.flags;
            }
            if available == 0 {
                list.clear();
            } else if available == 1 && list.len() == 1 && l & !list[0].flags != 0 {
                list[0].flags = l;
            }
        }
        let body = [
            pkts[0] - marked[0].len() as u64,
            pkts[1] - marked[1].len() as u64,
        ];
        // The final ACK: the side that closed first acknowledges the other's FIN.
        let both_closed = marked.iter().all(|list| list.iter().any(|m| m.role == Role::Fin));
        let mut body = body;
        if both_closed && letters[0] & ACK != 0 && body[0] > 0 {
            body[0] -= 1;
            marked[0].push(Marked { side: Side::Src, flags: ACK, role: Role::FinalAck });
        }

        let mut opening = [None; MAX_OPENING];
        let mut closing = [None; MAX_CLOSING];
        let (mut opening_len, mut closing_len) = (0, 0);
        let opening_order: &[(Side, Role)] = match opening_kind {
            TcpOpening::SrcSyn => &[(Side::Src, Role::Syn), (Side::Dst, Role::Syn)],
            TcpOpening::DstSynAck => &[(Side::Dst, Role::Syn), (Side::Src, Role::Syn)],
            TcpOpening::NoHandshake(Side::Src) => &[(Side::Src, Role::Opener), (Side::Src, Role::Syn), (Side::Dst, Role::Syn)],
            TcpOpening::NoHandshake(Side::Dst) => &[(Side::Dst, Role::Opener), (Side::Src, Role::Syn), (Side::Dst, Role::Syn)],
        };
        let mut placed = [[false; 8]; 2];
        for &(side, role) in opening_order {
            if let Some(position) = marked[side.index()].iter().position(|m| m.role == role) {
                opening[opening_len] = Some(marked[side.index()][position]);
                opening_len += 1;
                placed[side.index()][position] = true;
            }
        }
        let closing_order = [(Side::Src, Role::Fin), (Side::Dst, Role::Fin), (Side::Src, Role::FinalAck), (Side::Src, Role::Rst), (Side::Dst, Role::Rst)];
        for (side, role) in closing_order {
            if let Some(position) = marked[side.index()].iter().position(|m| m.role == role) {
                if !placed[side.index()][position] {
                    closing[closing_len] = Some(marked[side.index()][position]);
                    closing_len += 1;
                    placed[side.index()][position] = true;
                }
            }
        }
        // A marked packet whose role was merged away still has to go somewhere: the closing.
        for side in [Side::Src, Side::Dst] {
            for (position, m) in marked[side.index()].iter().enumerate() {
                if !placed[side.index()][position] && closing_len < MAX_CLOSING {
                    closing[closing_len] = Some(*m);
                    closing_len += 1;
                }
            }
        }
        let before_body = [
            opening[..opening_len].iter().flatten().filter(|m| m.side == Side::Src).count() as u64,
            opening[..opening_len].iter().flatten().filter(|m| m.side == Side::Dst).count() as u64,
        ];
        TcpPlan {
            opening_kind,
            opening,
            opening_len,
            closing,
            closing_len,
            body,
            before_body,
            body_flags: [body_flags_of(letters[0]), body_flags_of(letters[1])],
            data_flags: [letters[0] & PSH, letters[1] & PSH],
            first_body_extra: [0, 0],
            letters,
        }
    }

    /// Each side's data-capable packets (its body), as (first side index, count).
    pub fn capable_range(&self, side: Side) -> (u64, u64) {
        (self.before_body[side.index()], self.body[side.index()])
    }

    /// Puts the letters no packet carries yet on a packet of their side, once it is known
    /// whether the side has data packets (which carry PSH).
    pub fn complete_letters(&mut self, has_data: [bool; 2]) {
        for side in [Side::Src, Side::Dst] {
            let s = side.index();
            let mut union = 0u8;
            for m in self.marked().filter(|m| m.side == side) {
                union |= m.flags;
            }
            if self.body[s] > 0 {
                union |= self.body_flags[s];
                if has_data[s] {
                    union |= self.data_flags[s];
                }
            }
            let missing = self.letters[s] & !union;
            if missing == 0 {
                continue;
            }
            if self.body[s] > 0 {
                self.first_body_extra[s] |= missing;
            } else if let Some(m) = self.closing[..self.closing_len].iter_mut().flatten().rev().find(|m| m.side == side) {
                m.flags |= missing;
            } else if let Some(m) = self.opening[..self.opening_len].iter_mut().flatten().rev().find(|m| m.side == side) {
                m.flags |= missing;
            }
        }
    }

    fn marked(&self) -> impl Iterator<Item = &Marked> {
        self.opening[..self.opening_len].iter().flatten().chain(self.closing[..self.closing_len].iter().flatten())
    }

    pub fn total_pkts(&self) -> u64 {
        self.opening_len as u64 + self.body[0] + self.body[1] + self.closing_len as u64
    }

    /// Whether the opening holds a SYN: a handshake, rather than a connection met midway.
    pub fn opens_with_handshake(&self) -> bool {
        self.opening[..self.opening_len].iter().flatten().any(|m| m.flags & SYN != 0)
    }

    /// Packets of the opening (SYN, SYN-ACK, …) and of the closing (FINs, final ACK, resets).
    pub fn opening_and_closing_pkts(&self) -> (u64, u64) {
        (self.opening_len as u64, self.closing_len as u64)
    }

    /// The `index`-th packet of the record, in time order.
    pub fn slot(&self, index: u64) -> TcpSlot {
        let opening_len = self.opening_len as u64;
        if index < opening_len {
            let m = self.opening[index as usize].expect("within the opening");
            let side_index = self.opening[..index as usize].iter().flatten().filter(|o| o.side == m.side).count() as u64;
            return TcpSlot { side: m.side, side_index, flags: m.flags, body: false };
        }
        let body_total = self.body[0] + self.body[1];
        let body_index = index - opening_len;
        if body_index < body_total {
            let (side, ordinal) = interleaved(body_index, self.body[0], body_total);
            let s = side.index();
            let flags = self.body_flags[s] | if ordinal == 0 { self.first_body_extra[s] } else { 0 };
            return TcpSlot { side, side_index: self.before_body[s] + ordinal, flags, body: true };
        }
        let closing_index = (index - opening_len - body_total) as usize;
        let m = self.closing[closing_index.min(self.closing_len.saturating_sub(1))].expect("within the closing");
        let s = m.side.index();
        let earlier = self.closing[..closing_index].iter().flatten().filter(|c| c.side == m.side).count() as u64;
        TcpSlot { side: m.side, side_index: self.before_body[s] + self.body[s] + earlier, flags: m.flags, body: false }
    }

    /// The flags of a packet once its length is known: data packets get the side's PSH.
    pub fn flags_for(&self, slot: &TcpSlot, carries_data: bool) -> u8 {
        if slot.body && carries_data {
            slot.flags | self.data_flags[slot.side.index()]
        } else {
            slot.flags
        }
    }
}

fn choose_opening(letters: [u8; 2], pkts: [u64; 2], direction: Direction, src_port: u16, dst_port: u16) -> TcpOpening {
    let handshake_seen = direction == Direction::Forward;
    if handshake_seen {
        if letters[0] & SYN != 0 {
            return TcpOpening::SrcSyn;
        }
        if letters[1] & (SYN | ACK) == SYN | ACK {
            return TcpOpening::DstSynAck;
        }
    }
    // The source opens whenever it sent: its first packet names it the initiator (under Argus
    // 3.0.8's port guess too, unless its port looks like the server's, which no packet order
    // mends). A source that sent nothing leaves it to the destination, which that guess can
    // still turn round when the destination's port is a service port.
    let src_may_open = pkts[0] > 0 && !first_sender_is_server(src_port, dst_port);
    let dst_may_open = pkts[1] > 0 && first_sender_is_server(dst_port, src_port);
    if src_may_open || (!dst_may_open && pkts[0] > 0) {
        TcpOpening::NoHandshake(Side::Src)
    } else {
        TcpOpening::NoHandshake(Side::Dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowhound_core::record::letters_from_state;

    /// (side, flags) of every packet, PSH on the body packets given as data.
    fn packets(state: &str, pkts: [u64; 2], direction: Direction, ports: (u16, u16), data: [bool; 2]) -> Vec<(Side, u8)> {
        let [src, dst] = letters_from_state(state).unwrap();
        let mut plan = TcpPlan::new([src, dst], pkts, direction, ports.0, ports.1);
        plan.complete_letters(data);
        assert_eq!(plan.total_pkts(), pkts[0] + pkts[1], "{state}");
        let mut seen_index = [0u64; 2];
        (0..plan.total_pkts())
            .map(|i| {
                let slot = plan.slot(i);
                assert_eq!(slot.side_index, seen_index[slot.side.index()], "{state}: packet {i}");
                seen_index[slot.side.index()] += 1;
                (slot.side, plan.flags_for(&slot, data[slot.side.index()]))
            })
            .collect()
    }

    fn union(list: &[(Side, u8)]) -> String {
        let side = |s: Side| list.iter().filter(|(x, _)| *x == s).fold(0, |acc, (_, f)| acc | f);
        flowhound_core::flow::state_string(side(Side::Src), side(Side::Dst))
    }

    use Side::{Dst, Src};

    #[test]
    fn a_full_connection_opens_with_the_handshake_and_closes_with_fins() {
        let list = packets("FSPA_FSPA", [5, 4], Direction::Forward, (49152, 80), [true, true]);
        assert_eq!(union(&list), "FSPA_FSPA");
        assert_eq!(list[0], (Src, SYN));
        assert_eq!(list[1], (Dst, SYN | ACK));
        assert_eq!(list[2], (Src, ACK | PSH));
        assert_eq!(&list[6..], &[(Src, FIN | ACK), (Dst, FIN | ACK), (Src, ACK)]);
    }

    #[test]
    fn unanswered_and_refused_syns() {
        assert_eq!(packets("S_", [3, 0], Direction::Forward, (1025, 445), [false, false]), vec![(Src, SYN); 3]);
        let refused = packets("S_RA", [2, 2], Direction::Forward, (1025, 445), [false, false]);
        assert_eq!(refused[0], (Src, SYN));
        assert_eq!(refused.last(), Some(&(Dst, RST | ACK)));
        assert_eq!(union(&refused), "S_RA");
        // One SYN, one reset: nothing else.
        assert_eq!(packets("S_RA", [1, 1], Direction::Forward, (1025, 445), [false, false]), vec![(Src, SYN), (Dst, RST | ACK)]);
    }

    #[test]
    fn a_synack_opens_when_only_the_destination_has_a_syn() {
        // capture20110816: "_FSPA" with `->`: only the server's side was captured.
        let list = packets("_FSPA", [0, 8], Direction::Forward, (35527, 12489), [false, true]);
        assert_eq!(list[0], (Dst, SYN | ACK));
        assert!(list[1].1 & ACK != 0 && list[1].1 & SYN == 0, "an ACK completes the handshake");
        assert_eq!(union(&list), "_FSPA");
    }

    #[test]
    fn without_handshake_the_client_side_opens() {
        // 88.176.79.163:49213 <?> 147.32.84.172:18250 A_PA: neither port is a service port,
        // so the source opens.
        let list = packets("A_PA", [147_010, 267_661], Direction::BothUncertain, (49213, 18250), [false, true]);
        assert_eq!(list[0], (Src, ACK));
        assert_eq!(union(&list), "A_PA");
        // Which side may open: the one whose first packet makes Argus pick the source.
        let plan = TcpPlan::new([PSH | ACK, ACK], [3, 3], Direction::BothUncertain, 51000, 80);
        assert_eq!(plan.opening_kind, TcpOpening::NoHandshake(Src));
        let plan = TcpPlan::new([PSH | ACK, ACK], [3, 3], Direction::BothUncertain, 80, 51000);
        assert_eq!(plan.opening_kind, TcpOpening::NoHandshake(Src), "no side can make port 80 the initiator");
        let plan = TcpPlan::new([0, PSH | ACK], [0, 3], Direction::BackwardUncertain, 51000, 80);
        assert_eq!(plan.opening_kind, TcpOpening::NoHandshake(Dst));
    }

    #[test]
    fn syns_after_an_unseen_handshake_come_after_the_opener() {
        let list = packets("SRPA_FSPA", [6, 6], Direction::BothUncertain, (51000, 2222), [true, true]);
        assert_eq!(list[0].0, Src);
        assert_eq!(list[0].1 & SYN, 0);
        assert!(list[1].1 & SYN != 0);
        assert_eq!(union(&list), "SRPA_FSPA");
        let first_fin_or_reset = list.iter().position(|(_, f)| f & (FIN | RST) != 0).unwrap();
        assert!(list[first_fin_or_reset..].iter().all(|(_, f)| f & SYN == 0), "{list:?}");
    }

    #[test]
    fn scarce_packets_share_flags_and_letters_are_all_carried() {
        for (state, pkts) in [("FSRPA_FSPA", [2, 2]), ("FSRPA_FSPA", [1, 1]), ("SRA_SA", [2, 1]), ("FSA_FSA", [2, 2]), ("SUE_SC", [2, 1]), ("FPA_FPA", [1, 1])] {
            let list = packets(state, pkts, Direction::Forward, (1030, 80), [false, false]);
            assert_eq!(list.len() as u64, pkts[0] + pkts[1]);
            assert_eq!(union(&list), state, "{list:?}");
        }
    }

    #[test]
    fn push_rides_on_data_or_else_on_the_first_body_packet() {
        let with_data = packets("SPA_SA", [4, 1], Direction::Forward, (1030, 80), [true, false]);
        assert_eq!(union(&with_data), "SPA_SA");
        let without = packets("SPA_SA", [4, 1], Direction::Forward, (1030, 80), [false, false]);
        assert_eq!(union(&without), "SPA_SA");
        assert_eq!(without[2], (Src, ACK | PSH));
        assert_eq!(without[3], (Src, ACK));
    }
}
