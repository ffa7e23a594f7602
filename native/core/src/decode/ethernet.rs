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
