//! Hands the bytes after the link layer to the IPv4 or IPv6 decoder.

use super::ipv4::decode_ipv4;
use super::ipv6::decode_ipv6;
use crate::packet::Network;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpVersion {
    V4,
    V6,
}

/// Decodes the IP packet that starts at `offset` of the captured bytes. `wire_len` is the
/// frame's length on the wire, so that the IP decoders know the packet's true length when
/// its header does not say.
#[inline]
pub fn decode_ip_at(version: IpVersion, data: &[u8], offset: usize, wire_len: u32) -> Network {
    let Some(ip_bytes) = data.get(offset..) else {
        return Network::Undecodable;
    };
    let wire_ip_bytes = wire_len.saturating_sub(u32::try_from(offset).unwrap_or(u32::MAX));
    match version {
        IpVersion::V4 => decode_ipv4(ip_bytes, wire_ip_bytes),
        IpVersion::V6 => decode_ipv6(ip_bytes, wire_ip_bytes),
    }
}

/// The IP version told by the first nibble, for link types that carry bare IP.
#[inline]
pub fn version_from_first_nibble(data: &[u8], offset: usize) -> Option<IpVersion> {
    match data.get(offset)? >> 4 {
        4 => Some(IpVersion::V4),
        6 => Some(IpVersion::V6),
        _ => None,
    }
}

/// The IP packet's length in bytes: the header's declared length, or the wire length when
/// the header says 0 (segmentation offload), and never more than the wire length when that
/// is plausible (at least the captured bytes), so a corrupt length cannot inflate counts.
#[inline]
pub fn declared_ip_bytes(header_bytes: u32, wire_ip_bytes: u32, captured_ip_bytes: usize) -> u32 {
    let wire_is_plausible = wire_ip_bytes as usize >= captured_ip_bytes;
    match header_bytes {
        0 => wire_ip_bytes,
        declared if wire_is_plausible => declared.min(wire_ip_bytes),
        declared => declared,
    }
}
