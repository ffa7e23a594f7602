//! Zeek's view and Argus's view of the same connections agree once mapped.
//!
//! There is no zeek binary here, so each connection's Zeek record is written by hand from its
//! packets, as Zeek's documentation defines `conn_state` and `history`
//! (https://docs.zeek.org/en/master/scripts/base/protocols/conn/main.zeek.html): one history
//! letter per kind of packet per side, upper case for the originator, lower case for the
//! responder, in the order first seen (`s` SYN, `h` SYN-ACK, `a` pure ACK, `d` payload, `f`
//! FIN, `r` RST; `a` and `d` once per side, `s`, `h`, `f`, `r` again only with a new sequence
//! number; `^` when Zeek flips the roles, which its TCP analyzer does for a connection first
//! seen without a SYN when the sender's port is a likely server port and the receiver's is not).
//! The packets are those of test/fixtures/argus/edge-cases.pcap (written by
//! make-synthetic-pcaps.py, which lists them) and of two captures of the data folder (listed
//! below); the Argus records are argus 3.0.8's for the same packets, committed in
//! test/fixtures/argus/records/. The mapped state, flag unions, direction, ends and ports must
//! equal Argus's.

mod common;

use std::io::Cursor;

use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
use flowhound_core::record::{FlowRecord, Protocol};

const UTC: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: false, columns: flowhound_core::flowfile::ColumnRenames::NONE };

