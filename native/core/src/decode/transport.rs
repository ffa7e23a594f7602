//! TCP, UDP, ICMP and ICMPv6 headers: what the flow engine keys and counts by.

use super::bytes::{be16, be32};
use crate::packet::{ip_proto, IpAddr16, QuotedHeader, Transport};

const TCP_MIN_HEADER_BYTES: u32 = 20;
const UDP_HEADER_BYTES: u32 = 8;
/// Type, code, checksum and the 4-byte rest of header.
const ICMP_HEADER_BYTES: u32 = 8;

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const ICMPV6_ECHO_REQUEST: u8 = 128;
const ICMPV6_ECHO_REPLY: u8 = 129;

/// The transport header and its length in bytes (to subtract from the IP payload).
/// `bytes` are the captured bytes after the IP header(s), limited to the IP packet.
/// A header cut by the snap length before the fields we use gives `Transport::None` and 0.
#[inline]
pub fn decode_transport(proto: u8, bytes: &[u8]) -> (Transport, u32) {
    match proto {
        ip_proto::TCP => tcp(bytes),
        ip_proto::UDP => udp(bytes),
        ip_proto::ICMP => icmp(bytes, |icmp_type| icmp_type == ICMP_ECHO_REQUEST || icmp_type == ICMP_ECHO_REPLY, true),
        ip_proto::ICMPV6 => icmp(bytes, |icmp_type| icmp_type == ICMPV6_ECHO_REQUEST || icmp_type == ICMPV6_ECHO_REPLY, false),
        ip_proto::ESP => esp(bytes),
        _ => (Transport::None, 0),
    }
}

/// The SPI and sequence number that precede the encrypted payload.
const ESP_HEADER_BYTES: u32 = 8;

fn esp(bytes: &[u8]) -> (Transport, u32) {
    match be32(bytes, 0) {
        Some(spi) => (Transport::Esp { spi }, ESP_HEADER_BYTES),
        None => (Transport::None, 0),
    }
}

/// Needs the flags byte (offset 13): a TCP packet without its flags cannot be followed.
fn tcp(bytes: &[u8]) -> (Transport, u32) {
    let (Some(src_port), Some(dst_port), Some(seq), Some(ack), Some(&offset_byte), Some(&flags)) =
        (be16(bytes, 0), be16(bytes, 2), be32(bytes, 4), be32(bytes, 8), bytes.get(12), bytes.get(13))
    else {
        return (Transport::None, 0);
    };
    // A data offset below 5 words is malformed; the fixed header is there anyway.
    let header_bytes = (u32::from(offset_byte >> 4) * 4).max(TCP_MIN_HEADER_BYTES);
    (Transport::Tcp { src_port, dst_port, flags, seq, ack }, header_bytes)
}

const DNS_PORT: u16 = 53;

/// The ports need 4 bytes; DNS's transaction id (the first payload bytes) is read when
/// captured, because Argus keys DNS flows by it.
fn udp(bytes: &[u8]) -> (Transport, u32) {
    match (be16(bytes, 0), be16(bytes, 2)) {
        (Some(src_port), Some(dst_port)) => {
            let dns_id = if src_port == DNS_PORT || dst_port == DNS_PORT { be16(bytes, UDP_HEADER_BYTES as usize) } else { None };
            (Transport::Udp { src_port, dst_port, dns_id }, UDP_HEADER_BYTES)
        }
        _ => (Transport::None, 0),
    }
}

fn icmp(bytes: &[u8], is_echo: impl Fn(u8) -> bool, is_v4: bool) -> (Transport, u32) {
    let (Some(&icmp_type), Some(&icmp_code)) = (bytes.first(), bytes.get(1)) else {
        return (Transport::None, 0);
    };
    let (id, seq) = if is_echo(icmp_type) { (be16(bytes, 4).unwrap_or(0), be16(bytes, 6).unwrap_or(0)) } else { (0, 0) };
    let quoted = if is_v4 && quotes_a_packet(icmp_type) { quoted_ipv4(bytes.get(ICMP_HEADER_BYTES as usize..).unwrap_or(&[])) } else { None };
    (Transport::Icmp { icmp_type, icmp_code, id, seq, quoted }, ICMP_HEADER_BYTES)
}

