//! The feature schema: the names, order and meaning of every model input, written once here.
//! The binding exports it (`featureSchema()`), the training code checks its tables against it,
//! and a model whose inputs differ is refused. Any change to a list is a new version.
//!
//! Names say what is counted, from whose side, and in which unit (`_s`, `_bytes`, `_pkts`,
//! `_share` for a fraction in [0, 1], `_bits` for entropy).

pub const SCHEMA_VERSION: u32 = 2;

/// One input of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// A host feature that counts a suspicious behaviour (see `HOST_FEATURES`).
    pub evidence: bool,
}

const fn spec(name: &'static str, description: &'static str) -> FeatureSpec {
    FeatureSpec { name, description, evidence: false }
}

const fn evidence(name: &'static str, description: &'static str) -> FeatureSpec {
    FeatureSpec { name, description, evidence: true }
}

/// Per flow (one row per flow and window). "src" is the initiator, "dst" the responder.
/// Only what every input carries is used: CTU-13's flow files have no per-direction packet
/// counts, so none is a feature.
pub const FLOW_FEATURES: &[FeatureSpec] = &[
    spec("duration_s", "time from the flow's first to its last packet, seconds"),
    spec("proto_is_tcp", "1 for TCP"),
    spec("proto_is_udp", "1 for UDP"),
    spec("proto_is_icmp", "1 for ICMP or ICMPv6"),
    spec("src_port_number", "initiator's port (ICMP: type << 8 | code); -1 when the protocol has none"),
    spec("dst_port_number", "responder's port (ICMP: the echo id; for an ICMP error, a number from the packet it quotes); -1 when the protocol has none (SCTP, DCCP and UDP-Lite too: only TCP, UDP and ICMP count as having ports)"),
    spec("src_port_is_ephemeral", "1 when the initiator's TCP or UDP port is 1024 or above (0 for ICMP and protocols without ports)"),
    spec("dst_port_is_well_known", "1 when the responder's TCP or UDP port is below 1024 (0 for ICMP and protocols without ports)"),
    spec("dst_port_is_smtp", "1 for TCP to 25, 465 or 587"),
    spec("dst_port_is_dns", "1 for TCP or UDP to 53"),
    spec("dst_port_is_irc", "1 for TCP to 6660-6669, 6697 or 7000"),
    spec("dst_port_is_web", "1 for TCP to 80, 443, 8000 or 8080"),
    spec("src_tos", "initiator's IP TOS byte; -1 when unknown"),
    spec("dst_tos", "responder's IP TOS byte; -1 when unknown or silent"),
    spec("tcp_src_syn", "the initiator sent SYN"),
    spec("tcp_src_ack", "the initiator sent ACK"),
    spec("tcp_src_push", "the initiator sent PSH"),
    spec("tcp_src_fin", "the initiator sent FIN"),
    spec("tcp_src_rst", "the initiator sent RST"),
    spec("tcp_dst_syn", "the responder sent SYN (a SYN-ACK, with tcp_dst_ack)"),
    spec("tcp_dst_ack", "the responder sent ACK"),
    spec("tcp_dst_push", "the responder sent PSH"),
    spec("tcp_dst_fin", "the responder sent FIN"),
    spec("tcp_dst_rst", "the responder sent RST"),
    spec("state_is_con", "Argus state CON: traffic both ways (UDP and others)"),
    spec("state_is_int", "Argus state INT: traffic one way only (UDP and others)"),
    spec("state_is_req", "Argus state REQ, NRS or RSP: a request without its answer (ICMP, ARP), or an answer seen alone (RSP: only the responder sent)"),
    spec("state_is_eco", "Argus state ECO or ECR: an ICMP echo request (answered or not), or a reply seen alone"),
    spec("state_is_unreachable", "Argus state UR*: an ICMP unreachable message"),
    spec("dst_silent", "1 when the responder sent no byte"),
    spec("total_pkts", "packets, both directions"),
    spec("total_bytes", "bytes on the wire, both directions"),
    spec("src_bytes", "bytes on the wire sent by the initiator"),
    spec("dst_bytes", "bytes on the wire sent by the responder"),
    spec("src_bytes_share", "src_bytes / total_bytes"),
    spec("bytes_per_pkt", "total_bytes / total_pkts"),
    spec("pkts_per_s", "total_pkts / duration (duration at least 1 ms)"),
    spec("bytes_per_s", "total_bytes / duration (duration at least 1 ms)"),
];

