//! Argus's TCP connection states with the sequence numbers they depend on, for
//! whole-capture records: they decide when a reused 5-tuple starts a new record.
//!
//! argus 3.0.8 starts a new flow when a bare SYN (flags exactly SYN) arrives while its state
//! machine is in LISTEN, CLOSE_WAIT, FIN_WAIT_1, CLOSING, TIME_WAIT or CLOSED, but not in
//! FIN_WAIT_2 or LAST_ACK. Which of those a closed connection is in depends on whether the
//! ACK of a FIN acknowledged exactly the highest sequence number Argus saw from the FIN's
//! sender (data counted, FIN and SYN not), so the numbers are followed the way Argus follows
//! them (`ArgusUpdateTCPSequence`, `ArgusUpdateTCPStateMachine`). Probed: a connection
//! that exchanged data and closed with FIN, FIN, ACK continues its record on the next SYN;
//! one closed by a single FIN, a reset, or without data starts a new one.

use crate::flow::key::Side;
use crate::packet::tcp_flag::{ACK, FIN, PSH, RST, SYN, URG};

/// Argus's TCP states, all of them, so that `next_state` reads as `ArgusTcp.c` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgusTcpState {
    Listen,
    SynSent,
    SynReceived,
    Established,
    // Matched in `next_state` as Argus matches them, though no transition here leads to them.
    #[allow(dead_code)]
    CloseWait,
    FinWait1,
    FinWait2,
    #[allow(dead_code)]
    LastAck,
    Closing,
    #[allow(dead_code)]
    TimeWait,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SideTrack {
    started: bool,
    /// Highest sequence number + payload seen from this side.
    seq: u32,
    /// Last acknowledgement from this side, minus one (as Argus keeps it).
    ack: u32,
    fin: bool,
}

const UNSTARTED: SideTrack = SideTrack { started: false, seq: 0, ack: 0, fin: false };

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgusTcpTracker {
    state: ArgusTcpState,
    sides: [SideTrack; 2],
}

/// What a TCP segment carries that the tracker uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub payload_len: u32,
}

impl ArgusTcpTracker {
    /// The state after a flow's first segment, sent by `sender`.
    pub fn first(sender: Side, segment: &Segment) -> ArgusTcpTracker {
        let mut sides = [UNSTARTED; 2];
        let (s, o) = (sender.index(), sender.other().index());
        let len = segment.payload_len;
        let flags = segment.flags;
        sides[s].started = true;
        let state = if flags & RST != 0 {
            sides[s].seq = if segment.seq != 0 { segment.seq.wrapping_add(len) } else { segment.ack.wrapping_sub(1) };
            sides[o].ack = segment.ack.wrapping_sub(1);
            ArgusTcpState::Listen
        } else {
            match flags & (SYN | ACK | FIN | PSH | URG) {
                SYN => {
                    sides[s].seq = segment.seq;
                    ArgusTcpState::SynSent
                }
                x if x == SYN | ACK || x == SYN | ACK | PSH || x == SYN | ACK | PSH | URG => {
                    sides[s].seq = segment.seq;
                    sides[o].ack = segment.ack.wrapping_sub(1);
                    ArgusTcpState::SynReceived
                }
                x if x & FIN != 0 && x & SYN == 0 && (x == FIN || x & ACK != 0) => {
                    sides[s].seq = segment.seq.wrapping_add(len);
                    ArgusTcpState::FinWait1
                }
                x => {
                    if x & ACK != 0 && x & (SYN | FIN) == 0 {
                        sides[o].ack = segment.ack.wrapping_sub(1);
                    }
                    sides[s].seq = segment.seq.wrapping_add(len);
                    ArgusTcpState::Established
                }
            }
        };
        ArgusTcpTracker { state, sides }
    }

    #[cfg(test)]
    pub fn state(&self) -> ArgusTcpState {
        self.state
    }

