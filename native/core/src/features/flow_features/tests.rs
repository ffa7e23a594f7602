//! Each flow feature against values worked out by hand from small records: CTU-13-style
//! binetflow lines read by the flow-file reader, and `FlowRecord` values where a binetflow
//! line cannot say it. The tables assert features by name, so a failure says which feature is
//! wrong and on which record; the comments beside them work the expected values out from the
//! record's columns.

use super::*;
use crate::flowfile::{FlowFileOptions, FlowFileReader};
use crate::packet::tcp_flag::{ACK, CWR, ECE, FIN, PSH, RST, SYN, URG};
use crate::record::Protocol;

fn features_of(line: &str) -> Vec<f32> {
    let text = format!("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n{line}\n");
    let mut reader = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text.into_bytes())), "test.binetflow", FlowFileOptions::default()).unwrap();
    let mut records = Vec::new();
    reader.next_batch(10, &mut records).unwrap();
    row_of(&records[0])
}

/// The record's row, every feature written and finite.
fn row_of(record: &FlowRecord) -> Vec<f32> {
    let mut row = vec![f32::NAN; FLOW_FEATURE_COUNT];
    write_flow_features(record, &mut row);
    let not_finite: Vec<String> =
        FLOW_FEATURES.iter().zip(&row).filter(|(_, v)| !v.is_finite()).map(|(f, v)| format!("{} = {v}", f.name)).collect();
    assert!(not_finite.is_empty(), "every feature is written and finite: {} in {record:?}", not_finite.join(", "));
    row
}

fn get(row: &[f32], name: &str) -> f32 {
    row[FLOW_FEATURES.iter().position(|f| f.name == name).unwrap_or_else(|| panic!("no flow feature {name:?}"))]
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

/// `actual` equals `expected` exactly when that is 0, else to within f32 rounding.
fn same(actual: f32, expected: f64) -> bool {
    if expected == 0.0 {
        actual == 0.0
    } else {
        (f64::from(actual) - expected).abs() <= 1e-6 * expected.abs()
    }
}

/// The named features of a row against their expected values: every difference of the record
/// is reported, each with the feature's name.
fn check(record: &str, row: &[f32], expected: &[(&str, f64)]) {
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(name, value)| !same(get(row, name), *value))
        .map(|(name, value)| format!("{name} is {}, expected {value}", get(row, name)))
        .collect();
    assert!(wrong.is_empty(), "{record}:\n  {}", wrong.join("\n  "));
}

/// Each of `features` with 1 when it is in `set`, else 0.
fn ones<'a>(features: &[&'a str], set: &[&str]) -> Vec<(&'a str, f64)> {
    assert!(set.iter().all(|name| features.contains(name)), "{set:?} not all among {features:?}");
    features.iter().map(|name| (*name, if set.contains(name) { 1.0 } else { 0.0 })).collect()
}

const TCP_FLAG_FEATURES: [&str; 10] = [
    "tcp_src_syn", "tcp_src_ack", "tcp_src_push", "tcp_src_fin", "tcp_src_rst",
    "tcp_dst_syn", "tcp_dst_ack", "tcp_dst_push", "tcp_dst_fin", "tcp_dst_rst",
];
const SERVICE_FEATURES: [&str; 4] = ["dst_port_is_smtp", "dst_port_is_dns", "dst_port_is_irc", "dst_port_is_web"];
const STATE_FEATURES: [&str; 5] = ["state_is_con", "state_is_int", "state_is_req", "state_is_eco", "state_is_unreachable"];
const PROTO_FEATURES: [&str; 3] = ["proto_is_tcp", "proto_is_udp", "proto_is_icmp"];

