//! TCP as Argus 3.0.8 follows it: the `-Z b` state string, who the initiator is when the
//! handshake was not seen, and the coarse connection phase that tells when a handshake seen
//! from its SYN-ACK completes. (When a reused 5-tuple starts a new record is decided in
//! whole-capture mode by `argus_tcp`, which follows sequence numbers.)
//!
//! Learnt from argus's `ArgusTcp.c` and from probes against the argus 3.0.8 binary
//! (`test/fixtures/argus/README.md` lists them).

use crate::packet::tcp_flag::{ACK, CWR, ECE, FIN, PSH, RST, SYN, URG};

/// Argus's letter order for `-Z b`: `FSRPAUEC`.
const LETTERS: [(u8, char); 8] =
    [(FIN, 'F'), (SYN, 'S'), (RST, 'R'), (PSH, 'P'), (ACK, 'A'), (URG, 'U'), (ECE, 'E'), (CWR, 'C')];

pub fn push_flag_letters(flags: u8, out: &mut String) {
    for (bit, letter) in LETTERS {
        if flags & bit != 0 {
            out.push(letter);
        }
    }
}

/// `SRC_DST`: the union of flags each side sent, e.g. `S_RA`, `FSPA_FSPA`, `_FSPA`.
pub fn state_string(src_flags: u8, dst_flags: u8) -> String {
    let mut state = String::with_capacity(17);
    write_state(src_flags, dst_flags, &mut state);
    state
}

/// `state_string` into `out`, replacing what it held: no allocation once `out` has room for
/// the 17 letters at most.
pub fn write_state(src_flags: u8, dst_flags: u8, out: &mut String) {
    out.clear();
    push_flag_letters(src_flags, out);
    out.push('_');
    push_flag_letters(dst_flags, out);
}

/// TCP ports ≥ 1024 listed in netbase 6.4's /etc/services: argus 3.0.8 treats these, and
/// every port below 1024, as service ports when it guesses the direction of a connection
/// whose handshake it did not see.
const REGISTERED_SERVICE_PORTS: [u16; 132] = [
    1080, 1093, 1094, 1099, 1127, 1178, 1194, 1236, 1313, 1314, 1352, 1433, 1524, 1645, 1646, 1649, 1677, 1812, 1813,
    2000, 2049, 2086, 2101, 2119, 2121, 2135, 2401, 2430, 2431, 2432, 2433, 2583, 2600, 2601, 2602, 2603, 2604, 2605,
    2606, 2607, 2608, 2628, 2792, 2811, 2947, 3050, 3205, 3260, 3306, 3389, 3493, 3632, 3689, 3690, 4031, 4094, 4190,
    4353, 4369, 4373, 4460, 4557, 4559, 4691, 4899, 4949, 5060, 5061, 5222, 5269, 5308, 5432, 5556, 5666, 5667, 5671,
    5672, 5680, 6000, 6001, 6002, 6003, 6004, 6005, 6006, 6007, 6346, 6347, 6379, 6444, 6445, 6446, 6514, 6566, 6667,
    6697, 7000, 7100, 8021, 8080, 8081, 8088, 8140, 8990, 9098, 9101, 9102, 9103, 9418, 9667, 9673, 10000, 10050,
    10051, 10080, 10081, 10082, 10083, 10809, 11112, 11371, 17004, 17500, 22125, 22128, 22273, 24554, 27374, 30865,
    57000, 60177, 60179,
];

pub fn is_service_port(port: u16) -> bool {
    port < 1024 || REGISTERED_SERVICE_PORTS.binary_search(&port).is_ok()
}

/// For a connection first seen without its SYN: whether the sender of that first packet is
/// the server, i.e. the initiator is the receiver. Argus 3.0.8's rule, found by probing: the
/// sender's port is a service port and the receiver's is not, or both are and the sender's
/// is lower (`80 → 443` is reversed, `443 → 80` is not).
pub fn first_sender_is_server(src_port: u16, dst_port: u16) -> bool {
    is_service_port(src_port) && (!is_service_port(dst_port) || src_port < dst_port)
}

/// Who a connection first seen without its handshake is named after (its direction is then
/// uncertain: Argus prints it with a `?`). Argus versions differ here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UncertainDirection {
    /// The sender of the first packet seen, as the Argus that wrote CTU-13's flows did: its
    /// records keep a sender on a service port as the source (scenario 6 has 878 `?>`
    /// records from a port below 1024 to one above, the source alone sending, and no record
    /// turned round).
    #[default]
    FirstSender,
    /// Argus 3.0.8's guess (`first_sender_is_server`): a first sender on the service port
    /// is the server, so the receiver is named the initiator.
    ServicePort,
}

