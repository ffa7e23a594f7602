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
