//! TCP flag unions from Argus's `-Z b` State column (`FSPA_FSRPA`: source side, `_`,
//! destination side), so that flow-file records carry what packet-built records carry.
//!
//! The letters are those of ra(1) for `-Z b`: F fin, S syn, R reset, P push, A ack,
//! U urgent, `7` and `8` the two high bits (ECE, CWR); Argus 3.0.8 prints those two as `E`
//! and `C` (test/fixtures/argus/records/edge-cases.csv: a packet with every flag is
//! `FSRPAUEC_`).

use crate::packet::tcp_flag;

pub(super) fn flag_of_letter(letter: u8) -> Option<u8> {
    Some(match letter {
        b'F' => tcp_flag::FIN,
        b'S' => tcp_flag::SYN,
        b'R' => tcp_flag::RST,
        b'P' => tcp_flag::PSH,
        b'A' => tcp_flag::ACK,
        b'U' => tcp_flag::URG,
        b'7' | b'E' => tcp_flag::ECE,
        b'8' | b'C' => tcp_flag::CWR,
        _ => return None,
    })
}

fn flags_of_letters(letters: &[u8]) -> Option<u8> {
    letters.iter().try_fold(0u8, |flags, &letter| Some(flags | flag_of_letter(letter)?))
}

/// (source flags, destination flags), or `None` when the state says nothing of them (`CON`,
/// `RST`, … from Argus without `-Z b`, or `S0` from other tools).
///
/// Two states of Argus without `-Z b` do say it: `REQ`, a connection request (SYN) that got
/// no answer, and `ACC`, one that was accepted (SYN, then SYN-ACK). Stratosphere's files hold
/// both (test4-malicious.binetflow: 218 rows `tcp … REQ` of a telnet scan).
pub fn tcp_flags_from_state(state: &[u8]) -> Option<(u8, u8)> {
    let state = state.trim_ascii();
    match state {
        b"REQ" => return Some((tcp_flag::SYN, 0)),
        b"ACC" => return Some((tcp_flag::SYN, tcp_flag::SYN | tcp_flag::ACK)),
        _ => {}
    }
    let underscore = state.iter().position(|&b| b == b'_')?;
    let src = flags_of_letters(&state[..underscore])?;
    let dst = flags_of_letters(&state[underscore + 1..])?;
    Some((src, dst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tcp_flag::*;

    #[test]
    fn states_from_ctu13() {
        // capture20110816.binetflow row 2: FPA_FPA; row 1: A_PA
        assert_eq!(tcp_flags_from_state(b"FPA_FPA"), Some((FIN | PSH | ACK, FIN | PSH | ACK)));
        assert_eq!(tcp_flags_from_state(b"A_PA"), Some((ACK, PSH | ACK)));
        // A SYN never answered, and one answered by a reset.
        assert_eq!(tcp_flags_from_state(b"S_"), Some((SYN, 0)));
        assert_eq!(tcp_flags_from_state(b"S_RA"), Some((SYN, RST | ACK)));
        assert_eq!(tcp_flags_from_state(b"FSRPAU78_FSPA"), Some((0xff, FIN | SYN | PSH | ACK)));
        assert_eq!(tcp_flags_from_state(b"_"), Some((0, 0)));
        assert_eq!(tcp_flags_from_state(b"FSRPAUEC_"), Some((0xff, 0)));
    }

    #[test]
    fn argus_request_and_accepted_states_name_the_handshake() {
        assert_eq!(tcp_flags_from_state(b"REQ"), Some((SYN, 0)));
        assert_eq!(tcp_flags_from_state(b" ACC "), Some((SYN, SYN | ACK)));
    }

    #[test]
    fn other_states_give_nothing() {
        for state in [&b"CON"[..], b"INT", b"RST", b"S0", b"", b"FSPA", b"SX_A", b"S_A_A"] {
            assert_eq!(tcp_flags_from_state(state), None, "{:?}", String::from_utf8_lossy(state));
        }
    }
}