impl UncertainDirection {
    pub const ALL: [UncertainDirection; 2] = [UncertainDirection::FirstSender, UncertainDirection::ServicePort];

    /// The name options give it (`--uncertain-direction`, `uncertainDirection`).
    pub fn name(self) -> &'static str {
        match self {
            UncertainDirection::FirstSender => "first-sender",
            UncertainDirection::ServicePort => "service-port",
        }
    }

    pub fn from_name(name: &str) -> Option<UncertainDirection> {
        Self::ALL.into_iter().find(|direction| direction.name() == name)
    }
}

/// Argus's TCP states, folded to what changes a flow record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TcpPhase {
    /// The first packet carried RST.
    Listen = 0,
    SynSent = 1,
    SynReceived = 2,
    Established = 3,
    /// A FIN was seen (FIN_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT).
    Closing = 4,
    /// Reset after the handshake.
    Closed = 5,
}

impl TcpPhase {
    pub fn from_bits(bits: u8) -> TcpPhase {
        match bits {
            0 => TcpPhase::Listen,
            1 => TcpPhase::SynSent,
            2 => TcpPhase::SynReceived,
            3 => TcpPhase::Established,
            4 => TcpPhase::Closing,
            _ => TcpPhase::Closed,
        }
    }
}

/// What the first packet of a flow tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpStart {
    pub phase: TcpPhase,
    /// The handshake was not seen: Argus prints the direction with a `?`.
    pub uncertain: bool,
    /// The initiator is the receiver of the first packet.
    pub initiator_is_receiver: bool,
    /// The first packet was a SYN-ACK: if the handshake then completes, the SYN-ACK's
    /// receiver becomes the initiator.
    pub synack_first: bool,
}

pub fn start(flags: u8, src_port: u16, dst_port: u16, direction: UncertainDirection) -> TcpStart {
    let handshake_bits = flags & (SYN | ACK | FIN | PSH | URG);
    let (phase, uncertain, synack_first) = if flags & RST != 0 {
        (TcpPhase::Listen, true, false)
    } else if handshake_bits == SYN {
        (TcpPhase::SynSent, false, false)
    } else if matches!(handshake_bits, x if x == SYN | ACK || x == SYN | ACK | PSH || x == SYN | ACK | PSH | URG) {
        (TcpPhase::SynReceived, false, true)
    } else if handshake_bits & FIN != 0 && handshake_bits & SYN == 0 {
        (TcpPhase::Closing, true, false)
    } else {
        (TcpPhase::Established, true, false)
    };
    let initiator_is_receiver =
        uncertain && direction == UncertainDirection::ServicePort && first_sender_is_server(src_port, dst_port);
    TcpStart { phase, uncertain, initiator_is_receiver, synack_first }
}

/// The effect of one more packet on a flow's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpStep {
    pub phase: TcpPhase,
    /// SYN_RECEIVED was left by an ACK or FIN: the handshake completed.
    pub completes_handshake: bool,
}

