//! The reader and decoder on the real captures of `../shared/data/pcaps`, against what
//! tshark 4.0 decodes in them (`test/fixtures/pcaps/tshark-*.tsv`, written by
//! `make-tshark-expected.sh`): per-file counts of packets, IPv4, IPv6, TCP, UDP and ICMP,
//! the sum of TCP payload bytes, and the fields of sampled packets.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use flowhound_core::capture::CaptureReader;
use flowhound_core::decode::decode;
use flowhound_core::packet::{DecodedPacket, IpPacket, Network, Transport};

#[derive(Default, Debug, PartialEq, Eq)]
struct Summary {
    packets: u64,
    ipv4: u64,
    ipv6: u64,
    tcp: u64,
    udp: u64,
    icmp: u64,
    tcp_payload_bytes: u64,
}

fn read_all(path: &Path) -> Vec<DecodedPacket> {
    let mut reader = CaptureReader::open(path).unwrap_or_else(|err| panic!("{err}"));
    let mut packets = Vec::new();
    while let Some(packet) = reader.next_packet().unwrap_or_else(|err| panic!("{err}")) {
        packets.push(decode(&packet));
    }
    packets
}

fn summarise(packets: &[DecodedPacket]) -> Summary {
    let mut summary = Summary { packets: packets.len() as u64, ..Summary::default() };
    for packet in packets {
        let Network::Ip(ip) = packet.network else { continue };
        match ip.version {
            4 => summary.ipv4 += 1,
            _ => summary.ipv6 += 1,
        }
        match ip.transport {
            Transport::Tcp { .. } => {
                summary.tcp += 1;
                summary.tcp_payload_bytes += u64::from(ip.payload_len);
            }
            Transport::Udp { .. } => summary.udp += 1,
            Transport::Icmp { .. } => summary.icmp += 1,
            Transport::Esp { .. } | Transport::None => {}
        }
    }
    summary
}

fn number(text: &str) -> u64 {
    if let Some(hex) = text.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).unwrap()
    } else {
        text.parse().unwrap_or_else(|_| panic!("not a number: {text:?}"))
    }
}

/// Checks one decoded packet against a tshark row; returns what differs.
fn differences(packet: &DecodedPacket, row: &[String]) -> Vec<String> {
    let field = |name: &str| -> &str {
        const COLUMNS: [&str; 17] = [
            "file", "frame", "ts_us", "wire_len", "version", "src", "dst", "proto", "tos", "ttl", "src_port", "dst_port",
            "tcp_flags", "tcp_payload", "icmp_type", "icmp_code", "icmp_id",
        ];
        row.get(COLUMNS.iter().position(|column| *column == name).unwrap()).map_or("", String::as_str)
    };
    let mut found = Vec::new();
    let mut check = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            found.push(format!("{what}: ours {ours}, tshark {theirs}"));
        }
    };
    check("ts_us", packet.ts_us.to_string(), field("ts_us").to_string());
    check("wire_len", packet.wire_len.to_string(), field("wire_len").to_string());
    let ip: Option<IpPacket> = match packet.network {
        Network::Ip(ip) => Some(ip),
        _ => None,
    };
    check("version", ip.map_or(String::new(), |ip| ip.version.to_string()), field("version").to_string());
    let Some(ip) = ip else { return found };
    check("src", ip.src.to_std().to_string(), field("src").parse::<IpAddr>().unwrap().to_string());
    check("dst", ip.dst.to_std().to_string(), field("dst").parse::<IpAddr>().unwrap().to_string());
    check("tos", ip.tos.to_string(), number(field("tos")).to_string());
    check("ttl", ip.ttl.to_string(), field("ttl").to_string());
    if !field("proto").is_empty() {
        check("proto", ip.proto.to_string(), field("proto").to_string());
    }
    let ours = match ip.transport {
        Transport::Tcp { src_port, dst_port, flags, .. } => {
            format!("tcp {src_port} {dst_port} flags {flags:#04x} payload {}", ip.payload_len)
        }
        Transport::Udp { src_port, dst_port, .. } => format!("udp {src_port} {dst_port}"),
        Transport::Icmp { icmp_type, icmp_code, id, .. } => format!("icmp {icmp_type} {icmp_code} id {id}"),
        // tshark's rows name no ESP field: the SPI is checked in decode/transport.rs and
        // against argus (tests/argus_agreement.rs).
        Transport::Esp { .. } | Transport::None => "none".to_string(),
    };
    let theirs = if !field("tcp_flags").is_empty() {
        format!(
            "tcp {} {} flags {:#04x} payload {}",
            field("src_port"),
            field("dst_port"),
            number(field("tcp_flags")) & 0xff,
            field("tcp_payload")
        )
    } else if !field("src_port").is_empty() {
        format!("udp {} {}", field("src_port"), field("dst_port"))
    } else if !field("icmp_type").is_empty() {
        format!("icmp {} {} id {}", field("icmp_type"), field("icmp_code"), field("icmp_id"))
    } else {
        "none".to_string()
    };
    check("transport", ours, theirs);
    found
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/pcaps (absent when the tests were built)")]
fn real_captures_decode_as_tshark_decodes_them() {
    let pcaps = common::shared_data("pcaps");
    let summaries = common::tsv_rows(&common::fixture("pcaps/tshark-summary.tsv"));
    let mut samples: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for row in common::tsv_rows(&common::fixture("pcaps/tshark-packets.tsv")) {
        samples.entry(row[0].clone()).or_default().push(row);
    }
    assert_eq!(summaries.len(), 10);

    let mut problems = Vec::new();
    let mut checked_packets = 0;
    for row in &summaries {
        let file = &row[0];
        let packets = read_all(&pcaps.join(file));
        let expected = Summary {
            packets: number(&row[1]),
            ipv4: number(&row[2]),
            ipv6: number(&row[3]),
            tcp: number(&row[4]),
            udp: number(&row[5]),
            icmp: number(&row[6]),
            tcp_payload_bytes: number(&row[7]),
        };
        let ours = summarise(&packets);
        if ours != expected {
            problems.push(format!("{file}: ours {ours:?}\n  tshark {expected:?}"));
        }
        for sample in samples.get(file).map(Vec::as_slice).unwrap_or_default() {
            let frame = number(&sample[1]) as usize;
            checked_packets += 1;
            match packets.get(frame - 1) {
                Some(packet) => {
                    for difference in differences(packet, sample) {
                        problems.push(format!("{file} frame {frame}: {difference}"));
                    }
                }
                None => problems.push(format!("{file}: no frame {frame}")),
            }
        }
    }
    assert!(checked_packets > 400);
    assert!(problems.is_empty(), "differences from tshark:\n{}", problems.join("\n"));
}
