//! Builds one Ethernet + IPv4/IPv6 + TCP/UDP/ICMP packet of an exact wire length.
//!
//! Length rule: a frame is `14` (Ethernet) + `20` (IPv4) or `40` (IPv6) + the transport
//! header (`20` TCP without options, `8` UDP, `8` ICMP/ICMPv6 echo-style, `0` other
//! protocols) + payload + link-layer padding. The payload takes whatever the requested wire
//! length leaves, so TCP over IPv4 cannot be shorter than 54 bytes, UDP 42, ICMP 42 (IPv6:
//! 74, 62, 62). A shorter request is refused with `ERR_BAD_OPTION` rather than clamped,
//! since `flowhound synth` relies on exact wire lengths: ask [`min_wire_len`] first.
//!
//! Real frames on a switch are at least 60 bytes (plus FCS): a 54-byte TCP ACK travels with
//! 6 bytes of Ethernet padding that the IP total length does not count.
//! [`PacketSpec::padding_len`] asks for such trailing padding (zero bytes); see
//! [`ethernet_padding_len`] for the usual amount.
//!
//! Only the first `snaplen` bytes are materialised; the IP total length, UDP length and all
//! checksums (IPv4 header, TCP, UDP, ICMP, ICMPv6) describe the whole packet, filler included
//! (see `payload_filler`), so a full-length capture passes every checksum check.

use flowhound_core::error::{ErrorCode, FlowhoundError, Result};
use flowhound_core::packet::{ip_proto, IpAddr16};
use flowhound_core::record::{ip_header_len, IpVersion, ETHERNET_HEADER_LEN, ICMP_HEADER_LEN, IPV6_HEADER_LEN, TCP_HEADER_LEN, UDP_HEADER_LEN};
use crate::{checksum, payload_filler};

/// The shortest Ethernet frame without its FCS.
pub const ETHERNET_MIN_FRAME_LEN: u32 = 60;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
/// The largest header stack built here: Ethernet + IPv6 + TCP.
const MAX_HEADERS_LEN: usize = (ETHERNET_HEADER_LEN + IPV6_HEADER_LEN + TCP_HEADER_LEN) as usize;

/// The transport layer of a packet to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportSpec {
    /// A 20-byte TCP header without options.
    Tcp { src_port: u16, dst_port: u16, flags: u8, seq: u32, ack: u32, window: u16 },
    Udp { src_port: u16, dst_port: u16 },
    /// ICMP over IPv4, ICMPv6 over IPv6. The second header word holds `id` and `seq` (echo
    /// request/reply); pass 0 for types whose second word is unused.
    Icmp { icmp_type: u8, icmp_code: u8, id: u16, seq: u16 },
    /// Any other protocol: no transport header, the whole IP payload is filler.
    /// TCP, UDP, ICMP and ICMPv6 numbers are refused here (use their variants).
    Other { proto: u8 },
}

impl TransportSpec {
    pub fn proto(&self, version: IpVersion) -> u8 {
        match self {
            TransportSpec::Tcp { .. } => ip_proto::TCP,
            TransportSpec::Udp { .. } => ip_proto::UDP,
            TransportSpec::Icmp { .. } if version == IpVersion::V4 => ip_proto::ICMP,
            TransportSpec::Icmp { .. } => ip_proto::ICMPV6,
            TransportSpec::Other { proto } => *proto,
        }
    }

    pub fn header_len(&self) -> u32 {
        match self {
            TransportSpec::Tcp { .. } => TCP_HEADER_LEN,
            TransportSpec::Udp { .. } => UDP_HEADER_LEN,
            TransportSpec::Icmp { .. } => ICMP_HEADER_LEN,
            TransportSpec::Other { .. } => 0,
        }
    }
}

/// Everything that describes one packet to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketSpec {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    /// Both IPv4 (mapped) or both IPv6.
    pub src: IpAddr16,
    pub dst: IpAddr16,
    /// IPv4 TOS or IPv6 traffic class.
    pub tos: u8,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification; unused for IPv6.
    pub ip_id: u16,
    /// IPv4 don't-fragment bit; unused for IPv6.
    pub dont_fragment: bool,
    pub transport: TransportSpec,
    /// Length of the frame on the wire, Ethernet header to padding (no FCS).
    pub wire_len: u32,
    /// Zero bytes after the IP packet, inside `wire_len` (Ethernet padding).
    pub padding_len: u32,
}

