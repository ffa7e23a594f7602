//! The common case decoded in one go: an Ethernet II frame carrying an IPv4 packet without
//! options, not a fragment, carrying TCP (with its flags) or UDP (with its ports). Most
//! packets of a LAN capture are such; they skip the general decoder's dispatch through link
//! types, encapsulations and versions, and its layer-by-layer copies of the result.
//!
//! Anything else gives `None` and goes to the general decoder, and what this gives is what
//! the general decoder gives for the same bytes (tests/decode_fast_path.rs checks it on every
//! test capture, the unit tests below on mutated packets).

use super::network::declared_ip_bytes;
use crate::packet::{ip_proto, Fragment, IpAddr16, IpPacket, Network, Transport};

const ETHERNET_HEADER_BYTES: usize = 14;
const IPV4_HEADER_BYTES: usize = 20;
const IP_START: usize = ETHERNET_HEADER_BYTES;
const TRANSPORT_START: usize = IP_START + IPV4_HEADER_BYTES;
/// TCP up to its flags byte: ports, sequence, acknowledgement, data offset, flags.
const TCP_NEEDED_BYTES: usize = 14;
const TCP_MIN_HEADER_BYTES: u32 = 20;
/// UDP ports.
const UDP_NEEDED_BYTES: usize = 4;
const UDP_HEADER_BYTES: u32 = 8;
const DNS_PORT: u16 = 53;
/// Where a DNS message's transaction id sits, from the UDP header on.
const DNS_ID_AT: usize = 8;
/// EtherType IPv4, then version 4 with a 5-word header.
const ETHER_TYPE_IPV4: [u8; 2] = [0x08, 0x00];
const VERSION_4_IHL_5: u8 = 0x45;
/// More-fragments flag and fragment offset: both zero for a whole datagram.
const FRAGMENT_BITS: u16 = 0x3fff;

#[inline(always)]
fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

#[inline(always)]
fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Writes the packet to `out` and returns `true` if it is of the common kind and captured far
/// enough; returns `false` and leaves `out` alone otherwise.
#[inline(always)]
pub fn decode_ethernet_ipv4_into(data: &[u8], wire_len: u32, out: &mut Network) -> bool {
    match decode_ethernet_ipv4(data, wire_len) {
        Some(ip) => {
            *out = Network::Ip(ip);
            true
        }
        None => false,
    }
}

