//! IPv6: addresses, the extension-header chain (hop-by-hop, routing, fragment, destination
//! options, AH, mobility, HIP, shim6), and the transport header at its end.

use super::bytes::{array, be16, be32};
use super::network::declared_ip_bytes;
use super::transport::decode_transport;
use crate::packet::{Fragment, IpAddr16, IpPacket, Network, Transport};

const HEADER_BYTES: usize = 40;

const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const AUTHENTICATION: u8 = 51;
const DESTINATION_OPTIONS: u8 = 60;
const MOBILITY: u8 = 135;
const HIP: u8 = 139;
const SHIM6: u8 = 140;

/// A chain longer than this is hostile; stop and report no transport.
const MAX_EXTENSION_HEADERS: usize = 16;

/// Decodes an IPv6 packet from its captured bytes; `wire_ip_bytes` as for IPv4 (used when
/// the payload length is 0: jumbograms, segmentation offload).
#[inline]
pub fn decode_ipv6(data: &[u8], wire_ip_bytes: u32) -> Network {
    let (Some(first_word), Some(payload_len_field), Some(src), Some(dst)) =
        (be32(data, 0), be16(data, 4), array::<16>(data, 8), array::<16>(data, 24))
    else {
        return Network::Undecodable;
    };
    if first_word >> 28 != 6 {
        return Network::Undecodable;
    }
    let traffic_class = (first_word >> 20) as u8;
    let hop_limit = data[7];
    let declared_payload_bytes = match payload_len_field {
        0 => wire_ip_bytes.saturating_sub(HEADER_BYTES as u32),
        field => declared_ip_bytes(HEADER_BYTES as u32 + u32::from(field), wire_ip_bytes, data.len())
            .saturating_sub(HEADER_BYTES as u32),
    };
    // Only the packet's own bytes: link-layer padding after it is not a header.
    let packet_end = data.len().min(HEADER_BYTES.saturating_add(declared_payload_bytes as usize));
    let packet = &data[..packet_end];

    let mut next_header = data[6];
    let mut offset = HEADER_BYTES;
    let mut fragment = Fragment::Whole;
    let mut transport_readable = true;
    for _ in 0..MAX_EXTENSION_HEADERS {
        let header_bytes = match next_header {
            HOP_BY_HOP | ROUTING | DESTINATION_OPTIONS | MOBILITY | HIP | SHIM6 => {
                packet.get(offset + 1).map(|&len_units| (usize::from(len_units) + 1) * 8)
            }
            AUTHENTICATION => packet.get(offset + 1).map(|&len_units| (usize::from(len_units) + 2) * 4),
            FRAGMENT => match (be16(packet, offset + 2), be32(packet, offset + 4)) {
                (Some(offset_flags), Some(ip_id)) => {
                    let fragment_offset = offset_flags >> 3;
                    let more = offset_flags & 1 != 0;
                    fragment = if fragment_offset != 0 {
                        Fragment::Later { ip_id, more }
                    } else if more {
                        Fragment::First { ip_id }
                    } else {
                        // An atomic fragment (RFC 6946) is a whole packet.
                        Fragment::Whole
                    };
                    Some(8)
                }
                _ => None,
            },
            _ => break,
        };
        let Some(header_bytes) = header_bytes else {
            // Cut by the snap length inside the chain: the protocol after it is unknown.
            transport_readable = false;
            break;
        };
        let Some(&following) = packet.get(offset) else {
            transport_readable = false;
            break;
        };
        next_header = following;
        offset += header_bytes;
        if matches!(fragment, Fragment::Later { .. }) {
            transport_readable = false;
            break;
        }
    }
    if is_extension_header(next_header) {
        // Chain too long, or cut: no transport header to read.
        transport_readable = false;
    }

    let extension_bytes = (offset - HEADER_BYTES) as u32;
    let (transport, transport_header_bytes) = if transport_readable {
        decode_transport(next_header, packet.get(offset..).unwrap_or(&[]))
    } else {
        (Transport::None, 0)
    };

    Network::Ip(IpPacket {
        version: 6,
        src: IpAddr16::from_v6(src),
        dst: IpAddr16::from_v6(dst),
        proto: next_header,
        tos: traffic_class,
        ttl: hop_limit,
        payload_len: declared_payload_bytes.saturating_sub(extension_bytes).saturating_sub(transport_header_bytes),
        fragment,
        transport,
    })
}

