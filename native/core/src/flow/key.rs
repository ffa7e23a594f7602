//! The flow key: one fixed-size value for both directions of a flow, as Argus keys flows.
//!
//! TCP/UDP flows are keyed by the 5-tuple with the two (address, port) ends put in a fixed
//! order, so that direction does not matter; the sender's end is returned beside the key.
//! Argus adds to the 5-tuple: the DNS transaction id for IPv4 DNS, the echo id and sequence
//! number for ICMPv4 echo, and parts of the quoted packet for ICMPv4 errors. ICMPv4 keys
//! are not normalised but oriented requester → responder (an echo reply joins its request's
//! flow from the other side); ICMPv6 keys are normalised and carry the type (replies mapped
//! to their request type) and code. ESP keys are not normalised either: Argus keys ESP by
//! the addresses in the order sent and the SPI, so each direction is a flow of its own.

use crate::flow::hash::hash_words;
use crate::packet::{ip_proto, IpAddr16, IpPacket, QuotedHeader, Transport};

/// Which end of a key: `A` is `addr[0]`, `B` is `addr[1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A = 0,
    B = 1,
}

impl Side {
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    #[inline]
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// How to read a key's ports and whether its addresses are normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum KeyKind {
    /// TCP/UDP with ports: `port[i]` belongs to `addr[i]`; addresses normalised.
    Ports = 0,
    /// Any protocol without ports (or whose transport header was not captured).
    AddressPair = 1,
    /// ICMPv4: `addr[0]` is the requester or error sender; `port[0]` is `type << 8 | code`,
    /// `port[1]` the echo id or the quoted detail Argus shows.
    IcmpV4 = 2,
    /// ICMPv6: normalised addresses; `port[0]` the (request-mapped) type, `port[1]` the code.
    IcmpV6 = 3,
    /// Later fragments whose first fragment was not seen: keyed by their IP id.
    OrphanFragment = 4,
    /// ESP: `addr[0]` is the sender, always; `port` the SPI's high and low 16 bits.
    Esp = 5,
}

/// 40 bytes, compared and hashed as five 64-bit words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct FlowKey {
    pub addr: [IpAddr16; 2],
    pub port: [u16; 2],
    pub proto: u8,
    pub kind: KeyKind,
    /// DNS transaction id, ICMP echo sequence or quoted detail; 0 when unused.
    pub discriminator: u16,
}

const _: () = assert!(std::mem::size_of::<FlowKey>() == 40);

impl FlowKey {
    #[inline]
    pub fn words(&self) -> [u64; 5] {
        let a = &self.addr[0].0;
        let b = &self.addr[1].0;
        let half = |bytes: &[u8; 16], at: usize| {
            u64::from_ne_bytes([
                bytes[at],
                bytes[at + 1],
                bytes[at + 2],
                bytes[at + 3],
                bytes[at + 4],
                bytes[at + 5],
                bytes[at + 6],
                bytes[at + 7],
            ])
        };
        let tail = u64::from(self.port[0])
            | u64::from(self.port[1]) << 16
            | u64::from(self.proto) << 32
            | u64::from(self.kind as u8) << 40
            | u64::from(self.discriminator) << 48;
        [half(a, 0), half(a, 8), half(b, 0), half(b, 8), tail]
    }

    #[inline]
    pub fn hash(&self, seed: u64) -> u64 {
        hash_words(&self.words(), seed)
    }
}

/// A packet's flow key and which end of it sent the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketKey {
    pub key: FlowKey,
    pub sender: Side,
}

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_UNREACH: u8 = 3;
const ICMP_REDIRECT: u8 = 5;
const ICMP_ECHO: u8 = 8;

/// For ICMPv4 query/reply pairs: the request type, and whether `icmp_type` is the reply.
pub fn icmp_v4_request_of(icmp_type: u8) -> Option<(u8, bool)> {
    match icmp_type {
        ICMP_ECHO | 13 | 15 | 17 => Some((icmp_type, false)),
        ICMP_ECHO_REPLY => Some((ICMP_ECHO, true)),
        14 | 16 | 18 => Some((icmp_type - 1, true)),
        _ => None,
    }
}

