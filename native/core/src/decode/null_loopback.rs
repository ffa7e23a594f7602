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
