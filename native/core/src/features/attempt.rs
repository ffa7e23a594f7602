//! What a flow that a host initiated says about the host: whether it was an *attempt* (a
//! connection or a request that the other end can answer) and whether the attempt failed.
//! Every evidence feature counts attempts, so this is where "failed" is defined, once.
//!
//! - TCP: an attempt. It failed when the initiator sent SYN and the responder never answered
//!   with SYN-ACK (silence, or a reset: the port is closed) nor sent data. A connection that
//!   was accepted and later reset did not fail: many servers close that way. A piece of a connection
//!   opened in an earlier window (no SYN here) is an attempt that did not fail.
//! - UDP: an attempt; it failed when the responder sent nothing back. A flow *from* a service
//!   port (below 1024) *to* an unregistered one (1024 and up) is no attempt: it is a service's
//!   answers whose request the capture missed, and the flow meter took the first packet it saw
//!   for the request (an SNMP agent's 5,270 replies in one second to a manager's walk, a DNS
//!   server's answers). The asker is the other end.
//! - ICMP and ICMPv6: requests (echo, timestamp, information, address mask) are attempts
//!   that fail unanswered; errors (unreachable, redirect, time exceeded) and replies are
//!   answers to someone else's packet, never attempts.
//! - Anything else (ARP, IGMP, GRE, ESP, …) is not an attempt, nor is a packet to a group
//!   (multicast, broadcast: SSDP, mDNS, NetBIOS announcements), which no one answers as such.

use crate::packet::tcp_flag;
use crate::record::{Address, FlowRecord};

use super::traffic_class::Transport;

/// An initiated flow seen as an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub transport: Transport,
    pub failed: bool,
    /// TCP: the initiator sent SYN here, so the flow opened a connection in this window.
    pub opened: bool,
    /// Packets the initiator sent: the record's own count, or, where a flow file has none,
    /// estimated from its share of the bytes.
    pub src_pkts: u64,
}

/// ICMP states (Argus's names, which flowhound's engine and flow files share) of a request.
const ICMP_REQUEST_STATES: [&str; 4] = ["ECO", "TST", "IRQ", "MAS"];

/// The flow as an attempt by its initiator, or `None` when it is not one.
pub fn attempt_of(record: &FlowRecord) -> Option<Attempt> {
    if is_group_address(&record.dst_addr, &record.src_addr) {
        return None;
    }
    let transport = Transport::of(record);
    let answered = record.dst_bytes() > 0;
    let (failed, opened) = match transport {
        Transport::Tcp => {
            let opened = record.src_tcp_flags & tcp_flag::SYN != 0;
            let accepted = record.dst_tcp_flags & (tcp_flag::SYN | tcp_flag::ACK) == tcp_flag::SYN | tcp_flag::ACK;
            // A responder that pushed data was talking, whether or not its SYN-ACK was seen
            // (a capture that missed it: Zeek's `SADadF`).
            let responded = record.dst_tcp_flags & tcp_flag::PSH != 0 || record.dst_payload_bytes.is_some_and(|bytes| bytes > 0);
            (opened && !accepted && !responded, opened)
        }
        Transport::Udp if is_reply_stream(record) => return None,
        Transport::Udp => (!answered, false),
        Transport::Icmp if ICMP_REQUEST_STATES.contains(&record.state.trim()) => (!answered, false),
        Transport::Icmp | Transport::Other => return None,
    };
    Some(Attempt { transport, failed, opened, src_pkts: initiator_packets(record) })
}

/// A UDP flow from a service port to an unregistered port: replies, not a request.
fn is_reply_stream(record: &FlowRecord) -> bool {
    matches!((record.src_port, record.dst_port), (Some(src), Some(dst)) if src < 1024 && dst >= 1024)
}

/// A destination that is a group, not a host: IPv4 multicast (224.0.0.0/4), the limited
/// broadcast, the broadcast of the source's /24 (`x.y.z.255`: the most common LAN; a host
/// numbered .255 in a larger subnet is rare), IPv6 multicast (ff00::/8).
fn is_group_address(dst: &Address, src: &Address) -> bool {
    let Address::Ip(dst) = dst else { return false };
    match dst.to_std() {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            let same_24 = match src {
                Address::Ip(src) => match src.to_std() {
                    std::net::IpAddr::V4(s) => s.octets()[..3] == [a, b, c],
                    std::net::IpAddr::V6(_) => false,
                },
                _ => false,
            };
            v4.is_multicast() || v4.is_broadcast() || (d == 255 && same_24)
        }
        std::net::IpAddr::V6(v6) => v6.is_multicast(),
    }
}

