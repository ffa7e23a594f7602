//! Zeek `conn.log` files, TSV or JSON, plain or gzip, read into the same [`FlowRecord`]s as
//! Argus flow files, with Argus's meanings.
//!
//! The reader tells them by their first line that is not blank: `#separator` or `#fields`
//! starts a TSV log (`tsv.rs`, IoT-23's variant included), `{` a JSON log (`json_log.rs`).
//!
//! | record field | from Zeek |
//! |---|---|
//! | `start_us` | `ts` (epoch seconds, ISO 8601 or JSON milliseconds: `time.rs`; a day before 1970 … 2100-01-01, checked by the reader: `time_range`) |
//! | `last_us` | `ts + duration`; `duration` unset → 0 |
//! | `protocol` | `proto`: tcp 6, udp 17, icmp 1 (58 when an address is IPv6), `unknown_transport` → `ip_proto` |
//! | `src_addr`, `dst_addr` | `id.orig_h`, `id.resp_h` (the originator is Argus's source); unset → unknown |
//! | `src_port`, `dst_port` | `id.orig_p`, `id.resp_p`; ICMP: `type << 8 \| code`, no id (Zeek's `id.orig_p` is the type, `id.resp_p` the code, or the counterpart type for query/reply types, whose code is 0); other protocols: none |
//! | `direction` | TCP: `->` when Zeek saw the SYN or SYN-ACK, else `<?>`, `?>`, `<?` by which sides sent; others: `<->` both sides sent, `->` the originator only, `<-` the responder only |
//! | `state`, `src_tcp_flags`, `dst_tcp_flags` | TCP: the flags each side sent from `history` (or `conn_state`), as Argus's `-Z b` string (`state.rs`); UDP and others: `CON`, `INT`, `RSP`; ICMP: Argus's names (`ECO`, `ECR`, `URP`, …) |
//! | `total_pkts`, `src_pkts` | `orig_pkts + resp_pkts`, `orig_pkts` (both unset → 0 and unknown) |
//! | `total_bytes`, `src_bytes` | `orig_ip_bytes + resp_ip_bytes`, `orig_ip_bytes` (IP bytes; Argus counts frames, 14 more a packet on Ethernet); unset, a side's payload bytes and its packets' IP and transport headers (no options) |
//! | `src_payload_bytes`, `dst_payload_bytes` | `orig_bytes`, `resp_bytes` when set |
//! | `src_tos`, `dst_tos` | unknown |
//! | `label` | Stratosphere's `label` and `detailed-label` (`label.rs`): `flow=From-Botnet-Zeek-Malicious-…`, `flow=From-Normal-Zeek-Benign-…`, `flow=Background-Zeek-…` |
//!
//! An ICMPv4 connection opened by a reply (echo reply, timestamp reply, …) is turned round, as
//! Argus orients query flows requester → responder: its source is the reply's receiver, `<-`.
//!
//! Unset (`-`, JSON `null` or a missing key) is accepted for every field but `ts` and `proto`;
//! empty (`(empty)`) is an empty string for text fields and an error for numbers and addresses.

mod conn;
mod json;
mod json_log;
mod label;
mod state;
mod time;
mod tsv;

pub use conn::ZeekField;
pub use json_log::parse_json_line;
pub use tsv::ZeekTsvParser;

/// The header lines Zeek's TSV writer puts between `#separator` and `#fields`.
const TSV_HEADERS_BEFORE_FIELDS: [&[u8]; 5] = [b"#set_separator", b"#empty_field", b"#unset_field", b"#path", b"#open"];

/// Which of Zeek's writers made a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeekFormat {
    Tsv,
    Json,
}

impl ZeekFormat {
    /// What the first line that is not blank says: a Zeek header line, a JSON object, or
    /// neither (an Argus or NetFlow header).
    pub fn of_first_line(line: &[u8]) -> Option<ZeekFormat> {
        // Zeek writes `#separator` first; a log whose first lines were dropped (by a tool that
        // keeps only some of the header) starts with another of its header lines, tab-separated.
        let other_header = TSV_HEADERS_BEFORE_FIELDS.iter().any(|name| line.strip_prefix(*name).is_some_and(|rest| rest.starts_with(b"\t")));
        if line.starts_with(b"#separator") || line.starts_with(b"#fields") || other_header {
            Some(ZeekFormat::Tsv)
        } else if line.trim_ascii_start().starts_with(b"{") {
            Some(ZeekFormat::Json)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_lines() {
        // Line 1 of every file in data/zeek/.
        assert_eq!(ZeekFormat::of_first_line(b"#separator \\x09"), Some(ZeekFormat::Tsv));
        assert_eq!(ZeekFormat::of_first_line(b"#fields\tts\tuid"), Some(ZeekFormat::Tsv));
        assert_eq!(ZeekFormat::of_first_line(br#"{"ts":1545403816.962094,"uid":"C"}"#), Some(ZeekFormat::Json));
        assert_eq!(ZeekFormat::of_first_line(b"  {\"ts\":1}"), Some(ZeekFormat::Json));
        assert_eq!(ZeekFormat::of_first_line(b"StartTime,Dur,Proto"), None);
        assert_eq!(ZeekFormat::of_first_line(b"#types\ttime"), None);
        // A log without its #separator line (the tab is Zeek's default).
        assert_eq!(ZeekFormat::of_first_line(b"#set_separator\t,"), Some(ZeekFormat::Tsv));
        assert_eq!(ZeekFormat::of_first_line(b"#path\tconn"), Some(ZeekFormat::Tsv));
        assert_eq!(ZeekFormat::of_first_line(b"#pathology,x"), None);
    }
}