impl PacketSpec {
    pub fn ip_version(&self) -> IpVersion {
        IpVersion::of(&self.src)
    }

    /// Ethernet + IP + transport header bytes.
    pub fn headers_len(&self) -> u32 {
        ETHERNET_HEADER_LEN + ip_header_len(self.ip_version()) + self.transport.header_len()
    }
}

/// Padding that brings a frame of `unpadded_wire_len` bytes up to Ethernet's 60-byte minimum.
pub fn ethernet_padding_len(unpadded_wire_len: u32) -> u32 {
    ETHERNET_MIN_FRAME_LEN.saturating_sub(unpadded_wire_len)
}

/// A MAC address derived from an IP address, stable across runs: locally administered
/// `02:00:a:b:c:d` for IPv4 unicast, `06:00:` + the last four bytes for IPv6 unicast, and the
/// standard multicast mappings (01:00:5e:…, 33:33:…) and broadcast address where they apply.
pub fn mac_from_ip(address: &IpAddr16) -> [u8; 6] {
    let bytes = address.0;
    if address.is_v4() {
        let [a, b, c, d] = [bytes[12], bytes[13], bytes[14], bytes[15]];
        if [a, b, c, d] == [255, 255, 255, 255] {
            [0xff; 6]
        } else if (224..=239).contains(&a) {
            [0x01, 0x00, 0x5e, b & 0x7f, c, d]
        } else {
            [0x02, 0x00, a, b, c, d]
        }
    } else if bytes[0] == 0xff {
        [0x33, 0x33, bytes[12], bytes[13], bytes[14], bytes[15]]
    } else {
        [0x06, 0x00, bytes[12], bytes[13], bytes[14], bytes[15]]
    }
}

/// Builds packets into one reusable buffer. Filler stays in the buffer between packets; only
/// what the previous packet overwrote (headers, application bytes, padding) is restored.
pub struct PacketBuilder {
    snaplen: u32,
    frame: Vec<u8>,
    /// Frame spans the previous packet overwrote with non-filler bytes.
    dirty_spans: [(usize, usize); 2],
}

