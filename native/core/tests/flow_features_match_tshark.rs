//! Flow rows of a capture against what an independent reader, tshark 4.0, reads of the same
//! packets. Five flows of the synthetic captures of `test/fixtures/argus/`: per side, their
//! packets, bytes on the wire, TCP flags and TOS, and their first and last packet times, as
//! `test/fixtures/argus/tshark-flow-numbers.sh` prints them (run once; its numbers are in the
//! comments below, and the test does not need tshark). Every feature of the five rows is
//! worked out from those numbers.

mod common;

use std::path::Path;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::decode;
use flowhound_core::features::{write_flow_features, FLOW_FEATURES, FLOW_FEATURE_COUNT};
use flowhound_core::flow::{FlowEngine, FlowEngineOptions};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{Address, FlowRecord};

/// 2020-09-13 12:26:40 UTC, where both captures start (`make-synthetic-pcaps.py`).
const T0_US: i64 = 1_600_000_000_000_000;

/// Whole-capture records (one per flow: the captures last less than the hour of the status
/// interval), as `flowhound analyze` builds them.
fn records(pcap: &Path) -> Vec<FlowRecord> {
    let mut engine = FlowEngine::new(FlowEngineOptions::whole_capture(3600 * 1_000_000)).expect("options");
    let mut reader = CaptureReader::open(pcap).unwrap_or_else(|err| panic!("{err}"));
    let mut records = Vec::new();
    while let Some(raw) = reader.next_packet().unwrap_or_else(|err| panic!("{err}")) {
        engine.push(&decode(&raw), &mut records);
    }
    engine.finish(&mut records);
    records
}

fn address(text: &str) -> Address {
    let ip: std::net::IpAddr = text.parse().unwrap();
    Address::Ip(match ip {
        std::net::IpAddr::V4(v4) => IpAddr16::from_v4(v4.octets()),
        std::net::IpAddr::V6(v6) => IpAddr16::from_v6(v6.octets()),
    })
}

/// The row of the one record whose initiator is `src` and whose first packet is at `start_us`.
fn row_of(records: &[FlowRecord], src: &str, start_us: i64) -> Vec<f32> {
    let found: Vec<&FlowRecord> = records.iter().filter(|r| r.src_addr == address(src) && r.start_us == start_us).collect();
    assert_eq!(found.len(), 1, "one record from {src} starting at {start_us}: {found:?}");
    let mut row = vec![f32::NAN; FLOW_FEATURE_COUNT];
    write_flow_features(found[0], &mut row);
    row
}

fn same(actual: f32, expected: f64) -> bool {
    if expected == 0.0 {
        actual == 0.0
    } else {
        (f64::from(actual) - expected).abs() <= 1e-6 * expected.abs()
    }
}