/// Nine flows, one column each, and every feature of the schema, one row each: the rows must
/// name the schema's features in its order, so a feature added to the schema fails here until
/// it is asserted.
#[test]
fn every_feature_of_nine_flows() {
    const FLOWS: [(&str, &str); 9] = [
        // A: a TCP connection opened and closed by both sides: 10 packets in 2.5 s, 4,000 bytes,
        //    1,000 of them the initiator's.
        ("A tcp FSPA_FSPA", "2011/08/16 10:05:12.250000,2.500000,tcp,147.32.84.165,1041,   ->,64.12.1.7,80,FSPA_FSPA,0,0,10,4000,1000,flow=Background"),
        // B: three SYNs to a mail server over 9 s, never answered (dTos blank: it never sent).
        ("B tcp S_", "2011/08/16 10:05:13.000000,9.000000,tcp,147.32.84.165,1042,   ->,65.55.92.152,25,S_,0,,3,186,186,flow=From-Botnet-V47-1-TCP-Attempt-SPAM"),
        // C: a DNS query and its answer in 2 ms: 75 bytes out, 214 − 75 = 139 back.
        ("C udp CON", "2011/08/16 10:05:14.000000,0.002000,udp,147.32.84.165,1025,  <->,147.32.80.9,53,CON,0,0,2,214,75,flow=Background"),
        // D: one NetBIOS datagram from port 1024 (the first ephemeral port), duration 0.
        ("D udp INT", "2011/08/16 10:05:15.000000,0.000000,udp,147.32.84.165,1024,   ->,147.32.84.255,137,INT,0,,1,92,92,flow=Background"),
        // E: capture20110818-2: echo requests, Sport 0x0008 = type 8 code 0 (type in Argus's low
        //    byte), so 8 << 8 = 2048; Dport 0x008a byte-swapped = id 0x8a00 = 35328.
        ("E icmp ECO", "2011/08/18 15:52:55.099841,98.652954,icmp,147.32.84.191,0x0008,   ->,147.32.96.69,0x008a,ECO,0,,22,23452,23452,flow=From-Botnet"),
        // F: a router's port unreachable (TOS 192): 0x0303 = type 3 code 3 = 3 << 8 | 3 = 771;
        //    Dport 0x0a1a byte-swapped = 0x1a0a = 6666, an IRC port number that is not a port.
        ("F icmp URP", "2011/08/16 10:05:16.000000,0.000000,icmp,147.32.84.1,0x0303,   ->,147.32.84.165,0x0a1a,URP,192,,1,70,70,flow=Background"),
        // G: benign-sample: ICMPv6 neighbour solicitations, type 135 in decimal, Dport empty
        //    (code 0): 135 << 8 = 34560, no echo id; 5 packets, 430 bytes in 3246.289795 s.
        ("G ipv6-icmp NNS", "2011/08/12 16:35:12.371411,3246.289795,ipv6-icmp,fe80::5054:ff:fe89:354,135,   ->,ff02::1:ff1b:d243,,NNS,0,,5,430,430,flow=Background"),
        // H: benign-sample: an ARP request and its reply in 0.481 ms, no ports, no TOS.
        ("H arp CON", "2011/08/10 15:34:55.820482,0.000481,arp,147.32.87.253,,  who,147.32.87.1,,CON,,,2,120,60,flow=Background"),
        // I: capture20110816: an IGMP query (IP protocol 2, no ports), TOS 192.
        ("I igmp INT", "2011/08/16 10:02:12.678084,0.000000,igmp,147.32.87.1,,   ->,224.0.0.1,,INT,192,,1,60,60,flow=Background"),
    ];
    // Rates divide by the duration, 1 ms when shorter (C: 2 ms is kept; D, F, I: 0; H: 0.481 ms).
    #[rustfmt::skip]
    let table: [(&str, [f64; 9]); 38] = [
        //                          A        B        C          D        E          F        G          H         I
        ("duration_s",            [2.5,     9.0,     0.002,     0.0,     98.652954, 0.0,     3246.289795, 0.000481, 0.0]),
        ("proto_is_tcp",          [1.0,     1.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("proto_is_udp",          [0.0,     0.0,     1.0,       1.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("proto_is_icmp",         [0.0,     0.0,     0.0,       0.0,     1.0,       1.0,     1.0,       0.0,      0.0]),
        ("src_port_number",       [1041.0,  1042.0,  1025.0,    1024.0,  2048.0,    771.0,   34560.0,   -1.0,     -1.0]),
        ("dst_port_number",       [80.0,    25.0,    53.0,      137.0,   35328.0,   6666.0,  -1.0,      -1.0,     -1.0]),
        // ICMP's numbers are no ports: neither ephemeral nor well known, whatever their value.
        ("src_port_is_ephemeral", [1.0,     1.0,     1.0,       1.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("dst_port_is_well_known",[1.0,     1.0,     1.0,       1.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("dst_port_is_smtp",      [0.0,     1.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("dst_port_is_dns",       [0.0,     0.0,     1.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("dst_port_is_irc",       [0.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("dst_port_is_web",       [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("src_tos",               [0.0,     0.0,     0.0,       0.0,     0.0,       192.0,   0.0,       -1.0,     192.0]),
        ("dst_tos",               [0.0,     -1.0,    0.0,       -1.0,    -1.0,      -1.0,    -1.0,      -1.0,     -1.0]),
        // FSPA_FSPA: both sides sent FIN, SYN, PSH and ACK, neither RST; S_: the initiator's SYN.
        ("tcp_src_syn",           [1.0,     1.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_src_ack",           [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_src_push",          [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_src_fin",           [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_src_rst",           [0.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_dst_syn",           [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_dst_ack",           [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_dst_push",          [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_dst_fin",           [1.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("tcp_dst_rst",           [0.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        // TCP flag strings and NNS are none of the five states.
        ("state_is_con",          [0.0,     0.0,     1.0,       0.0,     0.0,       0.0,     0.0,       1.0,      0.0]),
        ("state_is_int",          [0.0,     0.0,     0.0,       1.0,     0.0,       0.0,     0.0,       0.0,      1.0]),
        ("state_is_req",          [0.0,     0.0,     0.0,       0.0,     0.0,       0.0,     0.0,       0.0,      0.0]),
        ("state_is_eco",          [0.0,     0.0,     0.0,       0.0,     1.0,       0.0,     0.0,       0.0,      0.0]),
        ("state_is_unreachable",  [0.0,     0.0,     0.0,       0.0,     0.0,       1.0,     0.0,       0.0,      0.0]),
        // dst bytes = TotBytes − SrcBytes: A 3000, C 139, H 60; the others 0.
        ("dst_silent",            [0.0,     1.0,     0.0,       1.0,     1.0,       1.0,     1.0,       0.0,      1.0]),
        ("total_pkts",            [10.0,    3.0,     2.0,       1.0,     22.0,      1.0,     5.0,       2.0,      1.0]),
        ("total_bytes",           [4000.0,  186.0,   214.0,     92.0,    23452.0,   70.0,    430.0,     120.0,    60.0]),
        ("src_bytes",             [1000.0,  186.0,   75.0,      92.0,    23452.0,   70.0,    430.0,     60.0,     60.0]),
        ("dst_bytes",             [3000.0,  0.0,     139.0,     0.0,     0.0,       0.0,     0.0,       60.0,     0.0]),
        ("src_bytes_share",       [0.25,    1.0,     75.0 / 214.0, 1.0,  1.0,       1.0,     1.0,       0.5,      1.0]),
        // E: 23452 / 22 = 1066 exactly.
        ("bytes_per_pkt",         [400.0,   62.0,    107.0,     92.0,    1066.0,    70.0,    86.0,      60.0,     60.0]),
        ("pkts_per_s",            [4.0,     3.0 / 9.0, 1000.0,  1000.0,  22.0 / 98.652954, 1000.0, 5.0 / 3246.289795, 2000.0, 1000.0]),
        ("bytes_per_s",           [1600.0,  186.0 / 9.0, 107_000.0, 92_000.0, 23452.0 / 98.652954, 70_000.0, 430.0 / 3246.289795, 120_000.0, 60_000.0]),
    ];
    let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, FLOW_FEATURES.iter().map(|f| f.name).collect::<Vec<_>>(), "one row per feature, in schema order");
    for (column, (flow, line)) in FLOWS.iter().enumerate() {
        let expected: Vec<(&str, f64)> = table.iter().map(|(name, values)| (*name, values[column])).collect();
        check(flow, &features_of(line), &expected);
    }
}

/// A line of a TCP flow from 147.32.84.165:1040 to port 25 with the given state.
fn tcp_line(state: &str) -> String {
    format!("2011/08/16 10:01:46.972101,3.0,tcp,147.32.84.165,1040,   ->,65.55.92.152,25,{state},0,0,4,244,124,flow=Background")
}

#[test]
fn tcp_flag_bits_of_each_side_from_argus_states() {
    // Argus's `-Z b` state is the initiator's flags, `_`, the responder's. Each of the five
    // bits alone on one side sets its one feature, so a feature reading another bit or side fails.
    let cases: [(&str, &[&str]); 16] = [
        ("S_", &["tcp_src_syn"]),
        ("A_", &["tcp_src_ack"]),
        ("P_", &["tcp_src_push"]),
        ("F_", &["tcp_src_fin"]),
        ("R_", &["tcp_src_rst"]),
        ("_S", &["tcp_dst_syn"]),
        ("_A", &["tcp_dst_ack"]),
        ("_P", &["tcp_dst_push"]),
        ("_F", &["tcp_dst_fin"]),
        ("_R", &["tcp_dst_rst"]),
        // URG, ECE and CWR (U, E, C; 7 and 8 in ra's letters) are no features.
        ("UEC_U78", &[]),
        // capture20110816: a connection reset by the server after its SYN-ACK; one refused.
        ("S_SRA", &["tcp_src_syn", "tcp_dst_syn", "tcp_dst_rst", "tcp_dst_ack"]),
        ("S_RA", &["tcp_src_syn", "tcp_dst_rst", "tcp_dst_ack"]),
        ("FPA_FPA", &["tcp_src_fin", "tcp_src_push", "tcp_src_ack", "tcp_dst_fin", "tcp_dst_push", "tcp_dst_ack"]),
        // Argus without `-Z b`: REQ is a SYN unanswered, ACC a SYN answered by a SYN-ACK.
        ("REQ", &["tcp_src_syn"]),
        ("ACC", &["tcp_src_syn", "tcp_dst_syn", "tcp_dst_ack"]),
    ];
    for (state, set) in cases {
        check(state, &features_of(&tcp_line(state)), &ones(&TCP_FLAG_FEATURES, set));
    }
}

#[test]
fn tcp_flag_bits_of_each_side_from_records() {
    // Per-side flags under a state that names none (Argus's `CON` without `-Z b`, as packet-built
    // and Zeek records may carry): the features read the record's flags, not the state.
    let tcp = |src_flags: u8, dst_flags: u8| FlowRecord {
        state: "CON".into(),
        src_tcp_flags: src_flags,
        dst_tcp_flags: dst_flags,
        ..FlowRecord::example_tcp([10, 0, 0, 1], 40000, [10, 0, 0, 2], 80, 0, 1_000_000)
    };
    let cases: [(u8, u8, &[&str]); 13] = [
        (SYN, 0, &["tcp_src_syn"]),
        (ACK, 0, &["tcp_src_ack"]),
        (PSH, 0, &["tcp_src_push"]),
        (FIN, 0, &["tcp_src_fin"]),
        (RST, 0, &["tcp_src_rst"]),
        (0, SYN, &["tcp_dst_syn"]),
        (0, ACK, &["tcp_dst_ack"]),
        (0, PSH, &["tcp_dst_push"]),
        (0, FIN, &["tcp_dst_fin"]),
        (0, RST, &["tcp_dst_rst"]),
        (URG | ECE | CWR, URG | ECE | CWR, &[]),
        (0xff, 0, &["tcp_src_syn", "tcp_src_ack", "tcp_src_push", "tcp_src_fin", "tcp_src_rst"]),
        (0, 0xff, &["tcp_dst_syn", "tcp_dst_ack", "tcp_dst_push", "tcp_dst_fin", "tcp_dst_rst"]),
    ];
    for (src_flags, dst_flags, set) in cases {
        let row = row_of(&tcp(src_flags, dst_flags));
        check(&format!("src flags {src_flags:#04x}, dst flags {dst_flags:#04x}"), &row, &ones(&TCP_FLAG_FEATURES, set));
        assert_eq!(get(&row, "state_is_con"), 1.0, "the state counts as well");
    }
    // Flags on a record that is not TCP are no TCP flags.
    for protocol in [17, 1, 47] {
        let other = FlowRecord { protocol: Protocol::Ip(protocol), ..tcp(0xff, 0xff) };
        check(&format!("IP protocol {protocol} with every flag bit"), &row_of(&other), &ones(&TCP_FLAG_FEATURES, &[]));
    }
}

#[test]
fn ports_at_the_ephemeral_and_well_known_boundaries() {
    // (protocol, Sport, Dport as written; then src_port_number, dst_port_number,
    // src_port_is_ephemeral: port ≥ 1024, dst_port_is_well_known: port < 1024).
    let cases: [(&str, &str, &str, [f64; 4]); 10] = [
        ("tcp", "1023", "1023", [1023.0, 1023.0, 0.0, 1.0]),
        ("tcp", "1024", "1024", [1024.0, 1024.0, 1.0, 0.0]),
        ("udp", "1023", "1024", [1023.0, 1024.0, 0.0, 0.0]),
        ("udp", "1024", "1023", [1024.0, 1023.0, 1.0, 1.0]),
        ("tcp", "0", "0", [0.0, 0.0, 0.0, 1.0]),
        ("tcp", "65535", "65535", [65535.0, 65535.0, 1.0, 0.0]),
        // Argus names some UDP applications: their ports are ports.
        ("rtp", "1024", "1023", [1024.0, 1023.0, 1.0, 1.0]),
        // ICMP type 4 code 0 (0x0004 → 4 << 8 = 1024) and id 0x0004 → 0x0400 = 1024; type 3
        // code 0 (0x0003 → 768) and id 0x0000: numbers, never ports.
        ("icmp", "0x0004", "0x0004", [1024.0, 1024.0, 0.0, 0.0]),
        ("icmp", "0x0003", "0x0000", [768.0, 0.0, 0.0, 0.0]),
        // Protocols without ports.
        ("gre", "", "", [-1.0, -1.0, 0.0, 0.0]),
    ];
    for (proto, sport, dport, [src, dst, ephemeral, well_known]) in cases {
        let line = format!("2011/08/16 10:05:00.000000,1.0,{proto},147.32.84.165,{sport},   ->,147.32.80.9,{dport},INT,0,,1,60,60,flow=Background");
        let expected = [("src_port_number", src), ("dst_port_number", dst), ("src_port_is_ephemeral", ephemeral), ("dst_port_is_well_known", well_known)];
        check(&format!("{proto} {sport} -> {dport}"), &features_of(&line), &expected);
    }
}

#[test]
fn service_ports_and_the_ports_beside_them() {
    // (protocol, Dport, the one service feature that is 1, if any). Each service is TCP only,
    // except DNS (TCP or UDP); only the responder's port counts.
    let cases: [(&str, &str, Option<&str>); 49] = [
        ("tcp", "24", None),
        ("tcp", "25", Some("dst_port_is_smtp")),
        ("tcp", "26", None),
        ("tcp", "464", None),
        ("tcp", "465", Some("dst_port_is_smtp")),
        ("tcp", "466", None),
        ("tcp", "586", None),
        ("tcp", "587", Some("dst_port_is_smtp")),
        ("tcp", "588", None),
        ("udp", "25", None),
        ("tcp", "52", None),
        ("tcp", "53", Some("dst_port_is_dns")),
        ("tcp", "54", None),
        ("udp", "52", None),
        ("udp", "53", Some("dst_port_is_dns")),
        ("udp", "54", None),
        ("rtp", "53", Some("dst_port_is_dns")),
        // ICMP id 0x3500 byte-swapped is 53: not a port.
        ("icmp", "0x3500", None),
        ("tcp", "6659", None),
        ("tcp", "6660", Some("dst_port_is_irc")),
        ("tcp", "6665", Some("dst_port_is_irc")),
        ("tcp", "6667", Some("dst_port_is_irc")),
        ("tcp", "6669", Some("dst_port_is_irc")),
        ("tcp", "6670", None),
        ("tcp", "6696", None),
        ("tcp", "6697", Some("dst_port_is_irc")),
        ("tcp", "6698", None),
        ("tcp", "6999", None),
        ("tcp", "7000", Some("dst_port_is_irc")),
        ("tcp", "7001", None),
        ("udp", "6667", None),
        ("udp", "7000", None),
        ("tcp", "79", None),
        ("tcp", "80", Some("dst_port_is_web")),
        ("tcp", "81", None),
        ("tcp", "442", None),
        ("tcp", "443", Some("dst_port_is_web")),
        ("tcp", "444", None),
        ("tcp", "7999", None),
        ("tcp", "8000", Some("dst_port_is_web")),
        ("tcp", "8001", None),
        ("tcp", "8079", None),
        ("tcp", "8080", Some("dst_port_is_web")),
        ("tcp", "8081", None),
        ("udp", "80", None),
        ("udp", "443", None),
        ("udp", "8080", None),
        ("sctp", "80", None),
        ("tcp", "", None),
    ];
    for (proto, dport, service) in cases {
        let line = format!("2011/08/16 10:05:00.000000,1.0,{proto},147.32.84.165,40000,   ->,147.32.80.9,{dport},INT,0,,1,60,60,flow=Background");
        check(&format!("{proto} to {dport:?}"), &features_of(&line), &ones(&SERVICE_FEATURES, service.as_slice()));
    }
    // Only the responder's port names a service: a flow from port 25 is no SMTP.
    for sport in ["25", "53", "6667", "7000", "80"] {
        let line = format!("2011/08/16 10:05:00.000000,1.0,tcp,147.32.84.165,{sport},   ->,147.32.80.9,40000,S_,0,,1,60,60,flow=Background");
        check(&format!("tcp from {sport}"), &features_of(&line), &ones(&SERVICE_FEATURES, &[]));
    }
}

#[test]
fn argus_states() {
    // (protocol, Sport, Dport, State, the one state feature that is 1, if any).
    let cases: [(&str, &str, &str, &str, Option<&str>); 17] = [
        ("udp", "1025", "53", "CON", Some("state_is_con")),
        ("udp", "1025", "53", "INT", Some("state_is_int")),
        // A record continuing a one-way flow (Argus `-S`).
        ("udp", "1025", "53", "REQ", Some("state_is_req")),
        ("arp", "", "", "CON", Some("state_is_con")),
        ("arp", "", "", "INT", Some("state_is_int")),
        ("icmp", "0x0008", "0x008a", "ECO", Some("state_is_eco")),
        ("icmp", "0x0000", "0x008a", "ECR", Some("state_is_eco")),
        ("icmp", "0x0303", "0x0a1a", "URP", Some("state_is_unreachable")),
        ("icmp", "0x0103", "0x0a3c", "URH", Some("state_is_unreachable")),
        ("icmp", "0x0a03", "0x0000", "URHPRO", Some("state_is_unreachable")),
        ("icmp", "0x1003", "0x0000", "UR", Some("state_is_unreachable")),
        ("ipv6-icmp", "1", "4", "URP", Some("state_is_unreachable")),
        // Router solicitation: a request.
        ("ipv6-icmp", "133", "0", "NRS", Some("state_is_req")),
        ("ipv6-icmp", "135", "0", "NNS", None),
        ("icmp", "0x000b", "0x0000", "TXD", None),
        ("icmp", "0x0005", "0x0a3c", "RED", None),
        ("tcp", "1040", "25", "S_RA", None),
    ];
    for (proto, sport, dport, state, kind) in cases {
        let line = format!("2011/08/16 10:05:00.000000,1.0,{proto},147.32.84.165,{sport},   ->,147.32.80.9,{dport},{state},0,,1,60,60,flow=Background");
        check(&format!("{proto} {state}"), &features_of(&line), &ones(&STATE_FEATURES, kind.as_slice()));
    }
}

#[test]
fn protocols() {
    // (protocol column, the one protocol feature that is 1, if any); ports -1 where the
    // protocol has none.
    let cases: [(&str, &str, &str, Option<&str>, f64); 10] = [
        ("tcp", "1040", "80", Some("proto_is_tcp"), 1040.0),
        ("udp", "1040", "80", Some("proto_is_udp"), 1040.0),
        ("rtp", "1040", "80", Some("proto_is_udp"), 1040.0),
        ("rtcp", "1040", "80", Some("proto_is_udp"), 1040.0),
        ("udt", "1040", "80", Some("proto_is_udp"), 1040.0),
        ("icmp", "0x0008", "0x0100", Some("proto_is_icmp"), 2048.0),
        ("ipv6-icmp", "128", "0", Some("proto_is_icmp"), 32768.0),
        ("igmp", "", "", None, -1.0),
        ("gre", "", "", None, -1.0),
        ("esp", "", "0x2020597d", None, -1.0),
    ];
    for (proto, sport, dport, kind, src_port) in cases {
        let line = format!("2011/08/16 10:05:00.000000,1.0,{proto},147.32.84.165,{sport},   ->,147.32.80.9,{dport},INT,0,,1,60,60,flow=Background");
        let mut expected = ones(&PROTO_FEATURES, kind.as_slice());
        expected.push(("src_port_number", src_port));
        check(proto, &features_of(&line), &expected);
    }
}

#[test]
fn type_of_service_of_each_side() {
    // (sTos, dTos as written; src_tos, dst_tos): blank means the side never sent.
    let cases: [(&str, &str, f64, f64); 6] = [
        ("32", "4", 32.0, 4.0),
        ("0", "", 0.0, -1.0),
        ("", "0", -1.0, 0.0),
        ("", "", -1.0, -1.0),
        ("255", "192", 255.0, 192.0),
        // The CTU-13 sample files write it as a decimal.
        ("8.0", "0.0", 8.0, 0.0),
    ];
    for (stos, dtos, src, dst) in cases {
        let line = format!("2011/08/16 10:05:00.000000,0.002,udp,147.32.84.165,1025,  <->,147.32.80.9,53,CON,{stos},{dtos},2,214,75,flow=Background");
        check(&format!("sTos {stos:?} dTos {dtos:?}"), &features_of(&line), &[("src_tos", src), ("dst_tos", dst)]);
    }
}

const VOLUME_FEATURES: [&str; 10] = [
    "duration_s", "dst_silent", "total_pkts", "total_bytes", "src_bytes", "dst_bytes",
    "src_bytes_share", "bytes_per_pkt", "pkts_per_s", "bytes_per_s",
];

#[test]
fn durations_volumes_and_rates() {
    // (Dur, TotPkts, TotBytes, SrcBytes; then the features of VOLUME_FEATURES in order).
    // Rates divide by the duration, or by 1 ms when the duration is shorter.
    #[rustfmt::skip]
    let cases: [(&str, u64, u64, u64, [f64; 10]); 6] = [
        // Zero: 1 ms. 1 / 0.001 = 1000 packets/s, 60 / 0.001 = 60,000 bytes/s.
        ("0.000000", 1, 60, 60,     [0.0,    1.0, 1.0, 60.0,  60.0,  0.0,   1.0,         60.0,  1000.0,       60_000.0]),
        // Half a millisecond: still 1 ms.
        ("0.000500", 2, 120, 60,    [0.0005, 0.0, 2.0, 120.0, 60.0,  60.0,  0.5,         60.0,  2000.0,       120_000.0]),
        // Exactly 1 ms, and just above: its own duration (2 / 0.0011 = 1818.18…).
        ("0.001000", 2, 120, 60,    [0.001,  0.0, 2.0, 120.0, 60.0,  60.0,  0.5,         60.0,  2000.0,       120_000.0]),
        ("0.001100", 2, 120, 60,    [0.0011, 0.0, 2.0, 120.0, 60.0,  60.0,  0.5,         60.0,  2.0 / 0.0011, 120.0 / 0.0011]),
        // A minute, mostly received: 300 / 1,500 = 0.2 of the bytes sent; 1,500 / 6 = 250.
        ("60.000000", 6, 1500, 300, [60.0,   0.0, 6.0, 1500.0, 300.0, 1200.0, 0.2,        250.0, 0.1,          25.0]),
        // Nothing sent by the initiator (Argus `_SA` rows): share 0, not silent.
        ("0.250000", 1, 60, 0,      [0.25,   0.0, 1.0, 60.0,  0.0,   60.0,  0.0,         60.0,  4.0,          240.0]),
    ];
    for (dur, pkts, bytes, src_bytes, values) in cases {
        let line = format!("2011/08/16 10:05:00.000000,{dur},udp,147.32.84.165,1025,  <->,147.32.80.9,53,CON,0,0,{pkts},{bytes},{src_bytes},flow=Background");
        let expected: Vec<(&str, f64)> = VOLUME_FEATURES.iter().copied().zip(values).collect();
        check(&format!("Dur {dur}, {pkts} packets, {bytes} bytes, {src_bytes} from the initiator"), &features_of(&line), &expected);
    }
}

#[test]
fn volumes_a_flow_file_cannot_write() {
    let base = FlowRecord::example_tcp([10, 0, 0, 1], 40000, [10, 0, 0, 2], 80, 5_000_000, 5_000_000);
    #[rustfmt::skip]
    let cases: [(&str, FlowRecord, [f64; 10]); 3] = [
        // NetFlow without packet or byte counts: every ratio 0, rates 0 / 0.001.
        ("no counts", FlowRecord { total_pkts: 0, total_bytes: 0, src_bytes: 0, ..base.clone() },
            [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        // Ending before it starts (Argus management records): duration 0, rates over 1 ms;
        // example_tcp's 3 packets, 180 bytes, all the initiator's.
        ("last before start", FlowRecord { last_us: 4_000_000, ..base.clone() },
            [0.0, 1.0, 3.0, 180.0, 180.0, 0.0, 1.0, 60.0, 3000.0, 180_000.0]),
        // More initiator bytes than bytes in all: the initiator's are capped at the total.
        ("src bytes above total", FlowRecord { src_bytes: 500, last_us: 7_000_000, ..base.clone() },
            [2.0, 1.0, 3.0, 180.0, 180.0, 0.0, 1.0, 60.0, 1.5, 90.0]),
    ];
    for (what, record, values) in cases {
        let expected: Vec<(&str, f64)> = VOLUME_FEATURES.iter().copied().zip(values).collect();
        check(what, &row_of(&record), &expected);
    }
}
