//! IPv4: addresses, options (IHL), fragments, and the transport header behind them.

use super::bytes::{array, be16};
use super::network::declared_ip_bytes;
use super::transport::decode_transport;
use crate::packet::{Fragment, IpAddr16, IpPacket, Network, Transport};

const MIN_HEADER_BYTES: usize = 20;
const MORE_FRAGMENTS: u16 = 0x2000;
const FRAGMENT_OFFSET_MASK: u16 = 0x1fff;

/// Decodes an IPv4 packet from its captured bytes. `wire_ip_bytes` is the packet's length on
/// the wire from the IP header on, used when the header's total length is 0 (captured on a
/// sender with segmentation offload).
#[inline]
pub fn decode_ipv4(data: &[u8], wire_ip_bytes: u32) -> Network {
    let (Some(&version_ihl), Some(total_len), Some(ip_id), Some(flags_offset), Some(src), Some(dst)) = (
        data.first(),
        be16(data, 2),
        be16(data, 4),
        be16(data, 6),
        array::<4>(data, 12),
        array::<4>(data, 16),
    ) else {
        return Network::Undecodable;
    };
    let header_bytes = usize::from(version_ihl & 0x0f) * 4;
    if version_ihl >> 4 != 4 || header_bytes < MIN_HEADER_BYTES {
        return Network::Undecodable;
    }
    let tos = data[1];
    let ttl = data[8];
    let proto = data[9];

    let declared_bytes = declared_ip_bytes(u32::from(total_len), wire_ip_bytes, data.len());
    let ip_payload_bytes = declared_bytes.saturating_sub(header_bytes as u32);

    let fragment_offset = flags_offset & FRAGMENT_OFFSET_MASK;
    let more_fragments = flags_offset & MORE_FRAGMENTS != 0;
    let ip_id = u32::from(ip_id);
    let fragment = if fragment_offset != 0 {
        Fragment::Later { ip_id, more: more_fragments }
    } else if more_fragments {
        Fragment::First { ip_id }
    } else {
        Fragment::Whole
    };

    let (transport, transport_header_bytes) = if matches!(fragment, Fragment::Later { .. }) {
        (Transport::None, 0)
    } else {
        // Only the IP packet's own bytes: Ethernet padding after it is not a header.
        let end = data.len().min(declared_bytes as usize);
        let transport_bytes = data.get(header_bytes..end).unwrap_or(&[]);
        decode_transport(proto, transport_bytes)
    };

    Network::Ip(IpPacket {
        version: 4,
        src: IpAddr16::from_v4(src),
        dst: IpAddr16::from_v4(dst),
        proto,
        tos,
        ttl,
        payload_len: ip_payload_bytes.saturating_sub(transport_header_bytes),
        fragment,
        transport,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::ip_proto;

    /// IPv4 + UDP DNS query 10.0.0.1:5353 -> 10.0.0.2:53, total length 48 (8 bytes UDP +
    /// 20 bytes payload), hand-built after a DNS query in test7-malicious.pcap.
    fn udp_packet() -> Vec<u8> {
        let mut packet = vec![
            0x45, 0x10, 0x00, 0x30, 0xbe, 0xef, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        packet.extend_from_slice(&[0x14, 0xe9, 0x00, 0x35, 0x00, 0x1c, 0x00, 0x00]);
        packet.extend_from_slice(&[0u8; 20]);
        packet
    }

    fn ip(network: Network) -> IpPacket {
        match network {
            Network::Ip(ip) => ip,
            other => panic!("expected IP, got {other:?}"),
        }
    }

    #[test]
    fn udp_over_ipv4() {
        let packet = ip(decode_ipv4(&udp_packet(), 48));
        assert_eq!(packet.version, 4);
        assert_eq!(packet.src, IpAddr16::from_v4([10, 0, 0, 1]));
        assert_eq!(packet.dst, IpAddr16::from_v4([10, 0, 0, 2]));
        assert_eq!((packet.proto, packet.tos, packet.ttl), (ip_proto::UDP, 0x10, 64));
        assert_eq!(packet.payload_len, 20);
        assert_eq!(packet.fragment, Fragment::Whole);
        assert!(matches!(packet.transport, Transport::Udp { src_port: 5353, dst_port: 53, .. }));
    }

    #[test]
    fn payload_length_comes_from_the_header_not_the_capture() {
        // Cut at 32 bytes by the snap length: the UDP header is there, the payload is not.
        let packet = ip(decode_ipv4(&udp_packet()[..32], 48));
        assert_eq!(packet.payload_len, 20);
        assert!(matches!(packet.transport, Transport::Udp { src_port: 5353, dst_port: 53, .. }));
    }

    #[test]
    fn zero_total_length_uses_the_wire_length() {
        let mut bytes = udp_packet();
        bytes[2] = 0;
        bytes[3] = 0;
        assert_eq!(ip(decode_ipv4(&bytes, 48)).payload_len, 20);
    }

    #[test]
    fn a_total_length_beyond_the_wire_is_clamped() {
        let mut bytes = udp_packet();
        bytes[2] = 0xff;
        bytes[3] = 0xff;
        assert_eq!(ip(decode_ipv4(&bytes, 48)).payload_len, 20);
        // A record whose wire length is below its captured length is itself damaged: the
        // header's length is kept.
        assert_eq!(ip(decode_ipv4(&bytes, 40)).payload_len, 65_535 - 28);
    }

    #[test]
    fn options_move_the_transport_header() {
        // IHL 6: one 4-byte option (router alert 94 04 00 00) before the UDP header.
        let plain = udp_packet();
        let mut bytes = vec![0x46];
        bytes.extend_from_slice(&plain[1..20]);
        bytes[3] = 0x34; // total length 52
        bytes.extend_from_slice(&[0x94, 0x04, 0x00, 0x00]);
        bytes.extend_from_slice(&plain[20..]);
        let packet = ip(decode_ipv4(&bytes, 52));
        assert!(matches!(packet.transport, Transport::Udp { src_port: 5353, dst_port: 53, .. }));
        assert_eq!(packet.payload_len, 20);
        // Options cut by the snap length: addresses known, transport not.
        let cut = ip(decode_ipv4(&bytes[..22], 52));
        assert_eq!(cut.transport, Transport::None);
        assert_eq!(cut.src, IpAddr16::from_v4([10, 0, 0, 1]));
    }

    #[test]
    fn fragments() {
        let mut first = udp_packet();
        first[6] = 0x20; // MF, offset 0
        let packet = ip(decode_ipv4(&first, 48));
        assert_eq!(packet.fragment, Fragment::First { ip_id: 0xbeef });
        assert!(matches!(packet.transport, Transport::Udp { src_port: 5353, dst_port: 53, .. }));

        let mut middle = udp_packet();
        middle[6] = 0x20;
        middle[7] = 0xb9; // offset 185 * 8 = 1480
        let packet = ip(decode_ipv4(&middle, 48));
        assert_eq!(packet.fragment, Fragment::Later { ip_id: 0xbeef, more: true });
        assert_eq!(packet.transport, Transport::None);
        assert_eq!(packet.payload_len, 28, "a later fragment is all payload");

        let mut last = udp_packet();
        last[6] = 0x00;
        last[7] = 0xb9;
        assert_eq!(ip(decode_ipv4(&last, 48)).fragment, Fragment::Later { ip_id: 0xbeef, more: false });
    }

    #[test]
    fn ethernet_padding_is_not_a_transport_header() {
        // Total length 20: no transport header at all, followed by 26 bytes of padding.
        let mut bytes = udp_packet()[..20].to_vec();
        bytes[3] = 20;
        bytes.extend_from_slice(&[0x00, 0x35, 0x00, 0x35, 0, 0, 0, 0]);
        let packet = ip(decode_ipv4(&bytes, 46));
        assert_eq!(packet.transport, Transport::None);
        assert_eq!(packet.payload_len, 0);
    }

    #[test]
    fn bogus_headers_are_undecodable() {
        let good = udp_packet();
        assert_eq!(decode_ipv4(&good[..19], 48), Network::Undecodable);
        let mut version6 = good.clone();
        version6[0] = 0x65;
        assert_eq!(decode_ipv4(&version6, 48), Network::Undecodable);
        let mut short_ihl = good.clone();
        short_ihl[0] = 0x44;
        assert_eq!(decode_ipv4(&short_ihl, 48), Network::Undecodable);
        // Total length smaller than the header: payload clamps to 0.
        let mut tiny_total = good;
        tiny_total[3] = 8;
        assert_eq!(ip(decode_ipv4(&tiny_total, 48)).payload_len, 0);
    }
}