struct Case {
    what: &'static str,
    /// File under test/fixtures/argus/records/ and the line of Argus's record there.
    argus: (&'static str, usize),
    /// The Zeek record: ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, conn_state,
    /// history, orig_pkts, resp_pkts (space-separated; `-` unset).
    zeek: &'static str,
    /// Zeek groups the same packets as Argus's record (so packet counts compare).
    same_packets: bool,
    /// Zeek's originator is Argus's destination.
    reversed: bool,
}

const EDGE: &str = "edge-cases.csv";
const SSH: &str = "test19-malicious-ssh__malicious-ssh-bruteforce.csv";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // 10.1.3: S, SA, A, PA "GET /", PA "HTTP/1.0 200", FA, FA, A. Originator S, A, D, F;
    // responder h, d, f. Both closed: SF.
    Case { what: "handshake, data, FIN both ways", argus: (EDGE, 6), zeek: "1600000000.006000 10.1.3.2 4444 10.1.3.1 80 tcp SF ShADdFf 5 3", same_packets: true, reversed: false },
    // 10.1.6: S, S again with the same sequence number (one `S`). No reply: S0.
    Case { what: "SYN only, retransmitted", argus: (EDGE, 9), zeek: "1600000000.017000 10.1.6.2 7777 10.1.6.1 80 tcp S0 S 2 0", same_packets: true, reversed: false },
    // 10.1.5: S, RA. Rejected: REJ.
    Case { what: "SYN answered by a reset", argus: (EDGE, 8), zeek: "1600000000.015000 10.1.5.2 6666 10.1.5.1 80 tcp REJ Sr 1 1", same_packets: true, reversed: false },
    // 10.1.4: one R from 5555 to 80 (no flip: 5555 is no server port). Zeek's own btest
    // (conn_state-RST-behavior) logs a lone reset as `R`, OTH.
    Case { what: "a lone reset", argus: (EDGE, 7), zeek: "1600000000.014000 10.1.4.1 5555 10.1.4.2 80 tcp OTH R 1 0", same_packets: true, reversed: false },
    // 10.1.2: PA from port 80 first, then the client's A. No SYN and a likely server port
    // sending: Zeek flips (`^` first), the server's data is `d`, the client's ACK `A`. OTH.
    Case { what: "met midway, the server speaking first", argus: (EDGE, 5), zeek: "1600000000.004000 10.1.2.1 2222 10.1.2.2 80 tcp OTH ^dA 1 1", same_packets: true, reversed: false },
    // 2001:db8::7 → ::1: S, SA, nothing more. Neither side established: OTH.
    Case { what: "IPv6 SYN and SYN-ACK", argus: (EDGE, 103), zeek: "1600000000.140000 2001:db8::7 40000 2001:db8::1 443 tcp OTH Sh 1 1", same_packets: true, reversed: false },
    // 10.1.8: SA from port 80 first, then R from 5555. Zeek flips (80 is a likely server port,
    // 5555 is not), so its originator is 10.1.8.1; Argus keeps the SYN-ACK's sender as source.
    Case { what: "SYN-ACK first, then a reset (Zeek flips, Argus does not)", argus: (EDGE, 11), zeek: "1600000000.020000 10.1.8.1 5555 10.1.8.2 80 tcp RSTO ^hR 1 1", same_packets: true, reversed: true },
    // 10.3.2: a datagram each way: `D`, `d`, SF.
    Case { what: "UDP answered", argus: (EDGE, 41), zeek: "1600000000.065000 10.3.2.2 1000 10.3.2.1 2000 udp SF Dd 1 1", same_packets: true, reversed: false },
    // 10.3.1: one datagram: S0.
    Case { what: "UDP unanswered", argus: (EDGE, 40), zeek: "1600000000.064000 10.3.1.1 1000 10.3.1.2 2000 udp S0 D 1 0", same_packets: true, reversed: false },
    // 10.5.1: echo request (id 0x1234, seq 1), reply, request seq 2. Argus keys pings by id and
    // sequence (two records), Zeek by type pair (one connection: id.orig_p 8, id.resp_p 0).
    Case { what: "ping answered", argus: (EDGE, 52), zeek: "1600000000.086000 10.5.1.1 8 10.5.1.2 0 icmp OTH - 2 1", same_packets: false, reversed: false },
    // The second request of 10.5.1 alone, as an unanswered ping would be logged.
    Case { what: "ping unanswered", argus: (EDGE, 53), zeek: "1600000000.088000 10.5.1.1 8 10.5.1.2 0 icmp OTH - 1 0", same_packets: true, reversed: false },
    // 10.5.2: an echo reply alone. Zeek's originator is its sender (id.orig_p 0, id.resp_p 8);
    // Argus names it after the request: source the receiver, `<-`, ECR.
    Case { what: "a lone echo reply", argus: (EDGE, 54), zeek: "1600000000.089000 10.5.2.2 0 10.5.2.1 8 icmp OTH - 1 0", same_packets: true, reversed: false },
    // 10.6.3: port unreachable, type 3 code 3 (id.resp_p holds the code: no counterpart type).
    Case { what: "port unreachable", argus: (EDGE, 58), zeek: "1600000000.093000 10.6.3.1 3 10.6.3.2 3 icmp OTH - 1 0", same_packets: true, reversed: false },
    // 2001:db8::1 ↔ ::2: request, reply, request; Zeek's proto is `icmp` for ICMPv6 too.
    Case { what: "ICMPv6 ping answered", argus: (EDGE, 104), zeek: "1600000000.142000 2001:db8::1 128 2001:db8::2 129 icmp OTH - 2 1", same_packets: true, reversed: false },
    // pcaps/stratosphere/test19-malicious-ssh__malicious-ssh-bruteforce.pcap, 147.32.80.40:36679
    // → .37:902: S, SA, R (the reset answers the SYN-ACK). Established responder, originator
    // reset: RSTO.
    Case { what: "SYN, SYN-ACK, reset from the client", argus: (SSH, 2), zeek: "1774219636.918162 147.32.80.40 36679 147.32.80.37 902 tcp RSTO ShR 2 1", same_packets: true, reversed: false },
    // :59488: S, SA, A, PA(43 bytes, server), A, FA(client), A, FA(server), A. SF.
    Case { what: "server data, FIN both ways", argus: (SSH, 3), zeek: "1774219637.024458 147.32.80.40 59488 147.32.80.37 902 tcp SF ShAdFaf 5 4", same_packets: true, reversed: false },
    // :59658: S, SA, A, PA(server), FA(server), A, PA(client), R(server). RSTR.
    Case { what: "server closes, then resets after the client's data", argus: (SSH, 20), zeek: "1774219642.416268 147.32.80.40 59658 147.32.80.37 902 tcp RSTR ShAdfDr 4 4", same_packets: true, reversed: false },
    // :59770: S, SA, A, PA(client), A, PA(server), RA(server), A, R(server, same sequence
    // number as the RA: one `r`). RSTR.
    Case { what: "reset in mid-connection", argus: (SSH, 34), zeek: "1774219642.426306 147.32.80.40 59770 147.32.80.37 902 tcp RSTR ShADadr 4 5", same_packets: true, reversed: false },
    // pcaps/ndpi-malware/emotet.pcap, 10.4.25.101:49804 → 138.197.147.101:443: handshake, TLS
    // both ways, the server's FA, the client's FA then RA (17 packets, 10 from the client).
    // Originator reset after both FINs: RSTO.
    Case { what: "FIN both ways, then a reset from the client", argus: ("emotet.csv", 7), zeek: "1650905469.778844 10.4.25.101 49804 138.197.147.101 443 tcp RSTO ShADadfFR 10 7", same_packets: true, reversed: false },
];

