//! The frames a record's packets take on an Ethernet wire: header lengths, the shortest and
//! longest frame of a protocol, and the bounds a record's bytes are split within.
//!
//! Both the reading of flow files (a record cut into windows: `features::record_pieces`) and
//! `flowhound synth` (a record rebuilt as packets) split a record's packets by these bounds,
//! so that the features of a flow file and of its rebuilt capture agree. The headers are those
//! `flowhound synth` writes: Ethernet, IPv4 without options or IPv6 without extension
//! headers, TCP without options, UDP, ICMP/ICMPv6 echo-style.

use crate::packet::{ip_proto, IpAddr16};

pub const ETHERNET_HEADER_LEN: u32 = 14;
pub const IPV4_HEADER_LEN: u32 = 20;
pub const IPV6_HEADER_LEN: u32 = 40;
pub const TCP_HEADER_LEN: u32 = 20;
pub const UDP_HEADER_LEN: u32 = 8;
pub const ICMP_HEADER_LEN: u32 = 8;

/// Ethernet's longest frame without FCS: the frames a record's packets keep to unless its
/// bytes demand jumbo frames.
pub const ETHERNET_MAX_FRAME_BYTES: u32 = 1514;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpVersion {
    V4,
    V6,
}

impl IpVersion {
    /// The version of packets to or from `address`.
    pub fn of(address: &IpAddr16) -> IpVersion {
        if address.is_v4() {
            IpVersion::V4
        } else {
            IpVersion::V6
        }
    }
}

/// IPv4 without options, IPv6 without extension headers.
pub fn ip_header_len(version: IpVersion) -> u32 {
    match version {
        IpVersion::V4 => IPV4_HEADER_LEN,
        IpVersion::V6 => IPV6_HEADER_LEN,
    }
}

/// The shortest wire length (no padding) of a packet of IP protocol `proto`, with the headers
/// above: TCP/IPv4 54, UDP/IPv4 42, ICMP 42, other/IPv4 34; IPv6 adds 20.
pub fn min_wire_len(version: IpVersion, proto: u8) -> u32 {
    let transport = match proto {
        ip_proto::TCP => TCP_HEADER_LEN,
        ip_proto::UDP => UDP_HEADER_LEN,
        ip_proto::ICMP | ip_proto::ICMPV6 => ICMP_HEADER_LEN,
        _ => 0,
    };
    ETHERNET_HEADER_LEN + ip_header_len(version) + transport
}

/// The longest frame an IP packet of this version allows (IPv4 total length, IPv6 payload
/// length: 16 bits).
pub fn largest_frame(version: IpVersion) -> u32 {
    match version {
        IpVersion::V4 => ETHERNET_HEADER_LEN + u32::from(u16::MAX),
        IpVersion::V6 => ETHERNET_HEADER_LEN + IPV6_HEADER_LEN + u32::from(u16::MAX),
    }
}

/// Frame lengths a record's packets may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameBounds {
    /// The headers alone (TCP/IPv4: 54).
    pub min: u32,
    /// Ethernet's 1514 unless told otherwise.
    pub preferred_max: u32,
    /// The largest frame an IP packet allows (IPv4: 14 + 65535).
    pub hard_max: u32,
}

/// Frame bounds of a packet of IP protocol `proto`, the longest preferred being
/// `preferred_max_frame_bytes` (Ethernet's 1514 unless told otherwise).
pub fn frame_bounds(version: IpVersion, proto: u8, preferred_max_frame_bytes: u32) -> FrameBounds {
    FrameBounds { min: min_wire_len(version, proto), preferred_max: preferred_max_frame_bytes, hard_max: largest_frame(version) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_frames_are_the_headers() {
        assert_eq!(min_wire_len(IpVersion::V4, ip_proto::TCP), 54);
        assert_eq!(min_wire_len(IpVersion::V4, ip_proto::UDP), 42);
        assert_eq!(min_wire_len(IpVersion::V4, ip_proto::ICMP), 42);
        assert_eq!(min_wire_len(IpVersion::V4, 47), 34);
        assert_eq!(min_wire_len(IpVersion::V6, ip_proto::TCP), 74);
        assert_eq!(min_wire_len(IpVersion::V6, ip_proto::ICMPV6), 62);
    }

    #[test]
    fn bounds_of_tcp_over_ipv4() {
        let bounds = frame_bounds(IpVersion::V4, ip_proto::TCP, ETHERNET_MAX_FRAME_BYTES);
        assert_eq!(bounds, FrameBounds { min: 54, preferred_max: 1514, hard_max: 65_549 });
        assert_eq!(largest_frame(IpVersion::V6), 14 + 40 + 65_535);
    }
}