impl PacketBuilder {
    /// `snaplen`: how many leading bytes of each packet to materialise.
    pub fn new(snaplen: u32) -> Self {
        PacketBuilder { snaplen, frame: Vec::new(), dirty_spans: [(0, 0); 2] }
    }

    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// Builds the packet and returns its first min(wire_len, snaplen) bytes. `app_payload`
    /// is written at the start of the transport payload (cut to fit it); the rest of the
    /// payload is filler.
    pub fn build(&mut self, spec: &PacketSpec, app_payload: &[u8]) -> Result<&[u8]> {
        let version = spec.ip_version();
        if spec.dst.is_v4() != (version == IpVersion::V4) {
            return Err(bad_spec(format!("source {} and destination {} are not of one IP version", spec.src, spec.dst)));
        }
        if let TransportSpec::Other { proto } = spec.transport {
            if matches!(proto, ip_proto::TCP | ip_proto::UDP | ip_proto::ICMP | ip_proto::ICMPV6) {
                return Err(bad_spec(format!("protocol {proto} needs its own transport variant")));
            }
        }
        let headers_len = spec.headers_len();
        let needed = headers_len as u64 + spec.padding_len as u64;
        if (spec.wire_len as u64) < needed {
            return Err(bad_spec(format!(
                "wire length {} is below the minimum {needed} for protocol {} over {:?} ({} bytes of headers, {} of padding)",
                spec.wire_len,
                spec.transport.proto(version),
                version,
                headers_len,
                spec.padding_len
            )));
        }
        let ip_len = spec.wire_len - ETHERNET_HEADER_LEN - spec.padding_len;
        let ip_payload_len = ip_len - ip_header_len(version);
        let length_limit = match version {
            IpVersion::V4 => ip_len,
            IpVersion::V6 => ip_payload_len,
        };
        if length_limit > u16::MAX as u32 {
            return Err(bad_spec(format!("wire length {} makes an IP packet longer than 65535 bytes", spec.wire_len)));
        }

        let caplen = spec.wire_len.min(self.snaplen) as usize;
        self.prepare_frame(caplen);

        let mut headers = [0u8; MAX_HEADERS_LEN];
        let ip_start = ETHERNET_HEADER_LEN as usize;
        let transport_start = ip_start + ip_header_len(version) as usize;
        let payload_start = headers_len as usize;
        let payload_end = ip_start + ip_len as usize;
        let app_len = app_payload.len().min(payload_end - payload_start);
        let app = &app_payload[..app_len];

        headers[0..6].copy_from_slice(&spec.dst_mac);
        headers[6..12].copy_from_slice(&spec.src_mac);
        let ether_type = if version == IpVersion::V4 { ETHERTYPE_IPV4 } else { ETHERTYPE_IPV6 };
        headers[12..14].copy_from_slice(&ether_type.to_be_bytes());

        let proto = spec.transport.proto(version);
        let (src, dst) = match version {
            IpVersion::V4 => (&spec.src.0[12..16], &spec.dst.0[12..16]),
            IpVersion::V6 => (&spec.src.0[..], &spec.dst.0[..]),
        };
        match version {
            IpVersion::V4 => {
                let ip = &mut headers[ip_start..transport_start];
                ip[0] = 0x45;
                ip[1] = spec.tos;
                ip[2..4].copy_from_slice(&(ip_len as u16).to_be_bytes());
                ip[4..6].copy_from_slice(&spec.ip_id.to_be_bytes());
                ip[6] = if spec.dont_fragment { 0x40 } else { 0 };
                ip[8] = spec.ttl;
                ip[9] = proto;
                ip[12..16].copy_from_slice(src);
                ip[16..20].copy_from_slice(dst);
                let header_checksum = checksum::finish(checksum::sum_words(ip));
                ip[10..12].copy_from_slice(&header_checksum.to_be_bytes());
            }
            IpVersion::V6 => {
                let ip = &mut headers[ip_start..transport_start];
                ip[0] = 0x60 | (spec.tos >> 4);
                ip[1] = spec.tos << 4;
                ip[4..6].copy_from_slice(&(ip_payload_len as u16).to_be_bytes());
                ip[6] = proto;
                ip[7] = spec.ttl;
                ip[8..24].copy_from_slice(src);
                ip[24..40].copy_from_slice(dst);
            }
        }

        let transport = &mut headers[transport_start..payload_start];
        let checksum_offset = match spec.transport {
            TransportSpec::Tcp { src_port, dst_port, flags, seq, ack, window } => {
                transport[0..2].copy_from_slice(&src_port.to_be_bytes());
                transport[2..4].copy_from_slice(&dst_port.to_be_bytes());
                transport[4..8].copy_from_slice(&seq.to_be_bytes());
                transport[8..12].copy_from_slice(&ack.to_be_bytes());
                transport[12] = ((TCP_HEADER_LEN / 4) as u8) << 4;
                transport[13] = flags;
                transport[14..16].copy_from_slice(&window.to_be_bytes());
                Some(16)
            }
            TransportSpec::Udp { src_port, dst_port } => {
                transport[0..2].copy_from_slice(&src_port.to_be_bytes());
                transport[2..4].copy_from_slice(&dst_port.to_be_bytes());
                transport[4..6].copy_from_slice(&(ip_payload_len as u16).to_be_bytes());
                Some(6)
            }
            TransportSpec::Icmp { icmp_type, icmp_code, id, seq } => {
                transport[0] = icmp_type;
                transport[1] = icmp_code;
                transport[4..6].copy_from_slice(&id.to_be_bytes());
                transport[6..8].copy_from_slice(&seq.to_be_bytes());
                Some(2)
            }
            TransportSpec::Other { .. } => None,
        };
        if let Some(offset) = checksum_offset {
            let pseudo_header_sum = if proto == ip_proto::ICMP {
                0
            } else {
                checksum::sum_words(src) + checksum::sum_words(dst) + proto as u64 + ip_payload_len as u64
            };
            let sum = pseudo_header_sum
                + checksum::sum_words(transport)
                + payload_sum(app, payload_start, payload_end);
            let mut value = checksum::finish(sum);
            if proto == ip_proto::UDP && value == 0 {
                // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
                value = 0xffff;
            }
            transport[offset..offset + 2].copy_from_slice(&value.to_be_bytes());
        }

        let headers_shown = (headers_len as usize).min(caplen);
        self.frame[..headers_shown].copy_from_slice(&headers[..headers_shown]);
        let app_end = (payload_start + app_len).min(caplen);
        if app_end > payload_start {
            self.frame[payload_start..app_end].copy_from_slice(&app[..app_end - payload_start]);
        }
        let padding_start = payload_end.min(caplen);
        self.frame[padding_start..caplen].fill(0);
        self.dirty_spans = [(0, headers_shown.max(app_end)), (padding_start, caplen)];
        Ok(&self.frame[..caplen])
    }

