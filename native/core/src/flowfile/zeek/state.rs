//! Zeek's `history` and `conn_state` in Argus's vocabulary: the TCP flag unions of each side,
//! whether the connection was opened by a handshake Zeek saw (Argus then prints `->`), and
//! which sides sent anything.
//!
//! `history` (Zeek's `base/protocols/conn/main.zeek`) is a string of letters in the order the
//! events were first seen, upper case for the originator, lower case for the responder. The
//! TCP analyzer adds at most one letter per packet: `S` a SYN without ACK, `H` a SYN-ACK,
//! `F` a FIN, `R` a RST (a packet with exactly one of SYN, FIN, RST), `I` FIN and RST together,
//! `Q` SYN with FIN or RST, else `D` a packet with payload, else `A` a pure ACK; besides those,
//! `C` a bad checksum, `T` retransmitted payload, `W` a zero window, `G` a content gap, `X`
//! analysis cut short, and `^` where Zeek flipped the roles. `^` is appended when the flip
//! happens and the letters before it are not re-cased, so a letter's side is toggled by every
//! `^` after it.
//!
//! | letter | flags of that side |
//! |---|---|
//! | `S` | SYN |
//! | `H` | SYN, ACK |
//! | `A` | ACK |
//! | `D`, `T` | PSH, ACK (a data segment after the handshake carries ACK; PSH ends a write) |
//! | `W` | ACK (a window is only advertised with ACK) |
//! | `F` | FIN, and ACK once the other side has sent anything (stacks send FIN-ACK) |
//! | `R` | RST, and ACK when it answers a bare SYN (RFC 793 §3.4: a reset answering a segment without ACK carries ACK; one answering a segment with ACK does not) |
//! | `I` | FIN, RST |
//! | `Q` | SYN |
//! | `C`, `G`, `X`, `^`, others | none |
//!
//! When `history` is unset or holds no flag letter (IoT-23's bad-checksum flood rows are `C`),
//! `conn_state` gives the flags, as Zeek defines each state:
//!
//! | conn_state | Zeek's meaning | Argus state |
//! |---|---|---|
//! | `S0` | attempt seen, no reply | `S_` |
//! | `S1` | established, not terminated | `SA_SA` |
//! | `SF` | established and terminated | `FSA_FSA` |
//! | `REJ` | attempt rejected | `S_RA` |
//! | `S2` | established, originator's close only | `FSA_SA` |
//! | `S3` | established, responder's close only | `SA_FSA` |
//! | `RSTO` | established, originator aborted | `SRA_SA` |
//! | `RSTR` | responder sent a RST | `SA_SRA` |
//! | `RSTOS0` | originator SYN then RST, no SYN-ACK | `SR_` |
//! | `RSTRH` | responder SYN-ACK then RST, no SYN | `_SRA` |
//! | `SH` | originator SYN then FIN, no SYN-ACK | `FS_` |
//! | `SHR` | responder SYN-ACK then FIN, no SYN | `_FSA` |
//! | `OTH`, unset, other | midstream, nothing known | `_` |
//!
//! Which sides sent: packet counts when set, else a letter of that side in `history`, else
//! the `conn_state`; a connection with no sign of either side is taken as sent by its
//! originator (Zeek logs a connection because a packet arrived).

use crate::packet::tcp_flag::{ACK, FIN, PSH, RST, SYN};

/// What `history` and `conn_state` say of a TCP connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpView {
    /// Flag unions of the originator and the responder.
    pub orig_flags: u8,
    pub resp_flags: u8,
    /// The first segment Zeek saw was a SYN or a SYN-ACK: Argus's direction is certain (`->`).
    pub opened_by_handshake: bool,
}

/// Which sides sent packets, as far as the log tells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SidesSeen {
    pub orig: bool,
    pub resp: bool,
}

const ORIG: usize = 0;
const RESP: usize = 1;

/// Each letter of `history` with the side it belongs to, `^` toggles applied.
fn letters(history: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut flips_after = history.iter().filter(|&&b| b == b'^').count();
    history.iter().filter_map(move |&byte| {
        if byte == b'^' {
            flips_after -= 1;
            return None;
        }
        if !byte.is_ascii_alphabetic() {
            return None;
        }
        let written_side = if byte.is_ascii_uppercase() { ORIG } else { RESP };
        let side = if flips_after % 2 == 1 { 1 - written_side } else { written_side };
        Some((side, byte.to_ascii_uppercase()))
    })
}