    /// Whether this segment would make Argus end the flow's record and start a new flow
    /// with it. Call before `update`.
    pub fn restarts(&self, sender: Side, segment: &Segment) -> bool {
        segment.flags == SYN && { *self }.next_state(sender, segment) == ArgusTcpState::Listen
    }

    /// Follows one more segment.
    pub fn update(&mut self, sender: Side, segment: &Segment) {
        let returned = self.next_state(sender, segment);
        // Argus never stores LISTEN once a connection is under way.
        if returned != ArgusTcpState::Listen {
            self.state = returned;
        }
    }

    /// Updates the sequence numbers and returns the state Argus's machine returns.
    fn next_state(&mut self, sender: Side, segment: &Segment) -> ArgusTcpState {
        let (s, o) = (sender.index(), sender.other().index());
        let flags = segment.flags;
        let len = segment.payload_len;
        if flags != SYN {
            let new_seq = segment.seq.wrapping_add(len);
            if !self.sides[s].started {
                self.sides[s].started = true;
                self.sides[s].seq = new_seq;
            } else if len > 0 && seq_after(new_seq, self.sides[s].seq) {
                self.sides[s].seq = new_seq;
            }
            if flags & ACK != 0 && segment.ack != 0 {
                self.sides[s].ack = segment.ack.wrapping_sub(1);
            }
        }
        let (src, dst) = (self.sides[s], self.sides[o]);
        let control = flags & (SYN | ACK | RST | FIN);
        if control & RST != 0 {
            return if self.state == ArgusTcpState::SynSent {
                if dst.seq == src.ack {
                    ArgusTcpState::Listen
                } else {
                    ArgusTcpState::Closing
                }
            } else {
                // Argus tests the reset against the window; a reset inside it closes.
                ArgusTcpState::Closed
            };
        }
        let syn_without_ack = control & SYN != 0 && control & ACK == 0;
        match self.state {
            ArgusTcpState::Listen | ArgusTcpState::SynSent => {
                if control == SYN {
                    self.state
                } else if control == SYN | ACK {
                    ArgusTcpState::SynReceived
                } else if control & FIN != 0 {
                    self.sides[s].fin = true;
                    ArgusTcpState::FinWait1
                } else if control & ACK != 0 {
                    ArgusTcpState::Established
                } else {
                    self.state
                }
            }
            ArgusTcpState::SynReceived => {
                if control & FIN != 0 {
                    self.sides[s].fin = true;
                    ArgusTcpState::FinWait1
                } else if control & SYN == 0 && control & ACK != 0 {
                    ArgusTcpState::Established
                } else {
                    self.state
                }
            }
            ArgusTcpState::Established => {
                if control & FIN != 0 {
                    self.sides[s].fin = true;
                    ArgusTcpState::FinWait1
                } else {
                    self.state
                }
            }
            ArgusTcpState::CloseWait | ArgusTcpState::FinWait1 if syn_without_ack => ArgusTcpState::Listen,
            ArgusTcpState::CloseWait | ArgusTcpState::FinWait1 | ArgusTcpState::LastAck | ArgusTcpState::FinWait2 => {
                if control & FIN != 0 && control & ACK != 0 {
                    self.sides[s].fin = true;
                }
                if control & ACK != 0 && len == 0 && dst.fin && dst.seq == src.ack {
                    ArgusTcpState::FinWait2
                } else {
                    self.state
                }
            }
            ArgusTcpState::Closing | ArgusTcpState::TimeWait => {
                if syn_without_ack {
                    ArgusTcpState::Listen
                } else if control & ACK != 0 && src.seq == src.ack && dst.seq == src.ack {
                    ArgusTcpState::Closed
                } else {
                    self.state
                }
            }
            ArgusTcpState::Closed => {
                if syn_without_ack {
                    ArgusTcpState::Listen
                } else {
                    self.state
                }
            }
        }
    }
}

