//! Dispatch on the capture's link-layer type.

use super::ethernet::decode_ethernet;
use super::linux_sll::{decode_sll, decode_sll2};
use super::network::{decode_ip_at, version_from_first_nibble, IpVersion};
use super::null_loopback::decode_null_loopback;
use crate::packet::{link_type, LinkType, Network};

/// Whether `decode` understands this link type at all (others decode as `Undecodable`).
pub fn is_supported_link_type(link: LinkType) -> bool {
    matches!(
        link,
        link_type::ETHERNET
            | link_type::LINUX_SLL
            | link_type::LINUX_SLL2
            | link_type::NULL
            | link_type::LOOP
            | link_type::RAW
            | link_type::RAW_DLT12
            | link_type::RAW_DLT14
            | link_type::IPV4
            | link_type::IPV6
    )
}

#[inline]
pub fn decode_link(link: LinkType, data: &[u8], wire_len: u32) -> Network {
    match link {
        link_type::ETHERNET => decode_ethernet(data, wire_len),
        link_type::LINUX_SLL => decode_sll(data, wire_len),
        link_type::LINUX_SLL2 => decode_sll2(data, wire_len),
        link_type::NULL | link_type::LOOP => decode_null_loopback(data, wire_len),
        link_type::RAW | link_type::RAW_DLT12 | link_type::RAW_DLT14 => match version_from_first_nibble(data, 0) {
            Some(version) => decode_ip_at(version, data, 0, wire_len),
            None => Network::Undecodable,
        },
        link_type::IPV4 => decode_ip_at(IpVersion::V4, data, 0, wire_len),
        link_type::IPV6 => decode_ip_at(IpVersion::V6, data, 0, wire_len),
        _ => Network::Undecodable,
    }
}
