//! PPP (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50: `pppd`, dial-up and mobile-broadband captures)
//! and Cisco HDLC (LINKTYPE_C_HDLC 104: serial links, and some PPP_HDLC captures).

use super::bytes::be16;
use super::ether_type::{decode_ether_type, LLC_PSEUDO_ETHER_TYPE};
use super::network::{decode_ip_at, IpVersion};
use crate::packet::Network;

const ADDRESS_CONTROL: [u8; 2] = [0xff, 0x03];
const PROTOCOL_IPV4: u16 = 0x0021;
const PROTOCOL_IPV6: u16 = 0x0057;
/// Cisco HDLC's address byte (unicast, broadcast), then a control byte and an EtherType.
const CHDLC_ADDRESSES: [u8; 2] = [0x0f, 0x8f];
const CHDLC_HEADER_BYTES: usize = 4;

/// A PPP frame: address and control (which RFC 1661 lets a link leave out), then the
/// protocol, in one byte when it is compressed (an odd first byte), else two.
#[inline]
pub fn decode_ppp(data: &[u8], wire_len: u32) -> Network {
    let mut offset = if data.starts_with(&ADDRESS_CONTROL) { ADDRESS_CONTROL.len() } else { 0 };
    let protocol = match data.get(offset) {
        None => return Network::Undecodable,
        Some(&compressed) if compressed & 1 == 1 => {
            offset += 1;
            u16::from(compressed)
        }
        Some(_) => match be16(data, offset) {
            Some(protocol) => {
                offset += 2;
                protocol
            }
            None => return Network::Undecodable,
        },
    };
    match protocol {
        PROTOCOL_IPV4 => decode_ip_at(IpVersion::V4, data, offset, wire_len),
        PROTOCOL_IPV6 => decode_ip_at(IpVersion::V6, data, offset, wire_len),
        // LCP, IPCP, compressed TCP/IP and the rest: link control or nothing we can read.
        _ => Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE },
    }
}

/// LINKTYPE_PPP_HDLC: PPP in HDLC-like framing, or Cisco HDLC, told by the address byte
/// (as tcpdump tells them).
#[inline]
pub fn decode_ppp_hdlc(data: &[u8], wire_len: u32) -> Network {
    match data.first() {
        Some(address) if CHDLC_ADDRESSES.contains(address) => decode_chdlc(data, wire_len),
        _ => decode_ppp(data, wire_len),
    }
}

/// Cisco HDLC: address, control, then an EtherType (SLARP, CDP and others are not IP).
#[inline]
pub fn decode_chdlc(data: &[u8], wire_len: u32) -> Network {
    match be16(data, 2) {
        Some(ether_type) => decode_ether_type(ether_type, data, CHDLC_HEADER_BYTES, wire_len),
        None => Network::Undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// tcpdump corpus bgp_vpn_attrset.pcap, frame 1 (first 44 bytes): PPP address, control,
    /// protocol 0x0021, then IPv4 12.4.4.4:2051 -> 12.1.1.1:179 TCP (BGP), total length 173.
    const PPP_IPV4: [u8; 44] = [
        0xff, 0x03, 0x00, 0x21, 0x45, 0xc0, 0x00, 0xad, 0xe5, 0x04, 0x00, 0x00, 0x3e, 0x06, 0x79, 0x7d, 0x0c, 0x04,
        0x04, 0x04, 0x0c, 0x01, 0x01, 0x01, 0x08, 0x03, 0x00, 0xb3, 0xc4, 0x48, 0x60, 0x45, 0xc7, 0x90, 0x15, 0x26,
        0x80, 0x18, 0x40, 0x00, 0xcf, 0x18, 0x00, 0x00,
    ];

    fn source(network: Network) -> Option<IpAddr16> {
        match network {
            Network::Ip(packet) => Some(packet.src),
            _ => None,
        }
    }

    #[test]
    fn ppp_with_and_without_address_and_control() {
        let Network::Ip(packet) = decode_ppp(&PPP_IPV4, 177) else { panic!("not IP") };
        assert_eq!(packet.dst, IpAddr16::from_v4([12, 1, 1, 1]));
        assert!(matches!(packet.transport, Transport::Tcp { src_port: 2051, dst_port: 179, .. }));
        assert_eq!(source(decode_ppp(&PPP_IPV4[2..], 175)), Some(IpAddr16::from_v4([12, 4, 4, 4])));
        // Protocol-field compression: 0x21 alone.
        assert_eq!(source(decode_ppp(&PPP_IPV4[3..], 174)), Some(IpAddr16::from_v4([12, 4, 4, 4])));
        assert_eq!(decode_ppp_hdlc(&PPP_IPV4, 177), decode_ppp(&PPP_IPV4, 177));
    }

    #[test]
    fn ppp_control_protocols_are_not_ip_and_cut_frames_undecodable() {
        // LCP (0xc021), as in tcpdump corpus ppp_error_hexdump.pcap.
        assert_eq!(decode_ppp(&[0xff, 0x03, 0xc0, 0x21, 0x01, 0x01], 6), Network::NonIp { ether_type: LLC_PSEUDO_ETHER_TYPE });
        assert_eq!(decode_ppp(&[0xff, 0x03, 0x00], 3), Network::Undecodable);
        assert_eq!(decode_ppp(&[], 0), Network::Undecodable);
    }

    #[test]
    fn cisco_hdlc_carries_an_ether_type() {
        let mut chdlc = vec![0x0f, 0x00, 0x08, 0x00];
        chdlc.extend_from_slice(&PPP_IPV4[4..]);
        assert_eq!(source(decode_chdlc(&chdlc, 177)), Some(IpAddr16::from_v4([12, 4, 4, 4])));
        assert_eq!(source(decode_ppp_hdlc(&chdlc, 177)), Some(IpAddr16::from_v4([12, 4, 4, 4])));
        // SLARP (0x8035), as in tcpdump corpus HDLC.pcap.
        assert_eq!(decode_chdlc(&[0x8f, 0x00, 0x80, 0x35, 0, 0], 6), Network::NonIp { ether_type: 0x8035 });
    }
}
