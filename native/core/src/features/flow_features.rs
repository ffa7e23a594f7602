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
mod tests {
    use super::*;
    use crate::flowfile::{FlowFileOptions, FlowFileReader};

    fn features_of(line: &str) -> Vec<f32> {
        let text = format!("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n{line}\n");
        let mut reader = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text.into_bytes())), "test.binetflow", FlowFileOptions::default()).unwrap();
        let mut records = Vec::new();
        reader.next_batch(10, &mut records).unwrap();
        let mut row = vec![f32::NAN; FLOW_FEATURE_COUNT];
        write_flow_features(&records[0], &mut row);
        assert!(row.iter().all(|v| v.is_finite()), "every feature is written: {row:?}");
        row
    }

    fn get(row: &[f32], name: &str) -> f32 {
        row[FLOW_FEATURES.iter().position(|f| f.name == name).unwrap()]
    }

    #[test]
    fn an_smtp_attempt_reset_by_the_server() {
        // capture20110816.binetflow: a spam attempt of the bot, answered by a reset.
        let row = features_of("2011/08/16 10:01:46.972101,3.0,tcp,147.32.84.165,1040,   ->,65.55.92.152,25,S_RA,0,0,4,244,124,flow=From-Botnet-V47-1-TCP-Attempt-SPAM");
        assert_eq!(get(&row, "duration_s"), 3.0);
        assert_eq!((get(&row, "proto_is_tcp"), get(&row, "proto_is_udp")), (1.0, 0.0));
        assert_eq!((get(&row, "src_port_number"), get(&row, "dst_port_number")), (1040.0, 25.0));
        assert_eq!((get(&row, "dst_port_is_smtp"), get(&row, "dst_port_is_web")), (1.0, 0.0));
        assert_eq!((get(&row, "tcp_src_syn"), get(&row, "tcp_src_ack"), get(&row, "tcp_dst_rst"), get(&row, "tcp_dst_ack")), (1.0, 0.0, 1.0, 1.0));
        assert_eq!((get(&row, "src_bytes"), get(&row, "dst_bytes"), get(&row, "dst_silent")), (124.0, 120.0, 0.0));
        assert_eq!(get(&row, "bytes_per_pkt"), 61.0);
        assert!((get(&row, "pkts_per_s") - 4.0 / 3.0).abs() < 1e-6);
        assert_eq!(get(&row, "state_is_con"), 0.0);
    }

    #[test]
    fn a_one_way_udp_flow_and_an_echo() {
        let row = features_of("2011/08/16 10:01:47.0,0.000000,udp,147.32.84.165,1025,   ->,147.32.80.9,53,INT,0,,1,75,75,flow=Background");
        assert_eq!((get(&row, "proto_is_udp"), get(&row, "dst_port_is_dns"), get(&row, "state_is_int")), (1.0, 1.0, 1.0));
        assert_eq!((get(&row, "dst_silent"), get(&row, "dst_tos"), get(&row, "tcp_src_syn")), (1.0, -1.0, 0.0));
        assert_eq!(get(&row, "pkts_per_s"), 1000.0, "a zero duration counts as 1 ms");
        let echo = features_of("2011/08/18 15:52:55.099841,98.652954,icmp,147.32.84.191,0x0008,   ->,147.32.96.69,0x008a,ECO,0,,22,23452,23452,flow=From-Botnet");
        assert_eq!((get(&echo, "proto_is_icmp"), get(&echo, "state_is_eco"), get(&echo, "src_port_is_ephemeral")), (1.0, 1.0, 0.0));
        assert_eq!(get(&echo, "src_port_number"), 8.0 * 256.0, "type 8, code 0");
    }
}