/// Per (LAN host, window), from every flow of the window with the host at one end.
/// "Initiated" flows have the host as initiator, "received" ones as responder.
///
/// The first ten describe what the host did; the others are **evidence**: counts of a
/// behaviour that botnets show across families (scans, floods, spam, command-and-control
/// polling, failed retries, DNS abuse), each larger when more suspicious. The host anomaly
/// model compares every evidence with how often clean hosts reach that count, so a family never
/// seen in training still stands out by what it does. An *attempt* is an initiated TCP or UDP
/// flow, or an ICMP request (echo, timestamp); ICMP errors and replies are answers, never
/// attempts. An attempt *failed* when TCP's opening SYN got no SYN-ACK (no answer, or a reset),
/// or when a UDP or ICMP attempt got nothing back.
pub const HOST_FEATURES: &[FeatureSpec] = &[
    spec("flows_initiated", "flows the host initiated"),
    spec("flows_received", "flows the host answered or was sent"),
    spec("distinct_dst_addrs", "addresses the host initiated flows to"),
    spec("distinct_src_addrs", "addresses that initiated flows to the host"),
    spec("new_dst_addrs", "addresses the host initiated flows to that it had not contacted in the window-length before this window (all of them when the host was not seen then)"),
    spec("failed_attempts", "attempts the host initiated that failed"),
    spec("failed_dst_addrs", "addresses of those failed attempts"),
    spec("bytes_up", "bytes on the wire the host sent, all its flows"),
    spec("bytes_down", "bytes on the wire the host received, all its flows"),
    spec("pkts_total", "packets of all its flows, both directions (CTU-13's flow files do not say which side sent how many)"),
    evidence("scan_service_targets", "horizontal scan: for the service port (below 1024, or a port bots scan) where it is largest, the new addresses whose attempts on that port failed, times the share of the host's attempts on that port that failed"),
    evidence("scan_ports_one_target", "vertical scan: for the address where it is largest, the TCP ports whose attempts failed"),
    evidence("failed_retries_one_service", "for the address and TCP or UDP port where it is largest, the failed attempts (retries against an unreachable command-and-control server, or a service flooded with attempts)"),
    evidence("unanswered_pkts_one_target", "flood: for the address where it is largest, the packets the host sent in attempts to it that failed (no answer, or a TCP port closed)"),
    evidence("smtp_servers", "distinct mail servers (TCP 25, 465, 587) the host opened connections to; 0 when the host itself answered SMTP connections in this input (a mail server relays)"),
    evidence("irc_connections", "connections to IRC ports (TCP 6660-6669, 6697, 7000), the classic command-and-control channel"),
    evidence("dns_unanswered", "DNS queries (port 53) that got no answer; 0 when the host itself answered DNS queries in this input (a resolver)"),
    evidence("dns_queries_outside", "DNS queries to resolvers outside the LAN; 0 for a resolver, whose forwarding this is"),
    evidence("conns_one_outside_service", "for the outside address and TCP port where it is largest, the connections the host opened (SYN) to it: polling, brute force, click fraud"),
    evidence("beacon_contacts", "for the outside address and port where it is largest (DNS aside), the contacts (flows) in a regular series: 4 or more, the times between their starts varying by at most 25% (coefficient of variation)"),
];

/// Inputs of the host model that come from the flow model's scores of the host's flows in the
/// window (computed where the flows are scored, not here): the host model's input is
/// `HOST_FEATURES` followed by these.
pub const HOST_SCORE_AGGREGATES: &[FeatureSpec] = &[
    spec("flow_score_max", "highest botnet probability of the host's flows"),
    spec("flow_score_mean", "mean botnet probability of the host's flows"),
    spec("botnet_flows", "the host's flows at or above the flow model's threshold"),
    spec("botnet_flow_share", "botnet_flows / the host's flows"),
];

pub const FLOW_FEATURE_COUNT: usize = FLOW_FEATURES.len();
/// Column of the first evidence in a host row: the evidence is the row's last block.
pub const HOST_EVIDENCE_FIRST: usize = index_of(HOST_FEATURES, "scan_service_targets");
pub const HOST_FEATURE_COUNT: usize = HOST_FEATURES.len();

/// The index of a feature by name, for code that fills a row (checked by the tests below, so
/// a renamed feature cannot silently fill the wrong column).
pub const fn index_of(features: &[FeatureSpec], name: &str) -> usize {
    let mut i = 0;
    while i < features.len() {
        if str_eq(features[i].name, name) {
            return i;
        }
        i += 1;
    }
    panic!("no such feature");
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut all: Vec<&str> = FLOW_FEATURES.iter().chain(HOST_FEATURES).chain(HOST_SCORE_AGGREGATES).map(|f| f.name).collect();
        assert!(all.iter().all(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')));
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a name is used twice");
    }

    #[test]
    fn version_2_has_38_flow_and_20_host_features_of_which_10_are_evidence() {
        // Changing a list means a new schema version and retrained models.
        assert_eq!((SCHEMA_VERSION, FLOW_FEATURE_COUNT, HOST_FEATURE_COUNT, HOST_SCORE_AGGREGATES.len()), (2, 38, 20, 4));
        assert_eq!(index_of(FLOW_FEATURES, "duration_s"), 0);
        assert_eq!(index_of(HOST_FEATURES, "beacon_contacts"), 19);
        assert_eq!(HOST_FEATURES.iter().filter(|f| f.evidence).count(), 10);
        assert!(FLOW_FEATURES.iter().chain(HOST_SCORE_AGGREGATES).all(|f| !f.evidence));
    }

    #[test]
    fn evidence_follows_the_description_of_what_the_host_did() {
        // The anomaly model reads the evidence as one block at the end of the host row.
        let first = HOST_FEATURES.iter().position(|f| f.evidence).unwrap();
        assert!(HOST_FEATURES[first..].iter().all(|f| f.evidence));
        assert_eq!(first, HOST_EVIDENCE_FIRST);
    }
}
