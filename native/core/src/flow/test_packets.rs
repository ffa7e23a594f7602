//! Hand-made decoded packets for the engine's unit tests.

use crate::packet::{ip_proto, DecodedPacket, Fragment, IpAddr16, IpPacket, Network, Transport};

pub const SECOND_US: i64 = 1_000_000;
/// 2020-09-13 12:26:40 UTC: bucket 10,666,666 of 150 s starts 100 s before it.
pub const T0_US: i64 = 1_600_000_000 * SECOND_US;

pub fn host(last: u8) -> IpAddr16 {
    IpAddr16::from_v4([10, 0, 0, last])
}

pub fn ip_packet(ts_us: i64, src: u8, dst: u8, proto: u8, transport: Transport, payload_len: u32) -> DecodedPacket {
    let ip = IpPacket {
        version: 4,
        src: host(src),
        dst: host(dst),
        proto,
        tos: 0,
        ttl: 64,
        payload_len,
        fragment: Fragment::Whole,
        transport,
    };
    DecodedPacket { ts_us, wire_len: 60 + payload_len, network: Network::Ip(ip) }
}

pub fn udp(ts_us: i64, src: u8, dst: u8, src_port: u16, dst_port: u16) -> DecodedPacket {
    ip_packet(ts_us, src, dst, ip_proto::UDP, Transport::Udp { src_port, dst_port, dns_id: None }, 10)
}

#[allow(clippy::too_many_arguments)]
pub fn tcp(ts_us: i64, src: u8, dst: u8, src_port: u16, dst_port: u16, flags: u8, seq: u32, ack: u32, payload_len: u32) -> DecodedPacket {
    ip_packet(ts_us, src, dst, ip_proto::TCP, Transport::Tcp { src_port, dst_port, flags, seq, ack }, payload_len)
}

pub fn with_fragment(mut packet: DecodedPacket, fragment: Fragment) -> DecodedPacket {
    if let Network::Ip(ip) = &mut packet.network {
        ip.fragment = fragment;
        if matches!(fragment, Fragment::Later { .. }) {
            ip.transport = Transport::None;
        }
    }
    packet
}
