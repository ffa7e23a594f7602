//! Linux netfilter log (LINKTYPE_NFLOG 239: `tcpdump -i nflog:N`, packets an iptables or
//! nftables rule logged): a 4-byte header (address family, version, group), then
//! type-length-value attributes in the capturing host's byte order, each padded to 4 bytes;
//! the packet, from its IP header, is the payload attribute's value.

use super::network::{decode_ip_at, IpVersion};
use crate::packet::Network;

const HEADER_BYTES: usize = 4;
const TLV_HEADER_BYTES: usize = 4;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const NFULA_PAYLOAD: u16 = 9;
/// The attribute type's low 15 bits; the top bit flags nested attributes.
const TLV_TYPE_MASK: u16 = 0x7fff;

#[inline]
pub fn decode_nflog(data: &[u8], wire_len: u32) -> Network {
    let version = match data.first() {
        Some(&AF_INET) => IpVersion::V4,
        Some(&AF_INET6) => IpVersion::V6,
        Some(_) => return Network::NonIp { ether_type: super::ether_type::LLC_PSEUDO_ETHER_TYPE },
        None => return Network::Undecodable,
    };
    // Little-endian hosts wrote nearly every such capture; a big-endian one's lengths read
    // as little-endian overrun the record, so the other order is tried next.
    for little_endian in [true, false] {
        if let Some(offset) = payload_offset(data, little_endian) {
            return decode_ip_at(version, data, offset, wire_len);
        }
    }
    Network::Undecodable
}

/// Where the payload attribute's value starts, walking the attributes in one byte order.
fn payload_offset(data: &[u8], little_endian: bool) -> Option<usize> {
    let read16 = |at: usize| -> Option<u16> {
        let bytes = [*data.get(at)?, *data.get(at + 1)?];
        Some(if little_endian { u16::from_le_bytes(bytes) } else { u16::from_be_bytes(bytes) })
    };
    let mut offset = HEADER_BYTES;
    while offset + TLV_HEADER_BYTES <= data.len() {
        let length = usize::from(read16(offset)?);
        let tlv_type = read16(offset + 2)? & TLV_TYPE_MASK;
        if length < TLV_HEADER_BYTES {
            return None;
        }
        if tlv_type == NFULA_PAYLOAD {
            return Some(offset + TLV_HEADER_BYTES);
        }
        offset += length.checked_next_multiple_of(4)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// tcpdump corpus nflog.pcap, frame 1 (first 132 bytes): AF_INET, version 0, group 20;
    /// attributes (packet header, mark, interface, hardware address, …), then the payload:
    /// IPv4 74.82.42.42:53 -> 10.0.0.20:42585 UDP (DNS), total length 73.
    const NFLOG_IPV4: [u8; 132] = [
        0x02, 0x00, 0x00, 0x14, 0x08, 0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x27, 0x05, 0x00, 0x0a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x08, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00, 0x08, 0x00, 0x00, 0x06, 0xff, 0xff,
        0xb8, 0xa3, 0x86, 0xb9, 0xc3, 0xd6, 0x00, 0x00, 0x06, 0x00, 0x0f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x06, 0x00,
        0x11, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x12, 0x00, 0x10, 0x00, 0x08, 0x11, 0x96, 0x1c, 0x10, 0xc8, 0xb8, 0xa3,
        0x86, 0xb9, 0xc3, 0xd6, 0x08, 0x00, 0x00, 0x00, 0x14, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x2a,
        0x1f, 0x9e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x60, 0xfc, 0x4d, 0x00, 0x09, 0x00, 0x45, 0x00, 0x00, 0x49,
        0x00, 0x00, 0x40, 0x00, 0x37, 0x11, 0xc5, 0x14, 0x4a, 0x52, 0x2a, 0x2a, 0x0a, 0x00, 0x00, 0x14, 0x00, 0x35,
        0xa6, 0x59, 0x00, 0x35, 0x6d, 0xdf,
    ];

    #[test]
    fn the_payload_attribute_holds_the_ip_packet() {
        let Network::Ip(packet) = decode_nflog(&NFLOG_IPV4, 177) else { panic!("not IP") };
        assert_eq!((packet.src, packet.dst), (IpAddr16::from_v4([74, 82, 42, 42]), IpAddr16::from_v4([10, 0, 0, 20])));
        assert!(matches!(packet.transport, Transport::Udp { src_port: 53, dst_port: 42585, .. }));
    }

    #[test]
    fn big_endian_attributes_are_read_too() {
        // The same record as a big-endian host writes it: each attribute's length and type swapped.
        let mut swapped = NFLOG_IPV4.to_vec();
        let mut offset = HEADER_BYTES;
        while offset < 104 {
            let length = u16::from_le_bytes([swapped[offset], swapped[offset + 1]]) as usize;
            swapped[offset..offset + 2].reverse();
            swapped[offset + 2..offset + 4].reverse();
            offset += length.next_multiple_of(4);
        }
        assert!(matches!(decode_nflog(&swapped, 177), Network::Ip(_)));
    }

    #[test]
    fn no_payload_or_a_zero_length_attribute_is_undecodable() {
        assert_eq!(decode_nflog(&NFLOG_IPV4[..100], 100), Network::Undecodable);
        assert_eq!(decode_nflog(&[0x02, 0, 0, 0x14, 0, 0, 9, 0], 8), Network::Undecodable);
        assert_eq!(decode_nflog(&[], 0), Network::Undecodable);
    }
}