/// Flags from the letters of `history`; `None` when it names no flag at all.
fn view_of_history(history: &[u8]) -> Option<TcpView> {
    let mut flags = [0u8; 2];
    let mut spoke = [false; 2];
    let mut last_flag_letter: [Option<u8>; 2] = [None, None];
    let mut first_flag_letter = None;
    for (side, letter) in letters(history) {
        let other = 1 - side;
        let bits = match letter {
            b'S' | b'Q' => SYN,
            b'H' => SYN | ACK,
            b'A' | b'W' => ACK,
            b'D' | b'T' => PSH | ACK,
            b'F' if spoke[other] => FIN | ACK,
            b'F' => FIN,
            b'R' if last_flag_letter[other] == Some(b'S') => RST | ACK,
            b'R' => RST,
            b'I' => FIN | RST,
            _ => 0,
        };
        spoke[side] = true;
        if bits != 0 {
            flags[side] |= bits;
            last_flag_letter[side] = Some(letter);
            first_flag_letter.get_or_insert(letter);
        }
    }
    first_flag_letter.map(|first| TcpView {
        orig_flags: flags[ORIG],
        resp_flags: flags[RESP],
        opened_by_handshake: matches!(first, b'S' | b'H'),
    })
}

/// Flags from `conn_state` alone (the table in the module's documentation).
fn view_of_conn_state(conn_state: &[u8]) -> TcpView {
    let (orig_flags, resp_flags) = match conn_state {
        b"S0" => (SYN, 0),
        b"S1" => (SYN | ACK, SYN | ACK),
        b"SF" => (FIN | SYN | ACK, FIN | SYN | ACK),
        b"REJ" => (SYN, RST | ACK),
        b"S2" => (FIN | SYN | ACK, SYN | ACK),
        b"S3" => (SYN | ACK, FIN | SYN | ACK),
        b"RSTO" => (SYN | RST | ACK, SYN | ACK),
        b"RSTR" => (SYN | ACK, SYN | RST | ACK),
        b"RSTOS0" => (SYN | RST, 0),
        b"RSTRH" => (0, SYN | RST | ACK),
        b"SH" => (FIN | SYN, 0),
        b"SHR" => (0, FIN | SYN | ACK),
        _ => return TcpView::default(),
    };
    TcpView { orig_flags, resp_flags, opened_by_handshake: true }
}

/// The TCP view of a connection from its `history` and `conn_state` (either may be unset).
pub fn tcp_view(history: Option<&[u8]>, conn_state: Option<&[u8]>) -> TcpView {
    history.and_then(view_of_history).unwrap_or_else(|| conn_state.map(view_of_conn_state).unwrap_or_default())
}