/// The packet, if it is of the common kind and captured far enough; `None` otherwise.
#[inline(always)]
pub fn decode_ethernet_ipv4(data: &[u8], wire_len: u32) -> Option<IpPacket> {
    // Every index below is checked against this one slice of the fixed headers.
    let head: &[u8; TRANSPORT_START + UDP_NEEDED_BYTES] = data.get(..TRANSPORT_START + UDP_NEEDED_BYTES)?.try_into().ok()?;
    if head[12..14] != ETHER_TYPE_IPV4 || head[IP_START] != VERSION_4_IHL_5 || be16(head, IP_START + 6) & FRAGMENT_BITS != 0 {
        return None;
    }
    let wire_ip_bytes = wire_len.saturating_sub(IP_START as u32);
    let declared_bytes = declared_ip_bytes(u32::from(be16(head, IP_START + 2)), wire_ip_bytes, data.len() - IP_START);
    // The transport header ends where the IP packet does: Ethernet padding is not part of it.
    let transport_end = data.len().min(IP_START.saturating_add(declared_bytes as usize));
    let proto = head[IP_START + 9];
    let src_port = be16(head, TRANSPORT_START);
    let dst_port = be16(head, TRANSPORT_START + 2);
    let (transport, transport_header_bytes) = match proto {
        ip_proto::TCP if transport_end >= TRANSPORT_START + TCP_NEEDED_BYTES => {
            let tcp = &data[TRANSPORT_START..TRANSPORT_START + TCP_NEEDED_BYTES];
            let header_bytes = (u32::from(tcp[12] >> 4) * 4).max(TCP_MIN_HEADER_BYTES);
            (Transport::Tcp { src_port, dst_port, flags: tcp[13], seq: be32(tcp, 4), ack: be32(tcp, 8) }, header_bytes)
        }
        ip_proto::UDP if transport_end >= TRANSPORT_START + UDP_NEEDED_BYTES => {
            let is_dns = src_port == DNS_PORT || dst_port == DNS_PORT;
            let dns_id = if is_dns && transport_end >= TRANSPORT_START + DNS_ID_AT + 2 {
                Some(be16(data, TRANSPORT_START + DNS_ID_AT))
            } else {
                None
            };
            (Transport::Udp { src_port, dst_port, dns_id }, UDP_HEADER_BYTES)
        }
        _ => return None,
    };
    Some(IpPacket {
        version: 4,
        src: IpAddr16::from_v4([head[IP_START + 12], head[IP_START + 13], head[IP_START + 14], head[IP_START + 15]]),
        dst: IpAddr16::from_v4([head[IP_START + 16], head[IP_START + 17], head[IP_START + 18], head[IP_START + 19]]),
        proto,
        tos: head[IP_START + 1],
        ttl: head[IP_START + 8],
        payload_len: declared_bytes.saturating_sub(IPV4_HEADER_BYTES as u32).saturating_sub(transport_header_bytes),
        fragment: Fragment::Whole,
        transport,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::link::decode_link;
    use crate::packet::{link_type, Network};

    /// Ethernet + IPv4 + TCP SYN-ACK 192.168.1.1:80 -> 192.168.1.2:49152 with a 32-byte TCP
    /// header, total length 60, as the handshakes of test7-malicious.pcap (first 66 bytes).
    const TCP_FRAME: [u8; 66] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00, // Ethernet
        0x45, 0x00, 0x00, 0x34, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 192, 168, 1, 1, 192, 168, 1, 2, // IPv4
        0x00, 0x50, 0xc0, 0x00, 0x87, 0x65, 0x43, 0x21, 0x12, 0x34, 0x56, 0x79, 0x80, 0x12, 0xfa, 0xf0, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07, 0x04, 0x02, 0x01, 0x01, // TCP
    ];

    /// Ethernet + IPv4 + UDP DNS query 10.0.0.1:5353 -> 10.0.0.2:53, transaction id 0xbeef,
    /// total length 48, after a DNS query in test7-malicious.pcap.
    const UDP_FRAME: [u8; 62] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00, // Ethernet
        0x45, 0x10, 0x00, 0x30, 0xbe, 0xef, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
        0x14, 0xe9, 0x00, 0x35, 0x00, 0x1c, 0x00, 0x00, 0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x03, 0x77, 0x77, 0x77, 0x00, 0x00, 0x01, 0x00, // UDP + DNS
    ];

    fn general(data: &[u8], wire_len: u32) -> Network {
        decode_link(link_type::ETHERNET, data, wire_len)
    }

    /// The fast path either declines or agrees with the general decoder.
    fn check(data: &[u8], wire_len: u32) -> bool {
        match decode_ethernet_ipv4(data, wire_len) {
            Some(fast) => {
                assert_eq!(Network::Ip(fast), general(data, wire_len), "bytes {data:02x?}, wire length {wire_len}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn tcp_and_udp_frames_take_the_fast_path() {
        let Some(tcp) = decode_ethernet_ipv4(&TCP_FRAME, 66) else { panic!("TCP declined") };
        assert_eq!(tcp.transport, Transport::Tcp { src_port: 80, dst_port: 49152, flags: 0x12, seq: 0x8765_4321, ack: 0x1234_5679 });
        assert_eq!(tcp.payload_len, 0);
        assert!(check(&TCP_FRAME, 66));
        let Some(udp) = decode_ethernet_ipv4(&UDP_FRAME, 62) else { panic!("UDP declined") };
        assert_eq!(udp.transport, Transport::Udp { src_port: 5353, dst_port: 53, dns_id: Some(0xbeef) });
        assert_eq!((udp.payload_len, udp.tos), (20, 0x10));
        assert!(check(&UDP_FRAME, 62));
    }

    #[test]
    fn the_uncommon_is_left_to_the_general_decoder() {
        let mut fragment = UDP_FRAME;
        fragment[20] = 0x20; // more fragments
        assert!(decode_ethernet_ipv4(&fragment, 62).is_none());
        let mut options = TCP_FRAME;
        options[14] = 0x46;
        assert!(decode_ethernet_ipv4(&options, 66).is_none());
        let mut icmp = UDP_FRAME;
        icmp[23] = ip_proto::ICMP;
        assert!(decode_ethernet_ipv4(&icmp, 62).is_none());
        let mut vlan = UDP_FRAME;
        vlan[12] = 0x81;
        assert!(decode_ethernet_ipv4(&vlan, 62).is_none());
        // Cut inside the TCP header before its flags: the general decoder says Transport::None.
        assert!(decode_ethernet_ipv4(&TCP_FRAME[..47], 66).is_none());
        assert!(decode_ethernet_ipv4(&UDP_FRAME[..37], 62).is_none());
    }

    #[test]
    fn snap_length_and_length_fields_are_read_as_the_general_decoder_reads_them() {
        // DNS id cut off; a zero total length (segmentation offload); a total length beyond
        // the wire; a wire length shorter than the capture; a total length shorter than the
        // headers; Ethernet padding after a short IP packet.
        assert!(check(&UDP_FRAME[..43], 62));
        for (at, value) in [(16, 0u8), (17, 0), (16, 0xff), (17, 10), (17, 20), (17, 24), (17, 33)] {
            for frame in [&TCP_FRAME[..], &UDP_FRAME[..]] {
                let mut bytes = frame.to_vec();
                bytes[at] = value;
                for wire_len in [0, 30, 48, bytes.len() as u32, 1514] {
                    check(&bytes, wire_len);
                }
            }
        }
    }

    use crate::test_noise::SplitMix64;

    /// Frames of the fast kind with random bytes changed, random cuts and random wire
    /// lengths: the fast path must decline or agree, every time.
    #[test]
    fn mutated_frames_agree_with_the_general_decoder() {
        let mut noise = SplitMix64::new(0x0123_4567_89ab_cdef);
        let mut fast = 0;
        for round in 0..200_000u32 {
            let mut bytes = if round % 2 == 0 { TCP_FRAME.to_vec() } else { UDP_FRAME.to_vec() };
            for _ in 0..noise.next_u64() % 3 {
                let at = (noise.next_u64() % bytes.len() as u64) as usize;
                bytes[at] = noise.next_u64() as u8;
            }
            if round % 7 == 0 {
                bytes[36] = 0;
                bytes[37] = 53;
            }
            let cut = bytes.len() - (noise.next_u64() % 40) as usize;
            let wire_len = match noise.next_u64() % 4 {
                0 => cut as u32,
                1 => bytes.len() as u32,
                2 => (noise.next_u64() % 2000) as u32,
                _ => noise.next_u64() as u32,
            };
            if check(&bytes[..cut], wire_len) {
                fast += 1;
            }
        }
        assert!(fast > 50_000, "only {fast} frames took the fast path");
    }
}
