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