/// The initiator's packets: exact when the record has them; else, all of them when the
/// responder sent no byte, or the initiator's share of the bytes (at least one packet).
pub fn initiator_packets(record: &FlowRecord) -> u64 {
    if let Some(src_pkts) = record.src_pkts {
        return src_pkts.min(record.total_pkts);
    }
    if record.dst_bytes() == 0 || record.total_bytes == 0 {
        return record.total_pkts;
    }
    let share = record.src_bytes.min(record.total_bytes) as f64 / record.total_bytes as f64;
    ((record.total_pkts as f64 * share).round() as u64).clamp(1.min(record.total_pkts), record.total_pkts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Protocol;
    use tcp_flag::{ACK, FIN, PSH, RST, SYN};

    fn tcp(src_flags: u8, dst_flags: u8, total_bytes: u64, src_bytes: u64) -> FlowRecord {
        FlowRecord {
            src_tcp_flags: src_flags,
            dst_tcp_flags: dst_flags,
            total_pkts: 4,
            total_bytes,
            src_bytes,
            ..FlowRecord::example_tcp([10, 0, 0, 1], 40000, [1, 2, 3, 4], 25, 0, 1_000_000)
        }
    }

    fn other(protocol: u8, state: &str, total_bytes: u64, src_bytes: u64) -> FlowRecord {
        FlowRecord { protocol: Protocol::Ip(protocol), state: state.to_string(), src_tcp_flags: 0, dst_tcp_flags: 0, ..tcp(0, 0, total_bytes, src_bytes) }
    }

    #[test]
    fn a_syn_without_syn_ack_failed_and_an_accepted_connection_did_not() {
        // CTU-13 spam attempts: S_ (silence) and S_RA (the port is closed).
        assert_eq!(attempt_of(&tcp(SYN, 0, 186, 186)).map(|a| (a.failed, a.opened)), Some((true, true)));
        assert_eq!(attempt_of(&tcp(SYN, RST | ACK, 244, 124)).map(|a| a.failed), Some(true));
        // FSPA_FSPA: a whole connection; FSRPA_FSPA: accepted, then reset by the initiator.
        assert_eq!(attempt_of(&tcp(FIN | SYN | PSH | ACK, FIN | SYN | PSH | ACK, 5000, 1000)).map(|a| a.failed), Some(false));
        // SPA_FSRPA: accepted, then reset by the server: not a failure.
        assert_eq!(attempt_of(&tcp(SYN | PSH | ACK, FIN | SYN | RST | PSH | ACK, 5000, 1000)).map(|a| a.failed), Some(false));
        // FSPA_FPA: the SYN-ACK was not captured, but the server sent data: it answered.
        assert_eq!(attempt_of(&tcp(FIN | SYN | PSH | ACK, FIN | PSH | ACK, 5000, 1000)).map(|a| a.failed), Some(false));
        // A piece of a connection opened before this window: PA_PA, nothing failed, nothing opened.
        assert_eq!(attempt_of(&tcp(PSH | ACK, PSH | ACK, 5000, 1000)).map(|a| (a.failed, a.opened)), Some((false, false)));
    }

    #[test]
    fn udp_and_icmp_requests_fail_unanswered_and_icmp_answers_are_no_attempts() {
        assert_eq!(attempt_of(&other(17, "INT", 75, 75)).map(|a| a.failed), Some(true));
        assert_eq!(attempt_of(&other(17, "CON", 200, 80)).map(|a| a.failed), Some(false));
        assert_eq!(attempt_of(&other(1, "ECO", 98, 98)).map(|a| (a.transport, a.failed)), Some((Transport::Icmp, true)));
        assert_eq!(attempt_of(&other(58, "ECO", 196, 98)).map(|a| a.failed), Some(false));
        for answer in ["URP", "RED", "TXD", "ECR"] {
            assert_eq!(attempt_of(&other(1, answer, 70, 70)), None, "{answer}");
        }
        assert_eq!(attempt_of(&other(2, "INT", 60, 60)), None, "IGMP");
        assert_eq!(attempt_of(&other(47, "CON", 600, 300)), None, "GRE");
    }

    #[test]
    fn a_service_s_replies_whose_request_was_missed_are_no_attempt() {
        let udp = |src_port: u16, dst_port: u16| FlowRecord { src_port: Some(src_port), dst_port: Some(dst_port), ..other(17, "INT", 508_180, 508_180) };
        // CTU-13 scenario 6: 147.32.87.5:161 -> 147.32.84.19:37012, 5,270 packets, none back.
        assert_eq!(attempt_of(&udp(161, 37012)), None, "an SNMP agent's answers to a walk");
        assert_eq!(attempt_of(&udp(53, 51000)), None, "a resolver's answers");
        assert_eq!(attempt_of(&udp(51000, 53)).map(|a| a.failed), Some(true), "an unanswered query");
        assert_eq!(attempt_of(&udp(123, 123)).map(|a| a.failed), Some(true), "service port to service port: NTP asks");
        assert_eq!(attempt_of(&udp(40000, 40001)).map(|a| a.failed), Some(true), "a flood between high ports");
    }

    #[test]
    fn packets_to_groups_are_no_attempts() {
        let to = |dst: [u8; 4]| FlowRecord { dst_addr: Address::Ip(crate::packet::IpAddr16::from_v4(dst)), ..other(17, "INT", 90, 90) };
        assert_eq!(attempt_of(&to([239, 255, 255, 250])), None, "SSDP");
        assert_eq!(attempt_of(&to([255, 255, 255, 255])), None);
        assert_eq!(attempt_of(&to([10, 0, 0, 255])), None, "the source's /24 broadcast (the source is 10.0.0.1)");
        assert!(attempt_of(&to([10, 0, 1, 255])).is_some(), "another /24's .255 may be a host");
        assert!(attempt_of(&to([1, 2, 3, 4])).is_some());
        let v6 = FlowRecord { dst_addr: Address::Ip(crate::packet::IpAddr16::from_v6([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb])), ..other(17, "INT", 90, 90) };
        assert_eq!(attempt_of(&v6), None, "mDNS over IPv6");
    }

    #[test]
    fn initiator_packets_come_from_the_record_or_from_its_bytes() {
        let mut record = tcp(SYN | ACK, SYN | ACK, 1000, 250);
        record.total_pkts = 8;
        assert_eq!(initiator_packets(&record), 2, "a quarter of the bytes, a quarter of 8 packets");
        record.src_pkts = Some(5);
        assert_eq!(initiator_packets(&record), 5);
        let silent = tcp(SYN, 0, 186, 186);
        assert_eq!(initiator_packets(&silent), 4, "the responder sent nothing");
        let mut tiny = tcp(SYN | ACK, SYN | ACK, 10_000, 1);
        tiny.total_pkts = 3;
        assert_eq!(initiator_packets(&tiny), 1, "a side that sent bytes sent at least one packet");
    }
}