/// ICMPv6 informational replies map to their request type, as Argus keys them.
pub fn icmp_v6_request_type(icmp_type: u8) -> u8 {
    match icmp_type {
        129 => 128,
        131 | 132 => 130,
        134 => 133,
        136 => 135,
        145 => 144,
        other => other,
    }
}

/// The key of a whole packet or first fragment (later fragments go through the fragment table).
#[inline(always)]
pub fn packet_key(ip: &IpPacket) -> PacketKey {
    match ip.transport {
        Transport::Tcp { src_port, dst_port, .. } => ports_key(ip, src_port, dst_port, 0),
        Transport::Udp { src_port, dst_port, dns_id } => ports_key(ip, src_port, dst_port, dns_discriminator(ip, src_port, dst_port, dns_id)),
        Transport::Icmp { icmp_type, icmp_code, id, seq, quoted } if ip.proto == ip_proto::ICMP => {
            icmp_v4_key(ip, icmp_type, icmp_code, id, seq, quoted)
        }
        Transport::Icmp { icmp_type, icmp_code, .. } => {
            let (addr, sender) = normalise(ip.src, ip.dst);
            let key = FlowKey {
                addr,
                port: [u16::from(icmp_v6_request_type(icmp_type)), u16::from(icmp_code)],
                proto: ip.proto,
                kind: KeyKind::IcmpV6,
                discriminator: 0,
            };
            PacketKey { key, sender }
        }
        Transport::Esp { spi } => PacketKey {
            key: FlowKey {
                addr: [ip.src, ip.dst],
                port: [(spi >> 16) as u16, spi as u16],
                proto: ip.proto,
                kind: KeyKind::Esp,
                discriminator: 0,
            },
            sender: Side::A,
        },
        Transport::None => address_pair_key(ip.src, ip.dst, ip.proto, KeyKind::AddressPair, [0, 0]),
    }
}

/// As `packet_key`, writing into `out`. TCP and UDP keys (nearly all of them) are written
/// field by field where they are kept: a key built as a value and then moved went through a
/// stack copy whose wide loads waited on the narrow stores just made (store-forwarding
/// stalls, a tenth of the windowed flow engine's time).
#[inline(always)]
pub fn packet_key_into(ip: &IpPacket, out: &mut PacketKey) {
    match ip.transport {
        Transport::Tcp { src_port, dst_port, .. } => ports_key_into(ip, src_port, dst_port, 0, out),
        Transport::Udp { src_port, dst_port, dns_id } => {
            ports_key_into(ip, src_port, dst_port, dns_discriminator(ip, src_port, dst_port, dns_id), out)
        }
        _ => *out = packet_key(ip),
    }
}

/// Argus reads the DNS id into the key for IPv4 only.
#[inline(always)]
fn dns_discriminator(ip: &IpPacket, src_port: u16, dst_port: u16, dns_id: Option<u16>) -> u16 {
    match dns_id {
        Some(id) if ip.src.is_v4() && (src_port == 53 || dst_port == 53) => id,
        _ => 0,
    }
}

/// The key under which later fragments are counted when their first fragment was not seen.
pub fn orphan_fragment_key(ip: &IpPacket, ip_id: u32) -> PacketKey {
    address_pair_key(ip.src, ip.dst, ip.proto, KeyKind::OrphanFragment, [(ip_id >> 16) as u16, ip_id as u16])
}

#[inline]
fn ports_key(ip: &IpPacket, src_port: u16, dst_port: u16, discriminator: u16) -> PacketKey {
    let mut key = PacketKey {
        key: FlowKey { addr: [ip.src, ip.dst], port: [0; 2], proto: 0, kind: KeyKind::Ports, discriminator: 0 },
        sender: Side::A,
    };
    ports_key_into(ip, src_port, dst_port, discriminator, &mut key);
    key
}

