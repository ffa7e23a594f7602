//! One flow's row of `FLOW_FEATURES`, from a `FlowRecord` whether it came from packets or a
//! flow file.

use crate::packet::tcp_flag;
use crate::record::FlowRecord;

use super::schema::{index_of, FLOW_FEATURES, FLOW_FEATURE_COUNT};
use super::traffic_class::{Services, StateKind, Transport};

/// Durations below this count as this for rates, so one-packet flows get finite rates.
const MIN_RATE_DURATION_S: f64 = 0.001;

fn flag(flags: u8, bit: u8) -> f32 {
    f32::from(u8::from(flags & bit != 0))
}

fn indicator(condition: bool) -> f32 {
    f32::from(u8::from(condition))
}

fn optional(value: Option<impl Into<f64>>) -> f32 {
    value.map_or(-1.0, |v| v.into() as f32)
}

/// Writes the record's features into `row` (`FLOW_FEATURE_COUNT` long), in schema order.
pub fn write_flow_features(record: &FlowRecord, row: &mut [f32]) {
    assert_eq!(row.len(), FLOW_FEATURE_COUNT);
    let transport = Transport::of(record);
    let services = Services::of(transport, record.dst_port);
    let state = StateKind::of(&record.state);
    let duration_s = record.duration_us().max(0) as f64 / 1e6;
    let rate_duration_s = duration_s.max(MIN_RATE_DURATION_S);
    let total_bytes = record.total_bytes as f64;
    let src_bytes = record.src_bytes.min(record.total_bytes) as f64;
    let dst_bytes = record.dst_bytes() as f64;
    let total_pkts = record.total_pkts as f64;
    let (src_flags, dst_flags) =
        if transport == Transport::Tcp { (record.src_tcp_flags, record.dst_tcp_flags) } else { (0, 0) };
    let ports = transport != Transport::Other;

    // The column of each name is found at compile time: this runs for every flow.
    macro_rules! set {
        ($name:literal, $value:expr) => {
            row[const { index_of(FLOW_FEATURES, $name) }] = $value
        };
    }
    set!("duration_s", duration_s as f32);
    set!("proto_is_tcp", indicator(transport == Transport::Tcp));
    set!("proto_is_udp", indicator(transport == Transport::Udp));
    set!("proto_is_icmp", indicator(transport == Transport::Icmp));
    set!("src_port_number", if ports { optional(record.src_port) } else { -1.0 });
    set!("dst_port_number", if ports { optional(record.dst_port) } else { -1.0 });
    set!("src_port_is_ephemeral", indicator(ports && transport != Transport::Icmp && record.src_port.is_some_and(|p| p >= 1024)));
    set!("dst_port_is_well_known", indicator(ports && transport != Transport::Icmp && record.dst_port.is_some_and(|p| p < 1024)));
    set!("dst_port_is_smtp", indicator(services.smtp));
    set!("dst_port_is_dns", indicator(services.dns));
    set!("dst_port_is_irc", indicator(services.irc));
    set!("dst_port_is_web", indicator(services.web));
    set!("src_tos", optional(record.src_tos));
    set!("dst_tos", optional(record.dst_tos));
    set!("tcp_src_syn", flag(src_flags, tcp_flag::SYN));
    set!("tcp_src_ack", flag(src_flags, tcp_flag::ACK));
    set!("tcp_src_push", flag(src_flags, tcp_flag::PSH));
    set!("tcp_src_fin", flag(src_flags, tcp_flag::FIN));
    set!("tcp_src_rst", flag(src_flags, tcp_flag::RST));
    set!("tcp_dst_syn", flag(dst_flags, tcp_flag::SYN));
    set!("tcp_dst_ack", flag(dst_flags, tcp_flag::ACK));
    set!("tcp_dst_push", flag(dst_flags, tcp_flag::PSH));
    set!("tcp_dst_fin", flag(dst_flags, tcp_flag::FIN));
    set!("tcp_dst_rst", flag(dst_flags, tcp_flag::RST));
    set!("state_is_con", indicator(state == StateKind::Connected));
    set!("state_is_int", indicator(state == StateKind::OneWay));
    set!("state_is_req", indicator(state == StateKind::Request));
    set!("state_is_eco", indicator(state == StateKind::Echo));
    set!("state_is_unreachable", indicator(state == StateKind::Unreachable));
    set!("dst_silent", indicator(dst_bytes == 0.0));
    set!("total_pkts", total_pkts as f32);
    set!("total_bytes", total_bytes as f32);
    set!("src_bytes", src_bytes as f32);
    set!("dst_bytes", dst_bytes as f32);
    set!("src_bytes_share", if total_bytes > 0.0 { (src_bytes / total_bytes) as f32 } else { 0.0 });
    set!("bytes_per_pkt", if total_pkts > 0.0 { (total_bytes / total_pkts) as f32 } else { 0.0 });
    set!("pkts_per_s", (total_pkts / rate_duration_s) as f32);
    set!("bytes_per_s", (total_bytes / rate_duration_s) as f32);
}

#[cfg(test)]
mod tests;
