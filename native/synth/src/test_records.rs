//! Records for the unit tests: `FlowRecord::example_tcp`, as the core's own tests have it
//! (a trait here, since the core keeps its helper to its own tests).

use flowhound_core::packet::IpAddr16;
use flowhound_core::record::{Address, Direction, FlowRecord, Protocol};

pub trait ExampleRecords {
    /// A TCP record between two IPv4 ends: 3 packets, 180 bytes, all sent by the initiator,
    /// no flags, no label; change what a test needs with struct update syntax.
    fn example_tcp(src: [u8; 4], src_port: u16, dst: [u8; 4], dst_port: u16, start_us: i64, last_us: i64) -> FlowRecord;
}

impl ExampleRecords for FlowRecord {
    fn example_tcp(src: [u8; 4], src_port: u16, dst: [u8; 4], dst_port: u16, start_us: i64, last_us: i64) -> FlowRecord {
        FlowRecord {
            window_start_us: None,
            start_us,
            last_us,
            protocol: Protocol::Ip(6),
            src_addr: Address::Ip(IpAddr16::from_v4(src)),
            dst_addr: Address::Ip(IpAddr16::from_v4(dst)),
            src_port: Some(src_port),
            dst_port: Some(dst_port),
            direction: Direction::Forward,
            state: String::new(),
            src_tos: Some(0),
            dst_tos: None,
            total_pkts: 3,
            total_bytes: 180,
            src_bytes: 180,
            src_pkts: None,
            src_payload_bytes: None,
            dst_payload_bytes: None,
            src_tcp_flags: 0,
            dst_tcp_flags: 0,
            label: None,
        }
    }
}