#[inline(always)]
fn ports_key_into(ip: &IpPacket, src_port: u16, dst_port: u16, discriminator: u16, out: &mut PacketKey) {
    let (addr, port, sender) = if ip.version == 4 {
        // IPv4 addresses are held IPv4-mapped (IpAddr16's contract): they order as their last
        // four bytes do, and are rebuilt from them. Read whole, an address the decoder has
        // just written in pieces waited for the pieces (a store-forwarding stall, a fifth of
        // the decoding thread's time); its last four bytes were written at once.
        let (src, dst) = (last_four_bytes(&ip.src), last_four_bytes(&ip.dst));
        if (u32::from_be_bytes(src), src_port) <= (u32::from_be_bytes(dst), dst_port) {
            ([IpAddr16::from_v4(src), IpAddr16::from_v4(dst)], [src_port, dst_port], Side::A)
        } else {
            ([IpAddr16::from_v4(dst), IpAddr16::from_v4(src)], [dst_port, src_port], Side::B)
        }
    } else if (address_order(&ip.src), src_port) <= (address_order(&ip.dst), dst_port) {
        ([ip.src, ip.dst], [src_port, dst_port], Side::A)
    } else {
        ([ip.dst, ip.src], [dst_port, src_port], Side::B)
    };
    out.key.addr = addr;
    out.key.port = port;
    out.key.proto = ip.proto;
    out.key.kind = KeyKind::Ports;
    out.key.discriminator = discriminator;
    out.sender = sender;
}

fn address_pair_key(src: IpAddr16, dst: IpAddr16, proto: u8, kind: KeyKind, port: [u16; 2]) -> PacketKey {
    let (addr, sender) = normalise(src, dst);
    PacketKey { key: FlowKey { addr, port, proto, kind, discriminator: 0 }, sender }
}

#[inline(always)]
fn last_four_bytes(address: &IpAddr16) -> [u8; 4] {
    [address.0[12], address.0[13], address.0[14], address.0[15]]
}

/// An address as one number that orders as the address does (bytes, most significant
/// first): one comparison instead of a byte-by-byte one.
#[inline]
fn address_order(address: &IpAddr16) -> u128 {
    u128::from_be_bytes(address.0)
}

#[inline]
fn normalise(src: IpAddr16, dst: IpAddr16) -> ([IpAddr16; 2], Side) {
    if address_order(&src) <= address_order(&dst) {
        ([src, dst], Side::A)
    } else {
        ([dst, src], Side::B)
    }
}

