//! The feature schema: the names, order and meaning of every model input, written once here.
//! The binding exports it (`featureSchema()`), the training code checks its tables against it,
//! and a model whose inputs differ is refused. Any change to a list is a new version.
//!
//! Names say what is counted, from whose side, and in which unit (`_s`, `_bytes`, `_pkts`,
//! `_share` for a fraction in [0, 1], `_bits` for entropy).

pub const SCHEMA_VERSION: u32 = 1;

/// One input of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureSpec {
    pub name: &'static str,
    pub description: &'static str,
}

const fn spec(name: &'static str, description: &'static str) -> FeatureSpec {
    FeatureSpec { name, description }
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
    spec("dst_port_number", "responder's port (ICMP: echo id); -1 when the protocol has none"),
    spec("src_port_is_ephemeral", "1 when the initiator's port is 1024 or above"),
    spec("dst_port_is_well_known", "1 when the responder's port is below 1024"),
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
    spec("state_is_req", "Argus state REQ: a request without its answer (ICMP, ARP)"),
    spec("state_is_eco", "Argus state ECO or ECR: an echo and its reply"),
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
pub const HOST_FEATURES: &[FeatureSpec] = &[
    spec("flows_initiated", "flows the host initiated"),
    spec("flows_received", "flows the host answered or was sent"),
    spec("distinct_dst_addrs", "addresses the host initiated flows to"),
    spec("distinct_dst_ports", "responder ports of the flows the host initiated"),
    spec("distinct_src_addrs", "addresses that initiated flows to the host"),
    spec("dst_port_entropy_bits", "Shannon entropy of the responder ports of initiated flows, bits"),
    spec("unanswered_share", "share of initiated flows whose responder sent nothing"),
    spec("tcp_failed_share", "share of initiated TCP flows never answered by SYN-ACK, or reset by the responder"),
    spec("smtp_flows", "initiated flows to SMTP ports"),
    spec("distinct_smtp_servers", "addresses of those SMTP flows"),
    spec("smtp_share", "smtp_flows / flows_initiated"),
    spec("dns_flows", "initiated flows to port 53"),
    spec("dns_share", "dns_flows / flows_initiated"),
    spec("irc_flows", "initiated flows to IRC ports"),
    spec("irc_share", "irc_flows / flows_initiated"),
    spec("icmp_flows", "initiated ICMP flows"),
    spec("icmp_share", "icmp_flows / flows_initiated"),
    spec("web_share", "share of initiated flows to web ports"),
    spec("bytes_up", "bytes on the wire the host sent, all its flows"),
    spec("bytes_down", "bytes on the wire the host received, all its flows"),
    spec("pkts_total", "packets of all its flows, both directions"),
    spec("bytes_up_share", "bytes_up / (bytes_up + bytes_down)"),
    spec("mean_flow_duration_s", "mean duration of its flows, seconds"),
    spec("mean_bytes_per_flow", "mean bytes on the wire of its flows"),
    spec("beacon_pairs", "destinations the host contacted 3 or more times at regular intervals (coefficient of variation of the times between flow starts below 0.2)"),
    spec("beacon_min_cv", "lowest coefficient of variation of the times between flow starts to one destination contacted 3 or more times; -1 when there is none"),
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
    fn version_1_has_38_flow_and_26_host_features() {
        // Changing a list means a new schema version and retrained models.
        assert_eq!((SCHEMA_VERSION, FLOW_FEATURE_COUNT, HOST_FEATURE_COUNT, HOST_SCORE_AGGREGATES.len()), (1, 38, 26, 4));
        assert_eq!(index_of(FLOW_FEATURES, "duration_s"), 0);
        assert_eq!(index_of(HOST_FEATURES, "beacon_min_cv"), 25);
    }
}