/// ICMPv4 error messages: unreachable, source quench, redirect, time exceeded, parameter problem.
fn quotes_a_packet(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
}

/// The quoted IPv4 header, when all 20 bytes of it were captured.
fn quoted_ipv4(bytes: &[u8]) -> Option<QuotedHeader> {
    let header = bytes.get(..20)?;
    if header[0] >> 4 != 4 {
        return None;
    }
    let header_bytes = usize::from(header[0] & 0x0f) * 4;
    Some(QuotedHeader {
        proto: header[9],
        tos: header[1],
        dst: IpAddr16::from_v4([header[16], header[17], header[18], header[19]]),
        dst_port: be16(bytes, header_bytes.max(20) + 2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::tcp_flag;

    #[test]
    fn tcp_syn_with_options() {
        // TCP SYN from 192.168.1.2:49152 to :80 with a 40-byte header (MSS, SACK, TS, WS),
        // as in test7-malicious.pcap's first handshakes.
        let header = [
            0xc0, 0x00, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00,
            0x00, 0x00,
        ];
        let (transport, header_bytes) = decode_transport(ip_proto::TCP, &header);
        assert_eq!(
            transport,
            Transport::Tcp { src_port: 49152, dst_port: 80, flags: tcp_flag::SYN, seq: 0x1234_5678, ack: 0 }
        );
        assert_eq!(header_bytes, 40);
    }

    #[test]
    fn tcp_cut_before_flags_is_none() {
        let header = [0xc0, 0x00, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50];
        assert_eq!(decode_transport(ip_proto::TCP, &header), (Transport::None, 0));
        // Exactly the flags byte is enough.
        let with_flags = [0xc0, 0x00, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x12];
        let (transport, header_bytes) = decode_transport(ip_proto::TCP, &with_flags);
        assert!(matches!(transport, Transport::Tcp { flags: 0x12, ack: 2, .. }));
        assert_eq!(header_bytes, 20);
    }

    #[test]
    fn tcp_bad_data_offset_counts_as_twenty() {
        let header = [0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x10];
        assert_eq!(decode_transport(ip_proto::TCP, &header).1, 20);
    }

    #[test]
    fn udp_dns_query() {
        // UDP 53 -> 53 header from a DNS query (length 0x27).
        let header = [0x00, 0x35, 0x00, 0x35, 0x00, 0x27, 0xab, 0xcd];
        assert_eq!(decode_transport(ip_proto::UDP, &header), (Transport::Udp { src_port: 53, dst_port: 53, dns_id: None }, 8));
        assert_eq!(decode_transport(ip_proto::UDP, &header[..4]).0, Transport::Udp { src_port: 53, dst_port: 53, dns_id: None });
        assert_eq!(decode_transport(ip_proto::UDP, &header[..3]), (Transport::None, 0));
    }

    #[test]
    fn dns_transaction_id_is_read_when_captured() {
        // UDP 36142 -> 53 with the first bytes of a DNS query, transaction id 0x1c2f.
        let datagram = [0x8d, 0x2e, 0x00, 0x35, 0x00, 0x28, 0x00, 0x00, 0x1c, 0x2f, 0x01, 0x00];
        assert_eq!(decode_transport(ip_proto::UDP, &datagram).0, Transport::Udp { src_port: 36142, dst_port: 53, dns_id: Some(0x1c2f) });
        assert_eq!(decode_transport(ip_proto::UDP, &datagram[..9]).0, Transport::Udp { src_port: 36142, dst_port: 53, dns_id: None });
        // Not DNS: never read.
        let other = [0x14, 0xe9, 0x14, 0xe9, 0x00, 0x28, 0x00, 0x00, 0x1c, 0x2f];
        assert_eq!(decode_transport(ip_proto::UDP, &other).0, Transport::Udp { src_port: 5353, dst_port: 5353, dns_id: None });
    }

    #[test]
    fn esp_spi_is_read_when_captured() {
        // ESP from 147.32.85.33 as CTU-13's scenario 6 shows it: SPI 0x2020597d, sequence 1.
        let header = [0x20, 0x20, 0x59, 0x7d, 0, 0, 0, 1, 0xde, 0xad];
        assert_eq!(decode_transport(ip_proto::ESP, &header), (Transport::Esp { spi: 0x2020_597d }, 8));
        assert_eq!(decode_transport(ip_proto::ESP, &header[..4]), (Transport::Esp { spi: 0x2020_597d }, 8));
        assert_eq!(decode_transport(ip_proto::ESP, &header[..3]), (Transport::None, 0));
    }

    #[test]
    fn icmp_error_quotes_the_original_header() {
        // Port unreachable quoting UDP 10.50.0.2:5555 -> 10.60.0.9:6666 (probe p8 of the Argus fixtures).
        let mut message = vec![0x03, 0x03, 0, 0, 0, 0, 0, 0];
        message.extend_from_slice(&[0x45, 0x10, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 50, 0, 2, 10, 60, 0, 9]);
        message.extend_from_slice(&[0x15, 0xb3, 0x1a, 0x0a]);
        let quoted = QuotedHeader { proto: 17, tos: 0x10, dst: IpAddr16::from_v4([10, 60, 0, 9]), dst_port: Some(6666) };
        assert_eq!(decode_transport(ip_proto::ICMP, &message).0, Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: Some(quoted) });
        // Cut inside the quoted ports: no port; inside the quoted header: nothing quoted.
        assert_eq!(decode_transport(ip_proto::ICMP, &message[..30]).0, Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: Some(QuotedHeader { dst_port: None, ..quoted }) });
        assert_eq!(decode_transport(ip_proto::ICMP, &message[..27]).0, Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: None });
    }

    #[test]
    fn icmp_echo_has_id_others_not() {
        // ICMP echo request, id 0x1234, seq 1.
        let echo = [0x08, 0x00, 0xf7, 0xfe, 0x12, 0x34, 0x00, 0x01];
        assert_eq!(
            decode_transport(ip_proto::ICMP, &echo),
            (Transport::Icmp { icmp_type: 8, icmp_code: 0, id: 0x1234, seq: 1, quoted: None }, 8)
        );
        // Port unreachable: the "id" bytes are unused and must read as 0.
        let unreachable = [0x03, 0x03, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00];
        assert_eq!(decode_transport(ip_proto::ICMP, &unreachable).0, Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: None });
        // Echo cut before the id.
        assert_eq!(decode_transport(ip_proto::ICMP, &echo[..4]).0, Transport::Icmp { icmp_type: 8, icmp_code: 0, id: 0, seq: 0, quoted: None });
        assert_eq!(decode_transport(ip_proto::ICMP, &echo[..1]), (Transport::None, 0));
    }

    #[test]
    fn icmpv6_echo_reply_and_neighbour_solicitation() {
        let reply = [129, 0, 0, 0, 0x00, 0x2a, 0, 7];
        assert_eq!(decode_transport(ip_proto::ICMPV6, &reply).0, Transport::Icmp { icmp_type: 129, icmp_code: 0, id: 42, seq: 7, quoted: None });
        let solicitation = [135, 0, 0, 0, 0x00, 0x2a, 0, 0];
        assert_eq!(decode_transport(ip_proto::ICMPV6, &solicitation).0, Transport::Icmp { icmp_type: 135, icmp_code: 0, id: 0, seq: 0, quoted: None });
        // ICMPv4 echo type numbers mean nothing in ICMPv6.
        let v4_echo_numbers = [8, 0, 0, 0, 0x00, 0x2a, 0, 0];
        assert_eq!(decode_transport(ip_proto::ICMPV6, &v4_echo_numbers).0, Transport::Icmp { icmp_type: 8, icmp_code: 0, id: 0, seq: 0, quoted: None });
    }

    #[test]
    fn other_protocols_have_no_transport() {
        assert_eq!(decode_transport(47, &[0; 40]), (Transport::None, 0));
    }
}