fn icmp_v4_key(ip: &IpPacket, icmp_type: u8, icmp_code: u8, id: u16, seq: u16, quoted: Option<QuotedHeader>) -> PacketKey {
    if let Some((request_type, is_reply)) = icmp_v4_request_of(icmp_type) {
        let (addr, sender) = if is_reply { ([ip.dst, ip.src], Side::B) } else { ([ip.src, ip.dst], Side::A) };
        let (port_1, discriminator) = if request_type == ICMP_ECHO { (id, seq) } else { (0, 0) };
        let key = FlowKey {
            addr,
            port: [u16::from(request_type) << 8, port_1],
            proto: ip.proto,
            kind: KeyKind::IcmpV4,
            discriminator,
        };
        return PacketKey { key, sender };
    }
    // Argus stores these details in its 16-bit id (in host order, shown byte-swapped) and
    // the 16 bits after it; `port[1]` holds the value Argus shows once swapped back.
    let (port_1, discriminator) = match (quoted, icmp_type, icmp_code) {
        (Some(q), ICMP_UNREACH, 0 | 1) | (Some(q), ICMP_REDIRECT, 0 | 1) => {
            let d = &q.dst.0[12..];
            (u16::from_le_bytes([d[0], d[1]]), u16::from_le_bytes([d[2], d[3]]))
        }
        (Some(q), ICMP_UNREACH, 2) => (u16::from(q.proto), 0),
        (Some(q), ICMP_UNREACH, 3) => (q.dst_port.unwrap_or(0), u16::from(q.proto)),
        (Some(q), ICMP_REDIRECT, 2 | 3) => (0, u16::from(q.tos)),
        _ => (0, 0),
    };
    let key = FlowKey {
        addr: [ip.src, ip.dst],
        port: [u16::from(icmp_type) << 8 | u16::from(icmp_code), port_1],
        proto: ip.proto,
        kind: KeyKind::IcmpV4,
        discriminator,
    };
    PacketKey { key, sender: Side::A }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::packet::Fragment;

    pub fn v4(last: u8) -> IpAddr16 {
        IpAddr16::from_v4([10, 0, 0, last])
    }

    pub fn ip(src: IpAddr16, dst: IpAddr16, proto: u8, transport: Transport) -> IpPacket {
        IpPacket {
            version: 4,
            src,
            dst,
            proto,
            tos: 0,
            ttl: 64,
            payload_len: 0,
            fragment: Fragment::Whole,
            transport,
        }
    }

    fn tcp(src_port: u16, dst_port: u16) -> Transport {
        Transport::Tcp { src_port, dst_port, flags: 0x10, seq: 0, ack: 0 }
    }

    #[test]
    fn both_directions_give_one_key() {
        let forward = packet_key(&ip(v4(9), v4(1), 6, tcp(4444, 80)));
        let backward = packet_key(&ip(v4(1), v4(9), 6, tcp(80, 4444)));
        assert_eq!(forward.key, backward.key);
        assert_eq!(forward.sender, Side::B);
        assert_eq!(backward.sender, Side::A);
        assert_eq!(forward.key.addr, [v4(1), v4(9)]);
        assert_eq!(forward.key.port, [80, 4444]);
    }

    #[test]
    fn keys_written_in_place_are_the_keys() {
        let quoted = QuotedHeader { proto: 17, tos: 0, dst: v4(7), dst_port: Some(1) };
        let transports = [
            tcp(4444, 80),
            tcp(80, 4444),
            Transport::Udp { src_port: 36142, dst_port: 53, dns_id: Some(7) },
            Transport::Udp { src_port: 53, dst_port: 36142, dns_id: None },
            Transport::Udp { src_port: 5353, dst_port: 5353, dns_id: Some(7) },
            Transport::Icmp { icmp_type: 8, icmp_code: 0, id: 1, seq: 2, quoted: None },
            Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: Some(quoted) },
            Transport::Esp { spi: 0x2020_597d },
            Transport::None,
        ];
        let six = IpAddr16::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        for transport in transports {
            for (src, dst) in [(v4(1), v4(2)), (v4(2), v4(1)), (v4(3), v4(3)), (IpAddr16::from_v4([200, 1, 2, 3]), v4(9)), (six, six), (six, v4(1))] {
                for proto in [1, 6, 17, 58] {
                    let mut packet = ip(src, dst, proto, transport);
                    if !src.is_v4() {
                        packet.version = 6;
                    }
                    let mut written = packet_key(&ip(v4(9), v4(8), 47, Transport::None));
                    packet_key_into(&packet, &mut written);
                    assert_eq!(written, packet_key(&packet), "{packet:?}");
                }
            }
        }
    }

    #[test]
    fn address_order_is_the_byte_order() {
        let addresses = [v4(1), v4(2), IpAddr16::from_v4([9, 0, 0, 0]), IpAddr16::from_v6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), IpAddr16::default(), IpAddr16([0xff; 16])];
        for a in addresses {
            for b in addresses {
                assert_eq!(address_order(&a).cmp(&address_order(&b)), a.cmp(&b), "{a} {b}");
            }
        }
    }

    #[test]
    fn same_address_orders_by_port() {
        let forward = packet_key(&ip(v4(3), v4(3), 17, Transport::Udp { src_port: 5000, dst_port: 100, dns_id: None }));
        let backward = packet_key(&ip(v4(3), v4(3), 17, Transport::Udp { src_port: 100, dst_port: 5000, dns_id: None }));
        assert_eq!(forward.key, backward.key);
        assert_eq!(forward.key.port, [100, 5000]);
    }

    #[test]
    fn protocol_and_ipv6_keep_keys_apart() {
        let udp = packet_key(&ip(v4(1), v4(2), 17, Transport::Udp { src_port: 1, dst_port: 2, dns_id: None }));
        let tcp_key = packet_key(&ip(v4(1), v4(2), 6, tcp(1, 2)));
        assert_ne!(udp.key, tcp_key.key);
        let six = IpAddr16::from_v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1]);
        let v6 = IpPacket { version: 6, ..ip(six, IpAddr16::from_v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2]), 6, tcp(1, 2)) };
        assert_ne!(packet_key(&v6).key, tcp_key.key);
    }

    #[test]
    fn esp_is_keyed_one_way_by_its_spi() {
        let esp = |src, dst, spi| packet_key(&ip(src, dst, 50, Transport::Esp { spi }));
        let out = esp(v4(9), v4(1), 0x2020_597d);
        assert_eq!(out.key.addr, [v4(9), v4(1)], "not normalised: the sender comes first");
        assert_eq!(out.key.port, [0x2020, 0x597d]);
        assert_eq!(out.sender, Side::A);
        // The other direction is a flow of its own, even with the same SPI.
        assert_ne!(esp(v4(1), v4(9), 0x2020_597d).key, out.key);
        // A new SPI between the same addresses (a rekeyed association) is a new flow.
        assert_ne!(esp(v4(9), v4(1), 0x2020_7e79).key, out.key);
        assert_eq!(esp(v4(9), v4(1), 0x2020_597d), out);
    }

    #[test]
    fn dns_id_splits_ipv4_dns_only() {
        let query = |id, src: IpAddr16, dst: IpAddr16| {
            packet_key(&ip(src, dst, 17, Transport::Udp { src_port: 36142, dst_port: 53, dns_id: Some(id) })).key
        };
        assert_ne!(query(1, v4(16), v4(8)), query(2, v4(16), v4(8)));
        let response = packet_key(&ip(v4(8), v4(16), 17, Transport::Udp { src_port: 53, dst_port: 36142, dns_id: Some(1) }));
        assert_eq!(response.key, query(1, v4(16), v4(8)));
        // Argus keeps IPv6 DNS queries of one socket in one flow.
        let (a, b) = (IpAddr16::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]), IpAddr16::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]));
        assert_eq!(query(1, a, b), query(2, a, b));
        // Other ports never use it.
        let other = |id| packet_key(&ip(v4(1), v4(2), 17, Transport::Udp { src_port: 5353, dst_port: 5353, dns_id: Some(id) })).key;
        assert_eq!(other(1), other(2));
    }

    #[test]
    fn icmp_echo_is_oriented_by_the_request_and_keyed_by_id_and_seq() {
        let echo = |t, src, dst, seq| {
            packet_key(&ip(src, dst, 1, Transport::Icmp { icmp_type: t, icmp_code: 0, id: 0x1234, seq, quoted: None }))
        };
        let request = echo(8, v4(9), v4(1), 1);
        let reply = echo(0, v4(1), v4(9), 1);
        assert_eq!(request.key, reply.key);
        assert_eq!(request.key.addr, [v4(9), v4(1)]);
        assert_eq!((request.sender, reply.sender), (Side::A, Side::B));
        assert_eq!(request.key.port, [0x0800, 0x1234]);
        assert_ne!(echo(8, v4(9), v4(1), 2).key, request.key);
    }

    #[test]
    fn icmp_errors_are_keyed_by_the_quoted_packet() {
        let unreachable = |code, dst_port| {
            let quoted = QuotedHeader { proto: 17, tos: 0, dst: IpAddr16::from_v4([10, 60, 0, 9]), dst_port: Some(dst_port) };
            packet_key(&ip(v4(5), v4(1), 1, Transport::Icmp { icmp_type: 3, icmp_code: code, id: 0, seq: 0, quoted: Some(quoted) })).key
        };
        // Port unreachable: Argus shows the quoted port 6666 (0x1a0a) byte-swapped as 0x0a1a.
        assert_eq!(unreachable(3, 6666).port, [0x0303, 6666]);
        assert_ne!(unreachable(3, 6666), unreachable(3, 6667));
        // Host unreachable: the quoted destination's first two bytes, as Argus shows 0x0a3c.
        assert_eq!(unreachable(1, 1).port[1].swap_bytes(), 0x0a3c);
        // Errors are not normalised: the same message the other way is another flow.
        let quoted = QuotedHeader { proto: 17, tos: 0, dst: v4(7), dst_port: Some(1) };
        let back = packet_key(&ip(v4(1), v4(5), 1, Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: Some(quoted) }));
        assert_eq!(back.key.addr, [v4(1), v4(5)]);
    }

    #[test]
    fn icmpv6_replies_map_to_requests() {
        let (a, b) = (IpAddr16::from_v6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), IpAddr16::from_v6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]));
        let six = |t, src, dst| packet_key(&ip(src, dst, 58, Transport::Icmp { icmp_type: t, icmp_code: 0, id: 7, seq: 1, quoted: None }));
        assert_eq!(six(128, a, b).key, six(129, b, a).key);
        assert_eq!(six(135, b, a).key, six(136, a, b).key);
        assert_eq!(six(129, b, a).key.port, [128, 0]);
    }
}
