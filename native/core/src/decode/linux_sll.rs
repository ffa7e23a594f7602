//! Linux "cooked" captures (`tcpdump -i any`): SLL (LINKTYPE_LINUX_SLL, 16-byte header)
//! and SLL2 (LINKTYPE_LINUX_SLL2, 20-byte header).

use super::bytes::be16;
use super::ether_type::decode_ether_type;
use crate::packet::Network;

const SLL_HEADER_BYTES: usize = 16;
const SLL_PROTOCOL_AT: usize = 14;
const SLL2_HEADER_BYTES: usize = 20;
const SLL2_PROTOCOL_AT: usize = 0;

#[inline]
pub fn decode_sll(data: &[u8], wire_len: u32) -> Network {
    match be16(data, SLL_PROTOCOL_AT) {
        Some(protocol) if data.len() >= SLL_HEADER_BYTES => decode_ether_type(protocol, data, SLL_HEADER_BYTES, wire_len),
        _ => Network::Undecodable,
    }
}

#[inline]
pub fn decode_sll2(data: &[u8], wire_len: u32) -> Network {
    match be16(data, SLL2_PROTOCOL_AT) {
        Some(protocol) if data.len() >= SLL2_HEADER_BYTES => {
            decode_ether_type(protocol, data, SLL2_HEADER_BYTES, wire_len)
        }
        _ => Network::Undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// tcpdump corpus RADIUS-RFC3162.pcap, frame 1 (first 44 bytes): SLL header (outgoing,
    /// ARPHRD_LOOPBACK), IPv4 127.0.0.1:39646 -> 127.0.0.1:1812 UDP, total length 169.
    const SLL_UDP: [u8; 44] = [
        0x00, 0x00, 0x03, 0x04, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00,
        0x00, 0xa9, 0xec, 0x5c, 0x40, 0x00, 0x40, 0x11, 0x4f, 0xe5, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
        0x9a, 0xde, 0x07, 0x14, 0x00, 0x95, 0x42, 0x23,
    ];

    #[test]
    fn sll_ipv4() {
        let Network::Ip(packet) = decode_sll(&SLL_UDP, 185) else { panic!("not IP") };
        assert_eq!(packet.src, IpAddr16::from_v4([127, 0, 0, 1]));
        assert!(matches!(packet.transport, Transport::Udp { src_port: 39646, dst_port: 1812, .. }));
        assert_eq!(packet.payload_len, 169 - 28);
        assert_eq!(decode_sll(&SLL_UDP[..15], 185), Network::Undecodable);
    }

    #[test]
    fn sll2_ipv4() {
        // The same packet behind an SLL2 header: protocol, reserved, ifindex 1,
        // ARPHRD_LOOPBACK, packet type 4 (outgoing), address length 6, address.
        let mut bytes = vec![0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x04, 0x06, 0, 0, 0, 0, 0, 0, 0, 0];
        bytes.extend_from_slice(&SLL_UDP[16..]);
        let Network::Ip(packet) = decode_sll2(&bytes, 189) else { panic!("not IP") };
        assert!(matches!(packet.transport, Transport::Udp { src_port: 39646, dst_port: 1812, .. }));
        assert_eq!(decode_sll2(&bytes[..19], 189), Network::Undecodable);
    }

    #[test]
    fn sll_non_ip() {
        let mut arp = SLL_UDP[..16].to_vec();
        arp[14] = 0x08;
        arp[15] = 0x06;
        assert_eq!(decode_sll(&arp, 44), Network::NonIp { ether_type: 0x0806 });
    }
}