#[test]
fn flow_rows_equal_what_tshark_reads_of_the_packets() {
    let fixture = common::fixture("argus");
    let edge_cases = records(&fixture.join("edge-cases.pcap"));
    let status_interval = records(&fixture.join("status-interval.pcap"));
    let flows: [(&str, Vec<f32>); 5] = [
        // A: tshark -r edge-cases.pcap -Y 'ip.addr==10.1.3.1 && tcp.port==4444'
        //   frames 6-13 at T0 + 6 ms … 13 ms: duration 0.007 s
        //   10.1.3.2:4444 (sent the SYN: initiator): frames 6, 8, 9, 11, 13, 5 × 60 = 300 bytes,
        //     flags 0x02 | 0x10 | 0x18 | 0x11 | 0x10 = 0x1b (FIN SYN PSH ACK), TOS 0x00
        //   10.1.3.1:80: frames 7, 10, 12, 60 + 66 + 60 = 186 bytes,
        //     flags 0x12 | 0x18 | 0x11 = 0x1b, TOS 0x00
        ("A tcp 10.1.3.2:4444 -> 10.1.3.1:80", row_of(&edge_cases, "10.1.3.2", T0_US + 6_000)),
        // B: tshark -r edge-cases.pcap -Y 'ip.addr==10.3.8.1 && udp'
        //   10.3.8.1:1: frames 76 (TOS 0x10), 77 (TOS 0x20), 2 × 60 = 120 bytes; last TOS 0x20 = 32
        //   10.3.8.2:2: frame 78 (TOS 0x04), 60 bytes
        //   T0 + 76 ms … 78 ms: 0.002 s; both sides sent: Argus's CON
        ("B udp 10.3.8.1:1 -> 10.3.8.2:2", row_of(&edge_cases, "10.3.8.1", T0_US + 76_000)),
        // C: tshark -r edge-cases.pcap -Y 'ip.addr==10.5.1.1 && icmp.ident==0x1234 && icmp.seq==1'
        //   10.5.1.1: frame 86, echo request (type 8 code 0, id 4660), 74 bytes, TOS 0x00
        //   10.5.1.2: frame 87, echo reply (type 0), 74 bytes, TOS 0x00
        //   T0 + 86 ms … 87 ms: 0.001 s; the echo and its reply: Argus's ECO;
        //   src_port_number 8 << 8 | 0 = 2048, dst_port_number the id, 4660
        ("C icmp echo 10.5.1.1 -> 10.5.1.2", row_of(&edge_cases, "10.5.1.1", T0_US + 86_000)),
        // D: tshark -r edge-cases.pcap -Y 'ipv6.addr==2001:db8::7 && tcp.port==40000'
        //   2001:db8::7:40000: frame 140, 74 bytes, flags 0x02 (SYN), traffic class 0
        //   2001:db8::1:443: frame 141, 74 bytes, flags 0x12 (SYN ACK), traffic class 0
        //   T0 + 140 ms … 141 ms: 0.001 s
        ("D tcp 2001:db8::7:40000 -> 2001:db8::1:443", row_of(&edge_cases, "2001:db8::7", T0_US + 140_000)),
        // E: tshark -r status-interval.pcap -Y 'ip.addr==10.9.0.1'
        //   10.9.0.1:1 -> 10.9.0.2:2: 200 frames of 60 bytes = 12,000 bytes, TOS 0x00, one a
        //   second from T0 to T0 + 199 s; 10.9.0.2 sent nothing: Argus's INT
        ("E udp 10.9.0.1:1 -> 10.9.0.2:2", row_of(&status_interval, "10.9.0.1", T0_US)),
    ];
    #[rustfmt::skip]
    let table: [(&str, [f64; 5]); 38] = [
        //                          A                B              C            D            E
        ("duration_s",            [0.007,           0.002,         0.001,       0.001,       199.0]),
        ("proto_is_tcp",          [1.0,             0.0,           0.0,         1.0,         0.0]),
        ("proto_is_udp",          [0.0,             1.0,           0.0,         0.0,         1.0]),
        ("proto_is_icmp",         [0.0,             0.0,           1.0,         0.0,         0.0]),
        ("src_port_number",       [4444.0,          1.0,           2048.0,      40000.0,     1.0]),
        ("dst_port_number",       [80.0,            2.0,           4660.0,      443.0,       2.0]),
        ("src_port_is_ephemeral", [1.0,             0.0,           0.0,         1.0,         0.0]),
        ("dst_port_is_well_known",[1.0,             1.0,           0.0,         1.0,         1.0]),
        ("dst_port_is_smtp",      [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("dst_port_is_dns",       [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("dst_port_is_irc",       [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("dst_port_is_web",       [1.0,             0.0,           0.0,         1.0,         0.0]),
        ("src_tos",               [0.0,             32.0,          0.0,         0.0,         0.0]),
        ("dst_tos",               [0.0,             4.0,           0.0,         0.0,         -1.0]),
        ("tcp_src_syn",           [1.0,             0.0,           0.0,         1.0,         0.0]),
        ("tcp_src_ack",           [1.0,             0.0,           0.0,         0.0,         0.0]),
        ("tcp_src_push",          [1.0,             0.0,           0.0,         0.0,         0.0]),
        ("tcp_src_fin",           [1.0,             0.0,           0.0,         0.0,         0.0]),
        ("tcp_src_rst",           [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("tcp_dst_syn",           [1.0,             0.0,           0.0,         1.0,         0.0]),
        ("tcp_dst_ack",           [1.0,             0.0,           0.0,         1.0,         0.0]),
        ("tcp_dst_push",          [1.0,             0.0,           0.0,         0.0,         0.0]),
        ("tcp_dst_fin",           [1.0,             0.0,           0.0,         0.0,         0.0]),
        ("tcp_dst_rst",           [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("state_is_con",          [0.0,             1.0,           0.0,         0.0,         0.0]),
        ("state_is_int",          [0.0,             0.0,           0.0,         0.0,         1.0]),
        ("state_is_req",          [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("state_is_eco",          [0.0,             0.0,           1.0,         0.0,         0.0]),
        ("state_is_unreachable",  [0.0,             0.0,           0.0,         0.0,         0.0]),
        ("dst_silent",            [0.0,             0.0,           0.0,         0.0,         1.0]),
        ("total_pkts",            [8.0,             3.0,           2.0,         2.0,         200.0]),
        ("total_bytes",           [486.0,           180.0,         148.0,       148.0,       12000.0]),
        ("src_bytes",             [300.0,           120.0,         74.0,        74.0,        12000.0]),
        ("dst_bytes",             [186.0,           60.0,          74.0,        74.0,        0.0]),
        ("src_bytes_share",       [300.0 / 486.0,   120.0 / 180.0, 0.5,         0.5,         1.0]),
        ("bytes_per_pkt",         [486.0 / 8.0,     60.0,          74.0,        74.0,        60.0]),
        ("pkts_per_s",            [8.0 / 0.007,     3.0 / 0.002,   2.0 / 0.001, 2.0 / 0.001, 200.0 / 199.0]),
        ("bytes_per_s",           [486.0 / 0.007,   180.0 / 0.002, 148.0 / 0.001, 148.0 / 0.001, 12000.0 / 199.0]),
    ];
    let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, FLOW_FEATURES.iter().map(|f| f.name).collect::<Vec<_>>(), "one row per feature, in schema order");
    let mut wrong = Vec::new();
    for (column, (flow, row)) in flows.iter().enumerate() {
        for (i, (name, values)) in table.iter().enumerate() {
            if !same(row[i], values[column]) {
                wrong.push(format!("{flow}: {name} is {}, tshark's numbers give {}", row[i], values[column]));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