    /// Makes the first `caplen` bytes of the frame filler again.
    fn prepare_frame(&mut self, caplen: usize) {
        for (start, end) in self.dirty_spans {
            payload_filler::fill(&mut self.frame[start..end], start);
        }
        self.dirty_spans = [(0, 0); 2];
        if self.frame.len() < caplen {
            let old_len = self.frame.len();
            self.frame.resize(caplen, 0);
            payload_filler::fill(&mut self.frame[old_len..], old_len);
        }
    }
}

/// Word sum of a payload made of `app` bytes followed by filler up to `payload_end`.
fn payload_sum(app: &[u8], payload_start: usize, payload_end: usize) -> u64 {
    let even_len = app.len() & !1;
    let mut sum = checksum::sum_words(&app[..even_len]);
    let mut filler_start = payload_start + even_len;
    if app.len() % 2 == 1 {
        // The word that straddles the last application byte and the first filler byte.
        let low = if filler_start + 1 < payload_end { payload_filler::byte_at(filler_start + 1) } else { 0 };
        sum += ((app[even_len] as u64) << 8) | low as u64;
        filler_start += 2;
    }
    sum + payload_filler::sum_words(filler_start, payload_end)
}

fn bad_spec(message: String) -> FlowhoundError {
    FlowhoundError::new(ErrorCode::BadOption, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowhound_core::packet::tcp_flag;
    use flowhound_core::record::min_wire_len;
    use crate::prng::Rng;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    fn v4(octets: [u8; 4]) -> IpAddr16 {
        IpAddr16::from_v4(octets)
    }

    /// fd00::2 and 2001:db8::1 style addresses.
    fn v6(first: [u8; 4], last: u8) -> IpAddr16 {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&first);
        bytes[15] = last;
        IpAddr16::from_v6(bytes)
    }

    fn lan_v6() -> IpAddr16 {
        v6([0xfd, 0, 0, 0], 2)
    }

    fn wan_v6() -> IpAddr16 {
        v6([0x20, 0x01, 0x0d, 0xb8], 1)
    }

    fn spec(src: IpAddr16, dst: IpAddr16, transport: TransportSpec, wire_len: u32, padding_len: u32) -> PacketSpec {
        PacketSpec {
            src_mac: mac_from_ip(&src),
            dst_mac: mac_from_ip(&dst),
            src,
            dst,
            tos: 0,
            ttl: 64,
            ip_id: 0x1234,
            dont_fragment: true,
            transport,
            wire_len,
            padding_len,
        }
    }

    fn tcp(flags: u8) -> TransportSpec {
        TransportSpec::Tcp { src_port: 49152, dst_port: 80, flags, seq: 0x0102_0304, ack: 0, window: 64240 }
    }

    /// Checks the IPv4 header checksum and the transport checksum of a fully materialised
    /// packet by summing every byte (not the builder's closed form for filler).
    fn assert_checksums_hold(frame: &[u8]) {
        let ether_type = u16::from_be_bytes([frame[12], frame[13]]);
        let (proto, src, dst, transport) = if ether_type == ETHERTYPE_IPV4 {
            let ip = &frame[14..34];
            assert_eq!(checksum::finish(checksum::sum_words(ip)), 0, "IPv4 header checksum");
            let total = u16::from_be_bytes([ip[2], ip[3]]) as usize;
            (ip[9], &ip[12..16], &ip[16..20], &frame[34..14 + total])
        } else {
            let ip = &frame[14..54];
            let payload = u16::from_be_bytes([ip[4], ip[5]]) as usize;
            (ip[6], &ip[8..24], &ip[24..40], &frame[54..54 + payload])
        };
        let pseudo = if proto == ip_proto::ICMP {
            0
        } else {
            checksum::sum_words(src) + checksum::sum_words(dst) + proto as u64 + transport.len() as u64
        };
        if matches!(proto, ip_proto::TCP | ip_proto::UDP | ip_proto::ICMP | ip_proto::ICMPV6) {
            assert_eq!(checksum::finish(pseudo + checksum::sum_words(transport)), 0, "protocol {proto} checksum");
        }
    }

    // The byte strings below were built by this builder, written to a pcap with PcapWriter
    // and read back with `tshark -V -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE
    // -o udp.check_checksum:TRUE` (Wireshark 4.0): the summary line and checksum verdicts
    // tshark gave are quoted for each.

    #[test]
    fn tcp_syn_with_ethernet_padding_matches_tshark_verified_bytes() {
        // "10.0.0.5 → 93.184.216.34 TCP 60 49152 → 80 [SYN] Seq=0 Win=64240 Len=0",
        // "Padding: 000000000000", IP "Header Checksum: 0xe8bc [correct]",
        // TCP "Checksum: 0xb0bb [correct]".
        let expected = hex(
            "02005db8d82202000a000005080045000028123440004006e8bc0a0000055db8d822\
             c000005001020304000000005002faf0b0bb0000000000000000",
        );
        let syn = spec(v4([10, 0, 0, 5]), v4([93, 184, 216, 34]), tcp(tcp_flag::SYN), 60, 6);
        let mut builder = PacketBuilder::new(65_535);
        assert_eq!(builder.build(&syn, b"").unwrap(), &expected[..]);
    }

    #[test]
    fn dns_query_over_udp_matches_tshark_verified_bytes() {
        // "10.0.0.5 → 10.0.0.53 DNS 75 Standard query 0x1234 A example.com", IP checksum
        // 0x1443 [correct], UDP "Length: 41", "Checksum: 0x62f4 [correct]"; the 4 filler
        // bytes after the question show as "Extraneous Data Length: 4".
        let expected = hex(
            "02000a00003502000a00000508004500003d12344000401114430a0000050a000035\
             cf080035002962f4123401000001000000000000076578616d706c6503636f6d00000100016e642073",
        );
        let query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
        let udp = TransportSpec::Udp { src_port: 53000, dst_port: 53 };
        let packet = spec(v4([10, 0, 0, 5]), v4([10, 0, 0, 53]), udp, 75, 0);
        let mut builder = PacketBuilder::new(65_535);
        assert_eq!(builder.build(&packet, query).unwrap(), &expected[..]);
    }

    #[test]
    fn icmp_echo_request_matches_tshark_verified_bytes() {
        // "10.0.0.5 → 8.8.8.8 ICMP 98 Echo (ping) request id=0x4242, seq=7/1792, ttl=64",
        // IP checksum 0x0e61 [correct], ICMP "Checksum: 0x7885 [correct]".
        let expected = hex(
            "02000808080802000a0000050800450000541234400040010e610a000005080808080800788542420007\
             686572653a2030313233343536373839616263646566666c6f77686f756e642073796e746865746963\
             207061796c6f61642c206e6f207265",
        );
        let echo = TransportSpec::Icmp { icmp_type: 8, icmp_code: 0, id: 0x4242, seq: 7 };
        let packet = spec(v4([10, 0, 0, 5]), v4([8, 8, 8, 8]), echo, 98, 0);
        let mut builder = PacketBuilder::new(65_535);
        assert_eq!(builder.build(&packet, b"").unwrap(), &expected[..]);
    }

    #[test]
    fn icmpv6_echo_request_matches_tshark_verified_bytes() {
        // "fd00::2 → 2001:db8::1 ICMPv6 118 Echo (ping) request id=0x0001, seq=2,
        // hop limit=64", "Payload Length: 64", ICMPv6 "Checksum: 0x0666 [correct]".
        let expected = hex(
            "06000000000106000000000286dd6000000000403a40fd000000000000000000000000000002\
             20010db8000000000000000000000001800006660001000265\
             66666c6f77686f756e642073796e746865746963207061796c6f61642c206e6f207265616c20\
             6461746120686572653a20303132333435",
        );
        let echo = TransportSpec::Icmp { icmp_type: 128, icmp_code: 0, id: 1, seq: 2 };
        let packet = spec(lan_v6(), wan_v6(), echo, 118, 0);
        let mut builder = PacketBuilder::new(65_535);
        assert_eq!(builder.build(&packet, b"").unwrap(), &expected[..]);
    }

    #[test]
    fn minimum_lengths_follow_the_documented_rule() {
        assert_eq!(min_wire_len(IpVersion::V4, ip_proto::TCP), 54);
        assert_eq!(min_wire_len(IpVersion::V4, ip_proto::UDP), 42);
        assert_eq!(min_wire_len(IpVersion::V4, ip_proto::ICMP), 42);
        assert_eq!(min_wire_len(IpVersion::V4, 47), 34);
        assert_eq!(min_wire_len(IpVersion::V6, ip_proto::TCP), 74);
        assert_eq!(min_wire_len(IpVersion::V6, ip_proto::ICMPV6), 62);
        assert_eq!(ethernet_padding_len(54), 6);
        assert_eq!(ethernet_padding_len(98), 0);
        let mut builder = PacketBuilder::new(65_535);
        let mut packet = spec(v4([10, 0, 0, 5]), v4([10, 0, 0, 6]), tcp(tcp_flag::ACK), 54, 0);
        assert_eq!(builder.build(&packet, b"").unwrap().len(), 54);
        packet.wire_len = 53;
        let err = builder.build(&packet, b"").unwrap_err();
        assert_eq!(err.code, ErrorCode::BadOption);
        assert!(err.message.contains("minimum 54"), "{}", err.message);
        packet.wire_len = 59;
        packet.padding_len = 6;
        assert_eq!(builder.build(&packet, b"").unwrap_err().code, ErrorCode::BadOption);
    }

    #[test]
    fn refuses_mixed_families_oversized_packets_and_misused_other() {
        let mut builder = PacketBuilder::new(100);
        let mixed = spec(v4([10, 0, 0, 5]), wan_v6(), tcp(0), 100, 0);
        assert_eq!(builder.build(&mixed, b"").unwrap_err().code, ErrorCode::BadOption);
        let huge = spec(v4([10, 0, 0, 5]), v4([10, 0, 0, 6]), tcp(0), 14 + 65_536, 0);
        assert_eq!(builder.build(&huge, b"").unwrap_err().code, ErrorCode::BadOption);
        let largest = spec(v4([10, 0, 0, 5]), v4([10, 0, 0, 6]), tcp(0), 14 + 65_535, 0);
        assert_eq!(builder.build(&largest, b"").unwrap().len(), 100);
        let largest_v6 = spec(lan_v6(), wan_v6(), tcp(0), 14 + 40 + 65_535, 0);
        assert_eq!(builder.build(&largest_v6, b"").unwrap().len(), 100);
        let fake_tcp = spec(v4([10, 0, 0, 5]), v4([10, 0, 0, 6]), TransportSpec::Other { proto: 6 }, 60, 0);
        assert_eq!(builder.build(&fake_tcp, b"").unwrap_err().code, ErrorCode::BadOption);
    }

    #[test]
    fn lengths_and_checksums_hold_for_every_protocol_and_length() {
        let mut builder = PacketBuilder::new(65_535);
        let transports = [
            tcp(tcp_flag::ACK | tcp_flag::PSH),
            TransportSpec::Udp { src_port: 1000, dst_port: 2000 },
            TransportSpec::Icmp { icmp_type: 8, icmp_code: 0, id: 9, seq: 1 },
            TransportSpec::Other { proto: 47 },
        ];
        let app_payloads: [&[u8]; 3] = [b"", b"odd", b"GET / HTTP/1.1\r\n"];
        for (src, dst) in [(v4([10, 0, 0, 5]), v4([147, 32, 84, 165])), (lan_v6(), wan_v6())] {
            for transport in transports {
                for app in app_payloads {
                    for padding_len in [0, 6] {
                        let mut packet = spec(src, dst, transport, 0, padding_len);
                        let minimum = packet.headers_len() + padding_len;
                        for wire_len in (minimum..minimum + 70).chain([1514, 9000]) {
                            packet.wire_len = wire_len;
                            let frame = builder.build(&packet, app).unwrap();
                            assert_eq!(frame.len(), wire_len as usize);
                            let ip_len = (wire_len - 14 - padding_len) as usize;
                            if src.is_v4() {
                                assert_eq!(u16::from_be_bytes([frame[16], frame[17]]) as usize, ip_len);
                            } else {
                                assert_eq!(u16::from_be_bytes([frame[18], frame[19]]) as usize, ip_len - 40);
                            }
                            if let TransportSpec::Udp { .. } = transport {
                                let udp = 14 + if src.is_v4() { 20 } else { 40 };
                                let udp_len = u16::from_be_bytes([frame[udp + 4], frame[udp + 5]]) as usize;
                                assert_eq!(udp_len, ip_len - (udp - 14));
                            }
                            assert!(frame[14 + ip_len..].iter().all(|&b| b == 0), "padding is zeros");
                            let payload_start = packet.headers_len() as usize;
                            let shown = app.len().min(14 + ip_len - payload_start);
                            assert_eq!(&frame[payload_start..payload_start + shown], &app[..shown]);
                            assert_checksums_hold(frame);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn snaplen_keeps_a_prefix_and_history_never_leaks_into_a_packet() {
        let mut rng = Rng::from_seed(11);
        let mut cut = PacketBuilder::new(96);
        let mut reused = PacketBuilder::new(65_535);
        for _ in 0..2_000 {
            let (src, dst) = if rng.chance(0.3) { (lan_v6(), wan_v6()) } else { (v4([10, 0, 1, 2]), v4([8, 8, 4, 4])) };
            let transport = match rng.below(4) {
                0 => tcp(rng.next_u64() as u8),
                1 => TransportSpec::Udp { src_port: rng.next_u16(), dst_port: 53 },
                2 => TransportSpec::Icmp { icmp_type: 8, icmp_code: 0, id: rng.next_u16(), seq: rng.next_u16() },
                _ => TransportSpec::Other { proto: 50 },
            };
            let padding_len = rng.below(8) as u32;
            let mut packet = spec(src, dst, transport, 0, padding_len);
            packet.wire_len = packet.headers_len() + padding_len + rng.below(1600) as u32;
            let app_len = rng.below(40) as usize;
            let app: Vec<u8> = (0..app_len).map(|_| rng.next_u64() as u8).collect();
            let fresh = PacketBuilder::new(65_535).build(&packet, &app).unwrap().to_vec();
            assert_eq!(reused.build(&packet, &app).unwrap(), &fresh[..]);
            let prefix = cut.build(&packet, &app).unwrap();
            assert_eq!(prefix.len(), fresh.len().min(96));
            assert_eq!(prefix, &fresh[..prefix.len()]);
        }
    }

    #[test]
    fn macs_follow_addresses() {
        assert_eq!(mac_from_ip(&v4([10, 0, 0, 5])), [0x02, 0, 10, 0, 0, 5]);
        assert_eq!(mac_from_ip(&v4([239, 255, 255, 250])), [0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa]);
        assert_eq!(mac_from_ip(&v4([255, 255, 255, 255])), [0xff; 6]);
        let mut multicast = [0u8; 16];
        multicast[0] = 0xff;
        multicast[1] = 0x02;
        multicast[15] = 0xfb;
        assert_eq!(mac_from_ip(&IpAddr16::from_v6(multicast)), [0x33, 0x33, 0, 0, 0, 0xfb]);
        assert_eq!(mac_from_ip(&lan_v6()), [0x06, 0, 0, 0, 0, 2]);
    }
}