pub fn step(phase: TcpPhase, flags: u8) -> TcpStep {
    let unchanged = TcpStep { phase, completes_handshake: false };
    if flags & RST != 0 {
        // A reset answering a SYN leaves Argus in SYN_SENT (a retried SYN continues the
        // flow); any other reset closes the connection.
        let phase = if phase == TcpPhase::SynSent { phase } else { TcpPhase::Closed };
        return TcpStep { phase, ..unchanged };
    }
    let control = flags & (SYN | ACK | FIN);
    match phase {
        TcpPhase::Listen | TcpPhase::SynSent => {
            let phase = if control == SYN | ACK {
                TcpPhase::SynReceived
            } else if control & SYN != 0 {
                phase
            } else if control & FIN != 0 {
                TcpPhase::Closing
            } else if control & ACK != 0 {
                TcpPhase::Established
            } else {
                phase
            };
            TcpStep { phase, ..unchanged }
        }
        TcpPhase::SynReceived => {
            if control & FIN != 0 {
                TcpStep { phase: TcpPhase::Closing, completes_handshake: true }
            } else if control & SYN == 0 && control & ACK != 0 {
                TcpStep { phase: TcpPhase::Established, completes_handshake: true }
            } else {
                unchanged
            }
        }
        TcpPhase::Established if control & FIN != 0 => TcpStep { phase: TcpPhase::Closing, ..unchanged },
        _ => unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_are_named_as_options_name_them() {
        for direction in UncertainDirection::ALL {
            assert_eq!(UncertainDirection::from_name(direction.name()), Some(direction));
        }
        assert_eq!(UncertainDirection::default().name(), "first-sender");
        assert_eq!(UncertainDirection::from_name("server"), None);
    }

    #[test]
    fn state_strings_follow_argus_letter_order() {
        assert_eq!(state_string(SYN, RST | ACK), "S_RA");
        assert_eq!(state_string(FIN | SYN | PSH | ACK, ACK | PSH | SYN | FIN), "FSPA_FSPA");
        assert_eq!(state_string(0, FIN | SYN | PSH | ACK), "_FSPA");
        assert_eq!(state_string(0xff, 0), "FSRPAUEC_");
        assert_eq!(state_string(SYN | URG | ECE, SYN | CWR), "SUE_SC");
    }

    #[test]
    fn service_ports_decide_the_unseen_handshake() {
        // Cases probed with argus 3.0.8 (lone ACK from the first port to the second).
        for (src, dst) in [(80, 9999), (80, 443), (1023, 1024), (0, 5), (2000, 3000), (2000, 1030), (22, 8080), (1022, 1023)] {
            assert!(first_sender_is_server(src, dst), "{src} -> {dst}");
        }
        for (src, dst) in [(443, 80), (1024, 1025), (1024, 1023), (80, 80), (5, 0), (3000, 2000), (40000, 50000), (9999, 80), (1500, 1600), (65535, 1)] {
            assert!(!first_sender_is_server(src, dst), "{src} -> {dst}");
        }
        assert!(REGISTERED_SERVICE_PORTS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn first_packet_sets_certainty_and_phase() {
        let argus_3_0_8 = UncertainDirection::ServicePort;
        assert_eq!(
            start(SYN, 5555, 80, argus_3_0_8),
            TcpStart { phase: TcpPhase::SynSent, uncertain: false, initiator_is_receiver: false, synack_first: false }
        );
        assert!(!start(SYN | CWR, 5555, 80, argus_3_0_8).uncertain);
        let synack = start(SYN | ACK, 80, 5555, argus_3_0_8);
        assert!(synack.synack_first && !synack.uncertain && !synack.initiator_is_receiver);
        // SYN with URG is no handshake for Argus.
        assert!(start(SYN | URG | ECE, 5555, 80, argus_3_0_8).uncertain);
        let ack_from_server = start(ACK, 80, 9999, argus_3_0_8);
        assert!(ack_from_server.uncertain && ack_from_server.initiator_is_receiver);
        assert_eq!(start(RST, 80, 5555, argus_3_0_8).phase, TcpPhase::Listen);
        assert!(start(RST, 80, 5555, argus_3_0_8).initiator_is_receiver);
        assert_eq!(start(FIN | ACK, 80, 5555, argus_3_0_8).phase, TcpPhase::Closing);
    }

    #[test]
    fn the_first_sender_stays_the_initiator_unless_told_to_guess_from_ports() {
        // CTU-13's `199.59.164.114:80 ?> 147.32.86.21:3609 A_R`: an ACK from port 80, a reset back.
        for flags in [ACK, RST, FIN | ACK, PSH | ACK] {
            let first_sender = start(flags, 80, 3609, UncertainDirection::FirstSender);
            assert!(first_sender.uncertain && !first_sender.initiator_is_receiver, "{flags:#x}");
            assert!(start(flags, 80, 3609, UncertainDirection::ServicePort).initiator_is_receiver, "{flags:#x}");
        }
        // A handshake seen decides it the same way under both.
        for direction in [UncertainDirection::FirstSender, UncertainDirection::ServicePort] {
            assert!(!start(SYN, 80, 3609, direction).initiator_is_receiver);
            assert!(!start(SYN | ACK, 80, 3609, direction).initiator_is_receiver);
        }
        assert_eq!(UncertainDirection::default(), UncertainDirection::FirstSender);
    }

    #[test]
    fn synack_then_ack_completes_the_handshake() {
        let after = step(TcpPhase::SynReceived, ACK);
        assert_eq!(after, TcpStep { phase: TcpPhase::Established, completes_handshake: true });
        assert!(step(TcpPhase::SynReceived, FIN | ACK).completes_handshake);
        assert!(!step(TcpPhase::SynReceived, SYN | ACK).completes_handshake);
        assert!(!step(TcpPhase::SynReceived, RST).completes_handshake);
    }

    #[test]
    fn phases_follow_fin_and_reset() {
        let mut phase = TcpPhase::SynSent;
        for flags in [SYN | ACK, ACK, FIN | ACK] {
            phase = step(phase, flags).phase;
        }
        assert_eq!(phase, TcpPhase::Closing);
        // A reset answering a SYN keeps SYN_SENT; any other closes.
        assert_eq!(step(TcpPhase::SynSent, RST | ACK).phase, TcpPhase::SynSent);
        assert_eq!(step(TcpPhase::Established, RST).phase, TcpPhase::Closed);
        assert_eq!(step(TcpPhase::Established, SYN).phase, TcpPhase::Established);
    }
}