fn is_extension_header(next_header: u8) -> bool {
    matches!(next_header, HOP_BY_HOP | ROUTING | FRAGMENT | AUTHENTICATION | DESTINATION_OPTIONS | MOBILITY | HIP | SHIM6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{ip_proto, tcp_flag};

    const SRC: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const DST: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    /// IPv6 header (traffic class 0xb8, hop limit 64) from 2001:db8::1 to 2001:db8::2.
    fn header(next_header: u8, payload_len: u16) -> Vec<u8> {
        let mut bytes = vec![0x6b, 0x80, 0x00, 0x00];
        bytes.extend_from_slice(&payload_len.to_be_bytes());
        bytes.extend_from_slice(&[next_header, 64]);
        bytes.extend_from_slice(&SRC);
        bytes.extend_from_slice(&DST);
        bytes
    }

    /// TCP SYN-ACK 443 -> 50000, 20-byte header.
    const TCP_SYN_ACK: [u8; 20] = [
        0x01, 0xbb, 0xc3, 0x50, 0, 0, 0, 9, 0, 0, 0, 5, 0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0,
    ];

    fn ip(network: Network) -> IpPacket {
        match network {
            Network::Ip(ip) => ip,
            other => panic!("expected IP, got {other:?}"),
        }
    }

    #[test]
    fn plain_tcp() {
        let mut bytes = header(ip_proto::TCP, 20 + 100);
        bytes.extend_from_slice(&TCP_SYN_ACK);
        let packet = ip(decode_ipv6(&bytes, 160));
        assert_eq!((packet.version, packet.proto, packet.tos, packet.ttl), (6, ip_proto::TCP, 0xb8, 64));
        assert_eq!(packet.src, IpAddr16::from_v6(SRC));
        assert!(!packet.src.is_v4());
        assert_eq!(packet.payload_len, 100);
        assert_eq!(
            packet.transport,
            Transport::Tcp { src_port: 443, dst_port: 50000, flags: tcp_flag::SYN | tcp_flag::ACK, seq: 9, ack: 5 }
        );
    }

    #[test]
    fn hop_by_hop_then_icmpv6() {
        // Hop-by-hop with a router alert (as in an MLD report), then ICMPv6 type 143.
        let mut bytes = header(HOP_BY_HOP, 8 + 8);
        bytes.extend_from_slice(&[ip_proto::ICMPV6, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00]);
        bytes.extend_from_slice(&[143, 0, 0x12, 0x34, 0, 0, 0, 1]);
        let packet = ip(decode_ipv6(&bytes, 56));
        assert_eq!(packet.proto, ip_proto::ICMPV6);
        assert!(matches!(packet.transport, Transport::Icmp { icmp_type: 143, icmp_code: 0, id: 0, .. }));
        assert_eq!(packet.payload_len, 0);
    }

    #[test]
    fn routing_destination_and_ah_chain() {
        let mut bytes = header(ROUTING, 24 + 8 + 16 + 8);
        bytes.extend_from_slice(&[DESTINATION_OPTIONS, 2, 0, 0, 0, 0, 0, 0]); // routing, 24 bytes
        bytes.extend_from_slice(&[0; 16]);
        bytes.extend_from_slice(&[AUTHENTICATION, 0, 1, 4, 0, 0, 0, 0]); // dest opts, 8 bytes
        bytes.extend_from_slice(&[ip_proto::UDP, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]); // AH, 16 bytes
        bytes.extend_from_slice(&[0x00, 0x35, 0x00, 0x35, 0, 8, 0, 0]);
        let packet = ip(decode_ipv6(&bytes, 96));
        assert_eq!(packet.proto, ip_proto::UDP);
        assert!(matches!(packet.transport, Transport::Udp { src_port: 53, dst_port: 53, .. }));
        assert_eq!(packet.payload_len, 0);
    }

    #[test]
    fn fragment_header() {
        let fragment = |offset_flags: u16| {
            let mut bytes = header(FRAGMENT, 8 + 20);
            bytes.extend_from_slice(&[ip_proto::TCP, 0]);
            bytes.extend_from_slice(&offset_flags.to_be_bytes());
            bytes.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
            bytes.extend_from_slice(&TCP_SYN_ACK);
            ip(decode_ipv6(&bytes, 88))
        };
        let first = fragment(0x0001);
        assert_eq!(first.fragment, Fragment::First { ip_id: 0xdead_beef });
        assert!(matches!(first.transport, Transport::Tcp { src_port: 443, .. }));
        assert_eq!(first.proto, ip_proto::TCP);

        let later = fragment(185 << 3);
        assert_eq!(later.fragment, Fragment::Later { ip_id: 0xdead_beef, more: false });
        assert_eq!(later.transport, Transport::None);
        assert_eq!(later.proto, ip_proto::TCP);
        assert_eq!(later.payload_len, 20);

        assert_eq!(fragment(0).fragment, Fragment::Whole, "atomic fragment");
    }

    #[test]
    fn chain_cut_by_snap_length() {
        let mut bytes = header(HOP_BY_HOP, 8 + 20);
        bytes.push(ip_proto::TCP); // next header byte only
        let packet = ip(decode_ipv6(&bytes, 88));
        assert_eq!(packet.transport, Transport::None);
        assert_eq!(packet.proto, HOP_BY_HOP);
        assert_eq!(packet.src, IpAddr16::from_v6(SRC));
    }

    #[test]
    fn endless_chain_stops() {
        let mut bytes = header(DESTINATION_OPTIONS, 8 * 40);
        for _ in 0..40 {
            bytes.extend_from_slice(&[DESTINATION_OPTIONS, 0, 0, 0, 0, 0, 0, 0]);
        }
        let packet = ip(decode_ipv6(&bytes, 360));
        assert_eq!(packet.transport, Transport::None);
    }

    #[test]
    fn no_next_header_and_esp() {
        let packet = ip(decode_ipv6(&header(59, 0), 40));
        assert_eq!((packet.proto, packet.transport, packet.payload_len), (59, Transport::None, 0));
        // ESP: the SPI is read, and its 8-byte header (SPI, sequence) is not payload.
        let mut esp = header(50, 16);
        esp.extend_from_slice(&[0, 0, 0x12, 0x34, 0, 0, 0, 1]);
        esp.extend_from_slice(&[0; 8]);
        let packet = ip(decode_ipv6(&esp, 56));
        assert_eq!((packet.proto, packet.transport, packet.payload_len), (50, Transport::Esp { spi: 0x1234 }, 8));
    }

    #[test]
    fn zero_payload_length_uses_the_wire_length() {
        let mut bytes = header(ip_proto::TCP, 0);
        bytes.extend_from_slice(&TCP_SYN_ACK);
        assert_eq!(ip(decode_ipv6(&bytes, 40 + 20 + 1000)).payload_len, 1000);
    }

    #[test]
    fn a_payload_length_beyond_the_wire_is_clamped() {
        let mut bytes = header(ip_proto::TCP, 60_000);
        bytes.extend_from_slice(&TCP_SYN_ACK);
        assert_eq!(ip(decode_ipv6(&bytes, 40 + 20 + 6)).payload_len, 6);
    }

    #[test]
    fn short_or_wrong_version_is_undecodable() {
        let bytes = header(ip_proto::TCP, 0);
        assert_eq!(decode_ipv6(&bytes[..39], 40), Network::Undecodable);
        let mut version4 = bytes;
        version4[0] = 0x45;
        assert_eq!(decode_ipv6(&version4, 40), Network::Undecodable);
    }
}