/// Sequence comparison modulo 2³².
fn seq_after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(flags: u8, seq: u32, ack: u32, payload_len: u32) -> Segment {
        Segment { flags, seq, ack, payload_len }
    }

    /// Client A, server B; returns the tracker after a handshake and `body`.
    fn run(body: &[(Side, Segment)]) -> ArgusTcpTracker {
        let mut tracker = ArgusTcpTracker::first(Side::A, &segment(SYN, 1000, 0, 0));
        for (side, seg) in [(Side::B, segment(SYN | ACK, 5000, 1001, 0)), (Side::A, segment(ACK, 1001, 5001, 0))].iter().chain(body) {
            assert!(!tracker.restarts(*side, seg));
            tracker.update(*side, seg);
        }
        tracker
    }

    const NEW_SYN: Segment = Segment { flags: SYN, seq: 91000, ack: 0, payload_len: 0 };

    #[test]
    fn data_then_fin_fin_ack_continues_on_a_new_syn() {
        // As test-cc-capture-1's 147.32.80.37:51274 -> :443, which Argus keeps in one record.
        let tracker = run(&[
            (Side::A, segment(PSH | ACK, 1001, 5001, 100)),
            (Side::B, segment(PSH | ACK, 5001, 1101, 200)),
            (Side::A, segment(FIN | ACK, 1101, 5201, 0)),
            (Side::B, segment(FIN | ACK, 5201, 1102, 0)),
            (Side::A, segment(ACK, 1102, 5202, 0)),
        ]);
        assert_eq!(tracker.state(), ArgusTcpState::FinWait2);
        assert!(!tracker.restarts(Side::A, &NEW_SYN));
    }

    #[test]
    fn single_fin_reset_or_no_data_restart_on_a_new_syn() {
        let one_fin = run(&[(Side::A, segment(PSH | ACK, 1001, 5001, 100)), (Side::A, segment(FIN | ACK, 1101, 5001, 0))]);
        assert!(one_fin.restarts(Side::A, &NEW_SYN));
        let reset = run(&[(Side::A, segment(PSH | ACK, 1001, 5001, 100)), (Side::A, segment(RST | ACK, 1101, 5001, 0))]);
        assert!(reset.restarts(Side::A, &NEW_SYN));
        // Without data Argus's sequence numbers never reach the FIN's ACK.
        let no_data = run(&[(Side::A, segment(FIN | ACK, 1001, 5001, 0)), (Side::B, segment(FIN | ACK, 5001, 1002, 0)), (Side::A, segment(ACK, 1002, 5002, 0))]);
        assert!(no_data.restarts(Side::A, &NEW_SYN));
        // Only a bare SYN restarts.
        assert!(!no_data.restarts(Side::A, &Segment { flags: SYN | 0x40 | 0x80, ..NEW_SYN }));
    }

    #[test]
    fn refused_syn_retried_is_one_attempt() {
        let mut tracker = ArgusTcpTracker::first(Side::A, &segment(SYN, 100, 0, 0));
        tracker.update(Side::B, &segment(RST | ACK, 0, 101, 0));
        assert_eq!(tracker.state(), ArgusTcpState::SynSent);
        assert!(!tracker.restarts(Side::A, &segment(SYN, 100, 0, 0)));
        // A reset that does not acknowledge the SYN leaves Argus in CLOSING.
        let mut blind = ArgusTcpTracker::first(Side::A, &segment(SYN, 7, 0, 0));
        blind.update(Side::B, &segment(RST | ACK, 7, 7, 0));
        assert!(blind.restarts(Side::A, &segment(SYN, 7, 0, 0)));
    }

    #[test]
    fn established_syn_is_a_retransmission() {
        let tracker = run(&[(Side::A, segment(PSH | ACK, 1001, 5001, 10))]);
        assert_eq!(tracker.state(), ArgusTcpState::Established);
        assert!(!tracker.restarts(Side::A, &NEW_SYN));
    }
}