fn argus_record(file: &str, line: usize) -> FlowRecord {
    let path = common::fixture("argus/records").join(file);
    let mut reader = FlowFileReader::open(&path, UTC).unwrap();
    let mut records = Vec::new();
    while reader.next_batch(1000, &mut records).unwrap() > 0 {}
    records.swap_remove(line - 2)
}

fn zeek_records() -> Vec<FlowRecord> {
    let mut text = String::from(
        "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\thistory\torig_pkts\tresp_pkts\n",
    );
    for case in CASES {
        text.push_str(&case.zeek.replace(' ', "\t"));
        text.push('\n');
    }
    let mut reader = FlowFileReader::from_read(Box::new(Cursor::new(text.into_bytes())), "cases.log", UTC).unwrap();
    let mut records = Vec::new();
    while reader.next_batch(1000, &mut records).unwrap() > 0 {}
    records
}

/// `S_RA` → `RA_S`.
fn reversed_state(state: &str) -> String {
    let (src, dst) = state.split_once('_').unwrap();
    format!("{dst}_{src}")
}

#[test]
fn mapped_zeek_records_agree_with_argus() {
    let zeek = zeek_records();
    assert_eq!(zeek.len(), CASES.len());
    for (case, zeek) in CASES.iter().zip(&zeek) {
        let argus = argus_record(case.argus.0, case.argus.1);
        let what = case.what;
        assert_eq!(zeek.start_us, argus.start_us, "{what}: not the same connection");
        assert_eq!(zeek.protocol, argus.protocol, "{what}");
        if case.reversed {
            assert_eq!((zeek.src_addr, zeek.dst_addr), (argus.dst_addr, argus.src_addr), "{what}");
            assert_eq!((zeek.src_port, zeek.dst_port), (argus.dst_port, argus.src_port), "{what}");
            assert_eq!(zeek.state, reversed_state(&argus.state), "{what}");
            assert_eq!((zeek.src_tcp_flags, zeek.dst_tcp_flags), (argus.dst_tcp_flags, argus.src_tcp_flags), "{what}");
        } else {
            assert_eq!((zeek.src_addr, zeek.dst_addr), (argus.src_addr, argus.dst_addr), "{what}");
            assert_eq!(zeek.src_port, argus.src_port, "{what}");
            if matches!(zeek.protocol, Protocol::Ip(6 | 17)) {
                assert_eq!(zeek.dst_port, argus.dst_port, "{what}");
            } else {
                assert_eq!(zeek.dst_port, None, "{what}: Zeek logs no echo id");
            }
            assert_eq!(zeek.state, argus.state, "{what}");
            assert_eq!((zeek.src_tcp_flags, zeek.dst_tcp_flags), (argus.src_tcp_flags, argus.dst_tcp_flags), "{what}");
        }
        assert_eq!(zeek.direction, argus.direction, "{what}");
        if case.same_packets {
            assert_eq!(zeek.total_pkts, argus.total_pkts, "{what}");
        }
    }
}
