//! Dispatch on the capture's link-layer type.

use super::ethernet::decode_ethernet;
use super::ieee80211::{decode_ieee80211, decode_ppi, decode_radiotap};
use super::linux_sll::{decode_sll, decode_sll2};
use super::network::{decode_ip_at, version_from_first_nibble, IpVersion};
use super::nflog::decode_nflog;
use super::null_loopback::decode_null_loopback;
use super::ppp::{decode_chdlc, decode_ppp, decode_ppp_hdlc};
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
            | link_type::PPP
            | link_type::PPP_HDLC
            | link_type::C_HDLC
            | link_type::IEEE802_11
            | link_type::IEEE802_11_RADIOTAP
            | link_type::PPI
            | link_type::NFLOG
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
        link_type::PPP => decode_ppp(data, wire_len),
        link_type::PPP_HDLC => decode_ppp_hdlc(data, wire_len),
        link_type::C_HDLC => decode_chdlc(data, wire_len),
        link_type::IEEE802_11 => decode_ieee80211(data, wire_len),
        link_type::IEEE802_11_RADIOTAP => decode_radiotap(data, wire_len),
        link_type::PPI => decode_ppi(data, wire_len),
        link_type::NFLOG => decode_nflog(data, wire_len),
        _ => Network::Undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{IpAddr16, Transport};

    /// tcpdump corpus LINKTYPE_RAW_ipv6.pcap, frame 1 (first 48 bytes): IPv6 UDP
    /// 2001:db8::1:12345 -> 2620:fe::9:53, payload length 37.
    const RAW_IPV6: [u8; 48] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x25, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x26, 0x20, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x09, 0x30, 0x39, 0x00, 0x35, 0x00, 0x25, 0x98, 0xb3,
    ];

    /// The IPv4 UDP packet of tcpdump corpus dns-badcookie.pcap, frame 1 (first 28 bytes).
    const RAW_IPV4: [u8; 28] = [
        0x45, 0x00, 0x00, 0x44, 0x00, 0x0f, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00,
        0x00, 0x01, 0xd6, 0xaa, 0x00, 0x35, 0x00, 0x30, 0xfe, 0x43,
    ];

    #[test]
    fn raw_link_types_take_the_version_from_the_first_nibble() {
        for link in [link_type::RAW, link_type::RAW_DLT12, link_type::RAW_DLT14] {
            let Network::Ip(v6) = decode_link(link, &RAW_IPV6, 77) else { panic!("not IPv6") };
            assert_eq!(v6.dst.to_string(), "2620:fe::9");
            assert!(matches!(v6.transport, Transport::Udp { src_port: 12345, dst_port: 53, .. }));
            assert_eq!(v6.payload_len, 29);
            let Network::Ip(v4) = decode_link(link, &RAW_IPV4, 68) else { panic!("not IPv4") };
            assert_eq!(v4.src, IpAddr16::from_v4([127, 0, 0, 1]));
        }
        let mut version5 = RAW_IPV4;
        version5[0] = 0x55;
        assert_eq!(decode_link(link_type::RAW, &version5, 68), Network::Undecodable);
        assert_eq!(decode_link(link_type::RAW, &[], 0), Network::Undecodable);
    }

    #[test]
    fn ipv4_and_ipv6_link_types_insist_on_their_version() {
        assert!(matches!(decode_link(link_type::IPV4, &RAW_IPV4, 68), Network::Ip(_)));
        assert!(matches!(decode_link(link_type::IPV6, &RAW_IPV6, 77), Network::Ip(_)));
        assert_eq!(decode_link(link_type::IPV4, &RAW_IPV6, 77), Network::Undecodable);
        assert_eq!(decode_link(link_type::IPV6, &RAW_IPV4, 68), Network::Undecodable);
    }

    #[test]
    fn unsupported_link_types_are_undecodable() {
        // LINKTYPE_USER0 (147): whatever a user put there.
        assert!(!is_supported_link_type(147));
        assert_eq!(decode_link(147, &RAW_IPV4, 68), Network::Undecodable);
        assert!(is_supported_link_type(link_type::IEEE802_11_RADIOTAP));
        assert!(is_supported_link_type(link_type::LINUX_SLL2));
    }
}