/// Which sides sent, from packet counts (when Zeek logged them), `history` and `conn_state`.
pub fn sides_seen(
    orig_pkts: Option<u64>,
    resp_pkts: Option<u64>,
    history: Option<&[u8]>,
    conn_state: Option<&[u8]>,
) -> SidesSeen {
    let mut seen = SidesSeen { orig: orig_pkts.unwrap_or(0) > 0, resp: resp_pkts.unwrap_or(0) > 0 };
    // Zeek's size analyzer skips packets with bad checksums: IoT-23's flood rows count 0
    // packets, yet `C` in the history shows the originator sent.
    for (side, _) in letters(history.unwrap_or_default()) {
        if side == ORIG {
            seen.orig = true;
        } else {
            seen.resp = true;
        }
    }
    if orig_pkts.is_none() && resp_pkts.is_none() && history.is_none() {
        match conn_state.unwrap_or_default() {
            b"S0" | b"SH" | b"RSTOS0" => seen.orig = true,
            b"SHR" | b"RSTRH" => seen.resp = true,
            b"S1" | b"SF" | b"REJ" | b"S2" | b"S3" | b"RSTO" | b"RSTR" => {
                seen.orig = true;
                seen.resp = true;
            }
            _ => {}
        }
    }
    if !seen.orig && !seen.resp {
        seen.orig = true;
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::state_string;

    fn state(history: &str) -> String {
        let view = tcp_view(Some(history.as_bytes()), None);
        state_string(view.orig_flags, view.resp_flags)
    }

    #[test]
    fn histories_of_the_real_files() {
        // The most frequent (conn_state, history) pairs of the four files in data/zeek/.
        assert_eq!(state("S"), "S_"); // S0, 3,818 rows of CTU-Normal-40
        assert_eq!(state("ShADadFf"), "FSPA_FSPA"); // SF
        assert_eq!(state("ShADdcaFf"), "FSPA_FSPA"); // SF, with a bad checksum from the responder
        assert_eq!(state("ShADadCFfR"), "FSRPA_FSPA"); // SF, a RST after the close
        assert_eq!(state("ShADdar"), "SPA_SRPA"); // RSTR
        assert_eq!(state("DdA"), "PA_PA"); // OTH: met midway
        assert_eq!(state("h"), "_SA"); // OTH: a lone SYN-ACK
        assert_eq!(state("hADdafF"), "FPA_FSPA"); // SF seen from the SYN-ACK on
        assert_eq!(state("ShAdDaf"), "SPA_FSPA"); // S3, IoT-23's C&C rows
        assert_eq!(state("ShAdfDr"), "SPA_FSRPA"); // RSTR, IoT-23
        assert_eq!(state("ShAdDaft"), "SPA_FSPA"); // a retransmission adds nothing new
    }

    #[test]
    fn ack_on_fin_and_rst_follows_what_stacks_send() {
        assert_eq!(state("Sr"), "S_RA"); // REJ: the reset answers a bare SYN
        assert_eq!(state("ShR"), "SR_SA"); // the reset answers a SYN-ACK: no ACK
        assert_eq!(state("R"), "R_"); // a lone reset (Zeek's btest: "R, OTH")
        assert_eq!(state("SR"), "SR_"); // RSTOS0
        assert_eq!(state("SF"), "FS_"); // SH: FIN before anyone answered
        assert_eq!(state("F"), "F_");
        assert_eq!(state("Sf"), "S_FA"); // the responder answered with a FIN
        assert_eq!(state("I"), "FR_");
        assert_eq!(state("Q"), "S_");
        assert_eq!(state("W"), "A_");
    }

    #[test]
    fn flips_toggle_the_letters_before_them() {
        // A SYN-ACK from a likely server port first: Zeek flips at once, so `^` comes first
        // and every letter is already in the final roles.
        assert_eq!(state("^hR"), "R_SA");
        assert_eq!(state("^dA"), "A_PA");
        // A flip after letters: those before it were written for the other roles.
        assert_eq!(state("D^d"), "_PA"); // both letters from the host that ends up responder
        assert_eq!(state("Dd^"), "PA_PA");
        assert_eq!(state("A^h"), "_SA");
        assert_eq!(state("Ah^^"), "A_SA");
        let view = tcp_view(Some(b"^hADad"), None);
        assert!(view.opened_by_handshake);
        let view = tcp_view(Some(b"^dA"), None);
        assert!(!view.opened_by_handshake);
    }

    #[test]
    fn no_flag_letter_falls_back_on_conn_state() {
        // IoT-23's DDoS rows: history `C`, conn_state OTH, 0 packets.
        assert_eq!(tcp_view(Some(b"C"), Some(b"OTH")), TcpView::default());
        assert_eq!(
            tcp_view(Some(b"CCCC"), Some(b"S0")),
            TcpView { orig_flags: SYN, resp_flags: 0, opened_by_handshake: true }
        );
        let expected = [
            ("S0", "S_"),
            ("S1", "SA_SA"),
            ("SF", "FSA_FSA"),
            ("REJ", "S_RA"),
            ("S2", "FSA_SA"),
            ("S3", "SA_FSA"),
            ("RSTO", "SRA_SA"),
            ("RSTR", "SA_SRA"),
            ("RSTOS0", "SR_"),
            ("RSTRH", "_SRA"),
            ("SH", "FS_"),
            ("SHR", "_FSA"),
            ("OTH", "_"),
            ("XYZ", "_"),
        ];
        for (conn_state, argus) in expected {
            let view = tcp_view(None, Some(conn_state.as_bytes()));
            assert_eq!(state_string(view.orig_flags, view.resp_flags), argus, "{conn_state}");
            assert_eq!(view.opened_by_handshake, !matches!(conn_state, "OTH" | "XYZ"), "{conn_state}");
        }
        assert_eq!(tcp_view(None, None), TcpView::default());
        // A history with flag letters wins over the state.
        assert_eq!(tcp_view(Some(b"S"), Some(b"SF")).resp_flags, 0);
    }

    #[test]
    fn sides_from_packets_history_and_state() {
        let sides = |o, r, h: Option<&str>, c: Option<&str>| {
            let s = sides_seen(o, r, h.map(str::as_bytes), c.map(str::as_bytes));
            (s.orig, s.resp)
        };
        assert_eq!(sides(Some(3), Some(0), Some("S"), Some("S0")), (true, false));
        assert_eq!(sides(Some(1), Some(1), Some("Dd"), Some("SF")), (true, true));
        // IoT-23 flood row: 0 packets, history C.
        assert_eq!(sides(Some(0), Some(0), Some("C"), Some("OTH")), (true, false));
        assert_eq!(sides(Some(0), Some(0), Some("^d"), None), (false, true));
        // CTU-Normal-42 ICMP row: history unset, packets counted.
        assert_eq!(sides(Some(2), Some(0), None, Some("OTH")), (true, false));
        // Nothing but the state.
        assert_eq!(sides(None, None, None, Some("SHR")), (false, true));
        assert_eq!(sides(None, None, None, Some("SF")), (true, true));
        assert_eq!(sides(None, None, None, Some("S0")), (true, false));
        assert_eq!(sides(None, None, None, None), (true, false));
        assert_eq!(sides(Some(0), Some(0), None, Some("OTH")), (true, false));
    }
}
