//! Ethernet II and 802.3 frames (LINKTYPE_ETHERNET).

use super::bytes::be16;
use super::ether_type::{decode_ether_type, LLC_PSEUDO_ETHER_TYPE, MAX_8023_LENGTH};
use crate::packet::Network;

const HEADER_BYTES: usize = 14;
/// LLC DSAP, SSAP and control of a SNAP header: AA AA 03, then a 3-byte OUI and an EtherType.
const SNAP_LLC: [u8; 3] = [0xaa, 0xaa, 0x03];
const SNAP_HEADER_BYTES: usize = 8;

#[inline]
pub fn decode_ethernet(data: &[u8], wire_len: u32) -> Network {
    let Some(type_or_length) = be16(data, 12) else {
        return Network::Undecodable;
    };
    if type_or_length > MAX_8023_LENGTH {
        return decode_ether_type(type_or_length, data, HEADER_BYTES, wire_len);
    }
    // 802.3 with LLC; with a SNAP header, an EtherType follows (RFC 1042 encapsulation).
    match (data.get(HEADER_BYTES..HEADER_BYTES + 3), be16(data, HEADER_BYTES + 6)) {
        (Some(llc), Some(ether_type)) if llc == SNAP_LLC && ether_type > MAX_8023_LENGTH => {
            decode_ether_type(ether_type, data, HEADER_BYTES + SNAP_HEADER_BYTES, wire_len)
        }
        _ => Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// tcpdump corpus bfd_source_port_49152.pcap, frame 1 (first 52 bytes): 802.1Q VLAN 11,
    /// IPv4 11.11.11.2:49152 -> 11.11.11.1:3784 UDP, tos 0xe0, ttl 255, total length 52.
    const VLAN_UDP: [u8; 52] = [
        0xe4, 0x6d, 0x7f, 0x54, 0xb9, 0x08, 0x94, 0x43, 0x4d, 0xc0, 0x17, 0x85, 0x81, 0x00, 0xe0, 0x0b, 0x08, 0x00,
        0x45, 0xe0, 0x00, 0x34, 0x9d, 0x41, 0x40, 0x00, 0xff, 0x11, 0xb1, 0x7e, 0x0b, 0x0b, 0x0b, 0x02, 0x0b, 0x0b,
        0x0b, 0x01, 0xc0, 0x00, 0x0e, 0xc8, 0x00, 0x20, 0x00, 0x00, 0x20, 0xc8, 0x03, 0x18, 0x80, 0x00,
    ];

    /// tcpdump corpus 802.1ad_QinQ.pcap, frame 1 (first 32 bytes): 802.1ad tag, 802.1Q tag,
    /// ARP request.
    const QINQ_ARP: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00,
        0x07, 0xd1, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x20,
    ];

    #[test]
    fn vlan_tagged_udp() {
        let Network::Ip(packet) = decode_ethernet(&VLAN_UDP, 70) else { panic!("not IP") };
        assert_eq!(packet.src, IpAddr16::from_v4([11, 11, 11, 2]));
        assert_eq!(packet.dst, IpAddr16::from_v4([11, 11, 11, 1]));
        assert_eq!((packet.tos, packet.ttl), (0xe0, 255));
        assert!(matches!(packet.transport, Transport::Udp { src_port: 49152, dst_port: 3784, .. }));
        assert_eq!(packet.payload_len, 52 - 20 - 8);
    }

    #[test]
    fn untagged_ipv4() {
        let mut untagged = VLAN_UDP[..12].to_vec();
        untagged.extend_from_slice(&VLAN_UDP[16..]);
        let Network::Ip(packet) = decode_ethernet(&untagged, 66) else { panic!("not IP") };
        assert!(matches!(packet.transport, Transport::Udp { src_port: 49152, dst_port: 3784, .. }));
    }

    #[test]
    fn qinq_arp_is_non_ip() {
        assert_eq!(decode_ethernet(&QINQ_ARP, 64), Network::NonIp { ether_type: 0x0806 });
    }

    #[test]
    fn llc_and_snap() {
        // Spanning tree BPDU: 802.3 length 0x26, LLC 42 42 03.
        let mut stp = vec![0x01, 0x80, 0xc2, 0, 0, 0, 0, 0x1b, 0x21, 0x3a, 0x4b, 0x5c, 0x00, 0x26, 0x42, 0x42, 0x03];
        stp.extend_from_slice(&[0; 35]);
        assert_eq!(decode_ethernet(&stp, 60), Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE });
        // RFC 1042: LLC AA AA 03, OUI 00 00 00, EtherType 0x0800, then the IPv4 packet.
        let mut snap = VLAN_UDP[..12].to_vec();
        snap.extend_from_slice(&[0x00, 0x3c, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
        snap.extend_from_slice(&VLAN_UDP[18..]);
        let Network::Ip(packet) = decode_ethernet(&snap, 74) else { panic!("not IP") };
        assert!(matches!(packet.transport, Transport::Udp { src_port: 49152, dst_port: 3784, .. }));
    }

    #[test]
    fn cut_frames_are_undecodable() {
        assert_eq!(decode_ethernet(&VLAN_UDP[..13], 70), Network::Undecodable);
        assert_eq!(decode_ethernet(&VLAN_UDP[..17], 70), Network::Undecodable, "inside the VLAN tag");
        assert_eq!(decode_ethernet(&VLAN_UDP[..30], 70), Network::Undecodable, "inside the IPv4 header");
    }
}
