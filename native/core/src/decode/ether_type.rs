//! Dispatch on an EtherType: IPv4, IPv6, through any number of VLAN tags (802.1Q, 802.1ad
//! QinQ and the older 0x9100/0x9200 tags), MPLS label stacks and PPPoE sessions.

use super::bytes::be16;
use super::network::{decode_ip_at, version_from_first_nibble, IpVersion};
use crate::packet::Network;

pub const IPV4: u16 = 0x0800;
pub const IPV6: u16 = 0x86dd;
pub const VLAN_8021Q: u16 = 0x8100;
pub const VLAN_8021AD: u16 = 0x88a8;
pub const VLAN_QINQ_9100: u16 = 0x9100;
pub const VLAN_QINQ_9200: u16 = 0x9200;
const MPLS_UNICAST: u16 = 0x8847;
const MPLS_MULTICAST: u16 = 0x8848;
const PPPOE_SESSION: u16 = 0x8864;
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// Values up to 1500 in the EtherType position are 802.3 lengths: the frame carries LLC.
/// Such frames are reported as `NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE }`.
pub const MAX_8023_LENGTH: u16 = 1500;
pub const LLC_PSEUDO_ETHER_TYPE: u16 = 0;

/// More stacked tags or labels than this is hostile or broken.
const MAX_ENCAPSULATIONS: usize = 16;

const VLAN_TAG_BYTES: usize = 4;
const MPLS_LABEL_BYTES: usize = 4;
const PPPOE_HEADER_BYTES: usize = 6;

/// Decodes what an EtherType announces, its payload starting at `offset` of `data`.
#[inline]
pub fn decode_ether_type(mut ether_type: u16, data: &[u8], mut offset: usize, wire_len: u32) -> Network {
    for _ in 0..MAX_ENCAPSULATIONS {
        match ether_type {
            IPV4 => return decode_ip_at(IpVersion::V4, data, offset, wire_len),
            IPV6 => return decode_ip_at(IpVersion::V6, data, offset, wire_len),
            VLAN_8021Q | VLAN_8021AD | VLAN_QINQ_9100 | VLAN_QINQ_9200 => {
                // Tag control information (2 bytes), then the inner EtherType.
                let Some(inner) = be16(data, offset + 2) else {
                    return Network::Undecodable;
                };
                ether_type = inner;
                offset += VLAN_TAG_BYTES;
            }
            MPLS_UNICAST | MPLS_MULTICAST => return decode_mpls(data, offset, wire_len),
            PPPOE_SESSION => {
                return match be16(data, offset + PPPOE_HEADER_BYTES) {
                    Some(PPP_IPV4) => decode_ip_at(IpVersion::V4, data, offset + PPPOE_HEADER_BYTES + 2, wire_len),
                    Some(PPP_IPV6) => decode_ip_at(IpVersion::V6, data, offset + PPPOE_HEADER_BYTES + 2, wire_len),
                    Some(_) => Network::NonIp { ether_type },
                    None => Network::Undecodable,
                }
            }
            length if length <= MAX_8023_LENGTH => return Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE },
            other => return Network::NonIp { ether_type: other },
        }
    }
    Network::Undecodable
}

/// MPLS carries no payload type: after the bottom-of-stack label, the first nibble tells.
fn decode_mpls(data: &[u8], mut offset: usize, wire_len: u32) -> Network {
    for _ in 0..MAX_ENCAPSULATIONS {
        let Some(&label_end) = data.get(offset + 2) else {
            return Network::Undecodable;
        };
        offset += MPLS_LABEL_BYTES;
        if label_end & 0x01 != 0 {
            return match version_from_first_nibble(data, offset) {
                Some(version) => decode_ip_at(version, data, offset, wire_len),
                None => Network::NonIp { ether_type: MPLS_UNICAST },
            };
        }
    }
    Network::Undecodable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// IPv4 UDP 12.4.4.4:42315 -> 12.1.1.1:33435, ttl 1, total length 40: the packet inside
    /// tcpdump corpus mpls-traceroute.pcap, frame 1.
    const IPV4_UDP: [u8; 28] = [
        0x45, 0x00, 0x00, 0x28, 0xa5, 0x4c, 0x00, 0x00, 0x01, 0x11, 0xf7, 0x6f, 0x0c, 0x04, 0x04, 0x04, 0x0c, 0x01,
        0x01, 0x01, 0xa5, 0x4b, 0x82, 0x9b, 0x00, 0x14, 0x00, 0x00,
    ];

    fn udp_ports(network: Network) -> Option<(u16, u16)> {
        match network {
            Network::Ip(packet) => match packet.transport {
                Transport::Udp { src_port, dst_port, .. } => Some((src_port, dst_port)),
                _ => None,
            },
            _ => None,
        }
    }

    #[test]
    fn three_stacked_vlan_tags() {
        let mut bytes = vec![0x00, 0x64, 0x91, 0x00, 0x00, 0x65, 0x81, 0x00, 0x00, 0x66, 0x08, 0x00];
        bytes.extend_from_slice(&IPV4_UDP);
        assert_eq!(udp_ports(decode_ether_type(VLAN_8021AD, &bytes, 0, 100)), Some((42315, 33435)));
    }

    #[test]
    fn endless_vlan_tags_stop() {
        let bytes: Vec<u8> = std::iter::repeat_n([0x00, 0x01, 0x81, 0x00], 40).flatten().collect();
        assert_eq!(decode_ether_type(VLAN_8021Q, &bytes, 0, 200), Network::Undecodable);
    }

    #[test]
    fn mpls_label_stack() {
        // Two labels, the second with bottom-of-stack set (label 100704 as in the capture).
        let mut bytes = vec![0x00, 0x01, 0x20, 0x40, 0x18, 0x96, 0x01, 0x01];
        bytes.extend_from_slice(&IPV4_UDP);
        let network = decode_ether_type(MPLS_UNICAST, &bytes, 0, 100);
        assert_eq!(udp_ports(network), Some((42315, 33435)));
        let Network::Ip(packet) = network else { unreachable!() };
        assert_eq!(packet.src, IpAddr16::from_v4([12, 4, 4, 4]));
        assert_eq!(decode_ether_type(MPLS_UNICAST, &bytes[..6], 0, 100), Network::Undecodable);
    }

    #[test]
    fn pppoe_session() {
        // PPPoE session 0x17 (as in tcpdump corpus pppoes.pcap) carrying PPP IPv4.
        let mut bytes = vec![0x11, 0x00, 0x00, 0x17, 0x00, 0x2a, 0x00, 0x21];
        bytes.extend_from_slice(&IPV4_UDP);
        assert_eq!(udp_ports(decode_ether_type(PPPOE_SESSION, &bytes, 0, 100)), Some((42315, 33435)));
        // The capture's frame 1 is LCP (0xc021): not IP.
        let lcp = [0x11, 0x00, 0x00, 0x17, 0x00, 0x0e, 0xc0, 0x21, 0x09, 0x6a];
        assert_eq!(decode_ether_type(PPPOE_SESSION, &lcp, 0, 34), Network::NonIp { ether_type: PPPOE_SESSION });
    }
}
