//! BSD loopback (LINKTYPE_NULL, LINKTYPE_LOOP): a 4-byte address family, written in the
//! capturing host's byte order for NULL (network order for LOOP, though writers disagree),
//! so both orders are tried. IPv6's AF value differs between BSDs: 24, 28 or 30.

use super::bytes::array;
use super::ether_type::LLC_PSEUDO_ETHER_TYPE;
use super::network::{decode_ip_at, IpVersion};
use crate::packet::Network;

const HEADER_BYTES: usize = 4;
const AF_INET: u32 = 2;
const AF_INET6_NETBSD_OPENBSD: u32 = 24;
const AF_INET6_FREEBSD: u32 = 28;
const AF_INET6_DARWIN: u32 = 30;

#[inline]
pub fn decode_null_loopback(data: &[u8], wire_len: u32) -> Network {
    let Some(family_bytes) = array::<4>(data, 0) else {
        return Network::Undecodable;
    };
    let version = [u32::from_le_bytes(family_bytes), u32::from_be_bytes(family_bytes)].into_iter().find_map(|family| {
        match family {
            AF_INET => Some(IpVersion::V4),
            AF_INET6_NETBSD_OPENBSD | AF_INET6_FREEBSD | AF_INET6_DARWIN => Some(IpVersion::V6),
            _ => None,
        }
    });
    match version {
        Some(version) => decode_ip_at(version, data, HEADER_BYTES, wire_len),
        None => Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{ip_proto, Transport};

    /// tcpdump corpus dns-badcookie.pcap, frame 1 (first 32 bytes): AF_INET little-endian,
    /// IPv4 127.0.0.1:54954 -> 127.0.0.1:53 UDP, total length 68.
    const NULL_IPV4: [u8; 32] = [
        0x02, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x44, 0x00, 0x0f, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0x7f, 0x00,
        0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd6, 0xaa, 0x00, 0x35, 0x00, 0x30, 0xfe, 0x43,
    ];

    /// tcpdump corpus icmpv6-RFC2894-RR.pcap, frame 1 (first 48 bytes): AF 28 (FreeBSD
    /// AF_INET6) little-endian, IPv6 ICMPv6 router renumbering (type 138), payload 72.
    const NULL_IPV6: [u8; 48] = [
        0x1c, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x48, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
        0x00, 0x00, 0x0a, 0x00, 0x27, 0xff, 0xfe, 0xf4, 0x4d, 0xcf, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
        0x0a, 0x00, 0x27, 0xff, 0xfe, 0xf4, 0x4d, 0xcf, 0x8a, 0x00, 0xdf, 0x3a,
    ];

    #[test]
    fn ipv4_little_endian_family() {
        let Network::Ip(packet) = decode_null_loopback(&NULL_IPV4, 72) else { panic!("not IP") };
        assert!(matches!(packet.transport, Transport::Udp { src_port: 54954, dst_port: 53, .. }));
        assert_eq!(packet.payload_len, 40);
    }

    #[test]
    fn ipv6_families_in_both_byte_orders() {
        for family in [24u32, 28, 30] {
            for header in [family.to_le_bytes(), family.to_be_bytes()] {
                let mut bytes = NULL_IPV6.to_vec();
                bytes[..4].copy_from_slice(&header);
                let Network::Ip(packet) = decode_null_loopback(&bytes, 116) else { panic!("not IP for AF {family}") };
                assert_eq!((packet.version, packet.proto), (6, ip_proto::ICMPV6));
                assert!(matches!(packet.transport, Transport::Icmp { icmp_type: 138, icmp_code: 0, id: 0, .. }));
            }
        }
    }

    #[test]
    fn big_endian_ipv4_and_other_families() {
        let mut bytes = NULL_IPV4.to_vec();
        bytes[..4].copy_from_slice(&2u32.to_be_bytes());
        assert!(matches!(decode_null_loopback(&bytes, 72), Network::Ip(_)));
        bytes[..4].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(decode_null_loopback(&bytes, 72), Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE });
        assert_eq!(decode_null_loopback(&bytes[..3], 72), Network::Undecodable);
    }
}
